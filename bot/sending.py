"""Sends committed replies in the background: one queue per chat, so a chat gets its replies in
the order its steps committed while other chats are served at the same time.

The step does not wait for Telegram: its replies are in the outbox already, so a reply that was
committed but not sent (a crash, a stop) is sent by the next outbox flush. While a delivery waits
in a queue its lease is renewed; a delivery whose lease ran out and was claimed by a flush is
left to that flush, so it is never sent twice.
"""

from __future__ import annotations

import asyncio
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


class ChatQueues:
    """Per-chat ordered background delivery of committed replies."""

    def __init__(self, assistant: Assistant, send: Send) -> None:
        self.assistant, self.send = assistant, send
        self.queues: dict[tuple[str, str], deque[Delivery]] = {}
        self.tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.held: set[int] = set()  # outbox ids queued or being sent by this instance
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
        due = await asyncio.to_thread(outbox.due, now, ("telegram",), exclude=set(self.held))
        return sum(self.submit(delivery) for delivery in due)

    async def drain(self) -> None:
        """Wait until every queued delivery was sent or given back to the outbox."""
        while self.tasks:
            await asyncio.gather(*self.tasks.values(), return_exceptions=True)

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

    async def _deliver(self, delivery: Delivery) -> None:
        now = self.assistant.clock()
        if delivery.leased_until is not None and delivery.leased_until - now < RENEW_WITHIN:
            renewed = await asyncio.to_thread(self.assistant.store.outbox.extend, delivery, now)
            if renewed is None:
                log.info("a reply waited past its lease; the outbox flush sends it")
                return
            delivery = renewed
        if not delivery.final:
            await delivering.deliver(self.assistant, delivery, self.send)
            return
        # The last words after /delete: replies still queued then went out after the deletion;
        # remove them from the chat too, and leave no copy of what was forgotten in SQLite's log.
        outbox = self.assistant.store.outbox
        delivery = await asyncio.to_thread(outbox.with_late_messages, delivery, now)
        await delivering.deliver(self.assistant, delivery, self.send)
        await asyncio.to_thread(self.assistant.db.forget_old_pages)
