"""Delivering committed replies: render them in the client's language, send them through the
door's `Send` (mail through the mailer), and mark them sent in the outbox; a failed send stays
in the outbox for a retry with back-off."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.mail import Mailer
from bot.render import TELEGRAM, Message
from storage.outbox import Delivery

if TYPE_CHECKING:
    from bot.assistant import Assistant
    from storage.conversations import ConversationStore

log = logging.getLogger(__name__)


class Progress:
    """How far a delivery has got: each Bot API call that reached the chat is marked in the
    outbox, so that a resend after a crash starts after it. A door's `Send` skips the first
    `parts` calls and reports each further one with `reached`.

    A mark is handed to the database's writer without a commit of its own (`Database.defer`):
    the next call of the reply waits until it is committed, so after a crash only the one in
    flight can come twice; the last mark rides the next step's transaction on SQLite (or
    commits within 20 ms; on PostgreSQL at once), and whoever sends the chat's next message
    waits for it first (`settled`)."""

    def __init__(self, assistant: Assistant, delivery: Delivery) -> None:
        self.assistant, self.delivery = assistant, delivery
        self.parts, self.done = delivery.sent_parts, False
        self.marked: asyncio.Future[None] | None = None  # the last mark handed over

    async def reached(self, message_id: int | None, last: bool = False) -> None:
        """One more call got through (leaving `message_id` in the chat); `last`: all of them.
        Returns once the next call may start: at once after the last one, otherwise when its
        mark is committed (raises if it could not be)."""
        self.parts += 1
        self._mark(message_id, last)
        if not last:
            await self.settled()

    async def finish(self) -> None:
        """Everything got through (a mail, or replies whose last call was already reported)."""
        if not self.done:
            self._mark(None, True)

    async def settled(self) -> None:
        """Wait until the last mark is committed, asking the writer not to wait for a ride;
        raises if it could not be committed."""
        marked = self.marked
        if marked is None:
            return
        if not marked.done():
            self.assistant.db.urge()
        # Shielded: a cancelled sender must not cancel a mark whose message went out.
        await asyncio.shield(marked)

    def _mark(self, message_id: int | None, done: bool) -> None:
        outbox, now = self.assistant.store.outbox, self.assistant.clock()
        mark = outbox.marking(self.delivery, self.parts, message_id, now, done)
        self.marked = self.assistant.db.mark(mark)
        if done:  # nobody may wait for it: say when it failed
            self.marked.add_done_callback(_unmarked)
        self.done = done


def _unmarked(marked: asyncio.Future[None]) -> None:
    error = None if marked.cancelled() else marked.exception()
    if error is not None:
        log.warning(
            "a sent mark was not committed (%s): its message may be sent again",
            type(error).__name__,
        )


Send = Callable[[Delivery, Sequence[Message], Progress], Awaitable[None]]


class Unreachable(Exception):
    """Raised by a door's `Send` when the chat can never be reached again (the client blocked
    the bot or left the chat): the reply is given up at once instead of retried."""


def render(assistant: Assistant, delivery: Delivery, door: str = TELEGRAM) -> list[Message]:
    """The replies as `door` shows them (the web door tells its clients its own privacy facts)."""
    return [
        assistant.renderer.message(reply, delivery.locale, delivery.office, door)
        for reply in delivery.replies
    ]


async def deliver(
    assistant: Assistant, delivery: Delivery, send: Send, progress: Progress | None = None
) -> bool:
    """Send the replies (mail through the mailer), each message marked sent on its own; what
    is left stays in the outbox if sending fails. `progress`: the caller's, to wait for the
    last mark (`Progress.settled`) before the chat's next message. (The web door sends nothing:
    it shows its pages itself, `bot.web.app`.)"""
    outbox = assistant.store.outbox
    progress = progress or Progress(assistant, delivery)
    try:
        messages = render(assistant, delivery)
        if delivery.channel == "email":
            if assistant.settings.smtp is None:
                raise RuntimeError("mail is not configured")
            await asyncio.to_thread(
                Mailer(assistant.settings.smtp).send,
                messages,
                delivery.chat_id,
                mail_name(assistant, delivery),
            )
        else:
            await send(delivery, messages, progress)
    except Exception as error:  # any failure of the network, the API or the mail server
        assistant.metrics.failed_sends.inc()
        blocked = isinstance(error, Unreachable)
        dropped = await asyncio.to_thread(
            outbox.failed, delivery.outbox_id, assistant.clock(), blocked
        )
        log.warning(
            "sending failed: %s",
            "given up" if dropped else "kept in the outbox for a retry",
            exc_info=error,
        )
        return False
    await progress.finish()
    return True


def mail_name(assistant: Assistant, delivery: Delivery) -> str:
    """Who the office's mail comes from: the assistant's name, or with several offices the
    office's own short name."""
    if len(assistant.settings.offices) < 2:
        return "Coming Home"
    return assistant.settings.office_by_id(delivery.office).short_name


async def flush(
    assistant: Assistant, send: Send, channels: Sequence[str] = ("telegram", "email")
) -> int:
    """Send what is due in the outbox for these channels (after a crash, a failed send, or for
    messages nobody asked for). Returns how many were sent."""
    sent = 0
    due = await asyncio.to_thread(assistant.store.outbox.due, assistant.clock(), channels)
    for delivery in due:
        progress = Progress(assistant, delivery)
        sent += await deliver(assistant, delivery, send, progress)
        with contextlib.suppress(Exception):  # logged where it failed; the next may go
            await progress.settled()  # before the next message, perhaps to the same chat
    return sent


async def queue_and_send(
    assistant: Assistant,
    send: Send,
    enqueue: Callable[[ConversationStore, datetime], int],
    what: str,
) -> int:
    """A job's round: `enqueue` in a worker thread, then the outbox sent; how many were queued."""
    queued = await asyncio.to_thread(enqueue, assistant.store, assistant.clock())
    if queued:
        log.info("queued %d %s", queued, what)
        await flush(assistant, send)
    return queued
