"""Sends committed replies in the background: one queue per chat, so a chat gets its replies in
the order its steps committed while other chats are served at the same time.

The step does not wait for Telegram: its replies are in the outbox already, so a reply that was
committed but not sent (a crash, a stop) is sent by the next outbox flush. While a delivery waits
in a queue its lease is renewed; a delivery whose lease ran out and was claimed by a flush is
left to that flush, so it is never sent twice. A chat's next message waits until the sent mark of
its previous one is committed (it usually rode the step that caused the next reply), so a crash
can repeat at most one message per chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from datetime import timedelta

from bot.assistant import Assistant
from bot.service import delivery as delivering
from bot.service.delivery import Send
from storage.outbox import Delivery

log = logging.getLogger(__name__)

RENEW_WITHIN = timedelta(seconds=10)  # a lease with less left is renewed before sending
STOP_GRACE = 5.0  # seconds a stop waits for sends under way; the rest stays in the outbox
PRUNE_AT = 256  # chats remembered with a mark in flight before committed ones are forgotten


class ChatQueues:
    """Per-chat ordered background delivery of committed replies."""

    def __init__(self, assistant: Assistant, send: Send) -> None:
        self.assistant, self.send = assistant, send
        self.queues: dict[tuple[str, str], deque[Delivery]] = {}
        self.tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.held: set[int] = set()  # outbox ids queued or being sent by this instance
        # Each chat's last delivery whose last mark may not be committed yet (see `_settle`).
        self.unsettled: dict[tuple[str, str], delivering.Progress] = {}
        self.prune_at = PRUNE_AT
        self.stopping = False

    def submit(self, delivery: Delivery) -> bool:
        """Queue a committed delivery behind its chat's earlier ones; False if it is queued
        already or the queues are stopping (the outbox keeps it either way)."""
        if self.stopping or delivery.outbox_id in self.held:
            return False
        self.held.add(delivery.outbox_id)
        chat = (delivery.channel, delivery.chat_id)
        self.queues.setdefault(chat, deque()).append(delivery)
        if chat not in self.tasks:
            self.tasks[chat] = asyncio.create_task(self._serve(chat))
        return True

    async def flush(self) -> int:
        """Claim what is due in the outbox (after a crash, a failed send, reminders) and queue it,
        so that it keeps each chat's order and pace; how many were queued. What the queues hold
        already is not claimed, even when its lease ran out while it waited."""
        outbox, now = self.assistant.store.outbox, self.assistant.clock()
        # Sent, its last mark not yet committed: still in the outbox, and still this instance's.
        marking = {
            progress.delivery.outbox_id
            for progress in self.unsettled.values()
            if progress.marked is not None and not progress.marked.done()
        }
        due = await asyncio.to_thread(outbox.due, now, ("telegram",), exclude=self.held | marking)
        return sum(self.submit(delivery) for delivery in due)

    async def drain(self, settle: bool = True) -> None:
        """Wait until every queued delivery was sent or given back to the outbox, and with
        `settle` until their sent marks are committed (in service they ride the next step)."""
        while self.tasks:
            await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        if settle:
            for chat in list(self.unsettled):
                await self._settle(chat)

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Take nothing new; let sends under way finish for `grace` seconds, then cancel the rest
        (still in the outbox: the next start sends them once their lease ran out)."""
        self.stopping = True
        if self.tasks:
            _, late = await asyncio.wait(list(self.tasks.values()), timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if late:
                log.info("stopped with replies of %d chats left in the outbox", len(late))

    async def _serve(self, chat: tuple[str, str]) -> None:
        """Send one chat's deliveries one after the other until its queue is empty."""
        queue = self.queues[chat]
        try:
            while queue:
                delivery = queue[0]
                try:
                    await self._settle(chat)
                    await self._deliver(delivery)
                except Exception as error:  # the database went away: the outbox keeps it
                    log.error("sending a reply failed", exc_info=error)
                finally:
                    queue.popleft()
                    self.held.discard(delivery.outbox_id)
        finally:
            for left in queue:
                self.held.discard(left.outbox_id)
            del self.queues[chat], self.tasks[chat]

    async def _settle(self, chat: tuple[str, str]) -> None:
        """Wait until the chat's previous message is marked sent (a failed mark is logged)."""
        progress = self.unsettled.get(chat)
        if progress is None:
            return
        with contextlib.suppress(Exception):
            await progress.settled()
        if self.unsettled.get(chat) is progress:
            del self.unsettled[chat]

    def _unsettled(self, chat: tuple[str, str], progress: delivering.Progress) -> None:
        self.unsettled[chat] = progress
        if len(self.unsettled) > self.prune_at:  # forget chats whose last mark is committed
            self.unsettled = {
                key: kept
                for key, kept in self.unsettled.items()
                if kept.marked is not None and not kept.marked.done()
            }
            self.prune_at = max(PRUNE_AT, 2 * len(self.unsettled))

    async def _deliver(self, delivery: Delivery) -> None:
        now = self.assistant.clock()
        if delivery.leased_until is not None and delivery.leased_until - now < RENEW_WITHIN:
            renewed = await asyncio.to_thread(self.assistant.store.outbox.extend, delivery, now)
            if renewed is None:
                log.info("a reply waited past its lease; the outbox flush sends it")
                return
            delivery = renewed
        chat = (delivery.channel, delivery.chat_id)
        progress = delivering.Progress(self.assistant, delivery)
        if not delivery.final:
            await delivering.deliver(self.assistant, delivery, self.send, progress=progress)
            self._unsettled(chat, progress)
            return
        # The last words after /delete: replies still queued then went out after the deletion;
        # remove them from the chat too, and leave no copy of what was forgotten in SQLite's log
        # (once the last mark, which deletes the outbox row, is committed).
        outbox = self.assistant.store.outbox
        delivery = await asyncio.to_thread(outbox.with_late_messages, delivery, now)
        await delivering.deliver(self.assistant, delivery, self.send, progress=progress)
        with contextlib.suppress(Exception):  # logged where it failed
            await progress.settled()
        await asyncio.to_thread(self.assistant.db.forget_old_pages)
