"""Runs one conversation step per incoming event and hands the replies to a door to send.

The step and its storage run in one worker thread per update (one hop), inside one transaction;
only after the commit is anything sent. Replies stay in the outbox until the door confirms them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.i18n import Catalogs
from bot.render import Message, Renderer
from bot.support_file import SupportFile
from bot.wording import Wording
from flows import booking
from flows.engine import step
from flows.model import Conversation, Event, Outcome
from flows.ports import Bookings, Context
from storage.conversations import ConversationStore, Delivery, Incoming
from storage.db import Database

log = logging.getLogger(__name__)

Send = Callable[[Delivery, Sequence[Message]], Awaitable[None]]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Naive UTC, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Assistant:
    """What every door shares: the store, the renderer and the step function."""

    settings: Settings
    db: Database
    store: ConversationStore
    catalogs: Catalogs
    renderer: Renderer
    wording: Wording
    clock: Clock = utc_now
    support: SupportFile | None = None  # the support on offer; None: figures are not shown

    @classmethod
    def build(cls, settings: Settings, clock: Clock = utc_now, migrate: bool = True) -> Assistant:
        support = SupportFile(settings.support_file)  # an invalid file stops the start here
        db = Database(settings.database_url)
        if migrate:
            db.migrate()
        catalogs = Catalogs(settings.locales_dir)
        renderer = Renderer(catalogs, settings.office, settings.retention_days)
        store = ConversationStore(db, settings.keyring, settings.office.id)
        return cls(settings, db, store, catalogs, renderer, Wording(renderer), clock, support)

    def context(self, language_code: str | None) -> Context:
        catalogue = self.support.current() if self.support else None  # edits show up next step
        return Context(
            now=self.clock(),
            locales=self.catalogs.codes,
            wording=self.wording,
            hint=self.catalogs.suggest(language_code),
            catalogue=catalogue,
        )

    async def handle(
        self, incoming: Incoming, event: Event, language_code: str | None
    ) -> Delivery | None:
        """One step, committed. None when the update was seen before or nothing is to be said."""
        started = time.perf_counter()
        ctx = self.context(language_code)
        states: list[str] = []

        def stepper(conv: Conversation | None, bookings: Bookings) -> Outcome:
            outcome = step(conv, event, replace(ctx, bookings=bookings))
            after = outcome.conversation.state if outcome.conversation else "-"
            states.extend([conv.state if conv else "-", after])
            return outcome

        delivery = await asyncio.to_thread(self.store.handle, incoming, stepper, ctx.now)
        # Only the kind of event and the states: never identifiers or what the client wrote.
        log.info(
            "step %s %s -> %s in %.1f ms",
            type(event).__name__,
            *(states or ["dup", "dup"]),
            (time.perf_counter() - started) * 1000,
        )
        return delivery

    def render(self, delivery: Delivery) -> list[Message]:
        return [self.renderer.message(reply, delivery.locale) for reply in delivery.replies]

    async def deliver(self, delivery: Delivery, send: Send) -> bool:
        """Send the replies; keep them in the outbox for a retry if sending fails."""
        try:
            await send(delivery, self.render(delivery))
        except Exception as error:  # any failure of the network or the API: retry later
            log.warning("sending failed, kept in outbox: %s", type(error).__name__)
            await asyncio.to_thread(self.store.failed, delivery.outbox_id, self.clock())
            return False
        await asyncio.to_thread(self.store.sent, delivery.outbox_id)
        return True

    async def flush(self, send: Send) -> int:
        """Send what a crash or a failed send left in the outbox. Returns how many were sent."""
        sent = 0
        for delivery in await asyncio.to_thread(self.store.due, self.clock()):
            sent += await self.deliver(delivery, send)
        return sent

    async def remind(self, send: Send) -> int:
        """Queue due reminders and waiting-list news (each exactly once), then send the outbox."""
        now = self.clock()
        queued = await asyncio.to_thread(self.store.enqueue_reminders, now, booking.reminder)
        queued += await asyncio.to_thread(
            self.store.enqueue_waiting_news, now, booking.waiting_list_news
        )
        if queued:
            log.info("queued %d reminders and waiting-list messages", queued)
            await self.flush(send)
        return queued

    async def housekeeping(self) -> None:
        """Forget old update ids and conversations past the retention period."""
        now = self.clock()
        await asyncio.to_thread(self.store.prune_processed, now - timedelta(days=2))
        purged = await asyncio.to_thread(
            self.store.purge_silent, now - timedelta(days=self.settings.retention_days)
        )
        if purged:
            log.info("retention: deleted %d silent conversations", purged)
