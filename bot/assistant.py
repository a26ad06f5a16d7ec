"""Runs one conversation step per incoming event and hands the replies to a door to send.

The step and its storage run in one worker thread per update (one hop), inside one transaction;
only after the commit is anything sent. Replies stay in the outbox until the door confirms them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from telegram.error import Forbidden

from bot.config import Settings
from bot.i18n import Catalogs
from bot.mail import Mailer
from bot.metrics import Metrics
from bot.render import Message, Renderer
from bot.support_file import SupportFile
from bot.wording import Wording
from flows import booking, staff
from flows.engine import step
from flows.model import (
    AppointmentChanged,
    Command,
    Conversation,
    Effect,
    Event,
    Outcome,
    Pressed,
    Reply,
)
from flows.ports import Bookings, Context, Desk, OfficeChoice
from flows.schedule import OpeningRules, is_closed
from flows.support import Catalogue
from storage.conversations import ConversationStore, Incoming, StaffDestinations
from storage.db import Database
from storage.outbox import Delivery

log = logging.getLogger(__name__)
BERLIN = ZoneInfo("Europe/Berlin")
PROCESSED_UPDATES_KEPT = timedelta(days=2)  # Telegram re-sends an update for at most 24 hours
OFFICE_DAYS = OpeningRules(hours={})  # weekends, Bavarian holidays, 24 and 31 December: closed

Send = Callable[[Delivery, Sequence[Message]], Awaitable[Sequence[int]]]  # -> ids sent
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
    office_support: dict[str, SupportFile] = field(default_factory=dict)  # an office's own
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def build(cls, settings: Settings, clock: Clock = utc_now, migrate: bool = True) -> Assistant:
        support = SupportFile(settings.support_file)  # an invalid file stops the start here
        office_support = {  # an office with programmes of its own keeps its own catalogue
            office.id: SupportFile(office.support_file)
            for office in settings.offices
            if office.support_file is not None
        }
        db = Database(settings.database_url)
        if migrate:
            db.migrate()
        catalogs = Catalogs(settings.locales_dir)
        default, *others = settings.offices
        renderer = Renderer(catalogs, default, settings.retention_days, others)
        destinations = {
            office.id: StaffDestinations(
                office.staff_chat_ids, settings.mailbox(office), office.staff_locale
            )
            for office in settings.offices
        }
        store = ConversationStore(
            db, settings.keyring, default.id, destinations.pop(default.id), destinations
        )
        wording = Wording(renderer)
        return cls(settings, db, store, catalogs, renderer, wording, clock, support, office_support)

    def catalogue(self, office_id: str) -> Catalogue | None:
        """The support on offer at this office (edits of its file show up at the next step)."""
        support = self.office_support.get(office_id, self.support)
        return support.current() if support else None

    def context(self, language_code: str | None) -> Context:
        catalogue = self.catalogue(self.settings.office.id)
        return Context(
            now=self.clock(),
            locales=self.catalogs.codes,
            wording=self.wording,
            hint=self.catalogs.suggest(language_code),
            catalogue=catalogue,
            offices=self.office_choices,
        )

    @cached_property
    def office_choices(self) -> tuple[OfficeChoice, ...]:
        """The offices a client can choose; with only one there is nothing to choose."""
        if len(self.settings.offices) < 2:
            return ()
        return tuple(
            OfficeChoice(o.id, o.name, o.short_name, o.districts, o.postcodes)
            for o in self.settings.offices
        )

    async def handle(
        self, incoming: Incoming, event: Event, language_code: str | None
    ) -> Delivery | None:
        """One step, committed. None when the update was seen before or nothing is to be said."""
        started = time.perf_counter()
        ctx = self.context(language_code)
        states: list[str] = []

        def stepper(conv: Conversation | None, bookings: Bookings) -> Outcome:
            here = replace(ctx, bookings=bookings)
            if conv is not None and conv.office in self.office_support:
                here = replace(here, catalogue=self.catalogue(conv.office))
            outcome = step(conv, event, here)
            after = outcome.conversation.state if outcome.conversation else "-"
            states.extend([conv.state if conv else "-", after])
            changes.extend(e.kind for e in outcome.effects if isinstance(e, AppointmentChanged))
            return outcome

        changes: list[str] = []
        delivery = await asyncio.to_thread(self.store.handle, incoming, stepper, ctx.now)
        self.metrics.updates.labels(type(event).__name__).inc()
        self.metrics.latency.observe(time.perf_counter() - started)
        for change in changes:  # counted once the step is committed
            self.metrics.bookings.labels(change).inc()
        # Only the kind of event and the states: never identifiers or what the client wrote.
        log.info(
            "step %s %s -> %s in %.1f ms",
            type(event).__name__,
            *(states or ["dup", "dup"]),
            (time.perf_counter() - started) * 1000,
        )
        return delivery

    def render(self, delivery: Delivery) -> list[Message]:
        return [
            self.renderer.message(reply, delivery.locale, delivery.office)
            for reply in delivery.replies
        ]

    async def deliver(self, delivery: Delivery, send: Send) -> bool:
        """Send the replies (mail through the mailer); keep them in the outbox if sending fails."""
        try:
            messages = self.render(delivery)
            sent: Sequence[int] = ()
            if delivery.channel == "email":
                if self.settings.smtp is None:
                    raise RuntimeError("mail is not configured")
                await asyncio.to_thread(
                    Mailer(self.settings.smtp).send,
                    messages,
                    delivery.chat_id,
                    self.mail_name(delivery),
                )
            else:
                sent = await send(delivery, messages)
        except Exception as error:  # any failure of the network, the API or the mail server
            self.metrics.failed_sends.inc()
            blocked = isinstance(error, Forbidden)  # the client blocked the bot or left the chat
            dropped = await asyncio.to_thread(
                self.store.outbox.failed, delivery.outbox_id, self.clock(), blocked
            )
            log.warning(
                "sending failed (%s): %s",
                type(error).__name__,
                "given up" if dropped else "kept in the outbox for a retry",
            )
            return False
        await asyncio.to_thread(self.store.outbox.sent, delivery, sent, self.clock())
        return True

    def mail_name(self, delivery: Delivery) -> str:
        """Who the office's mail comes from: the assistant's name, or with several offices the
        office's own short name."""
        if len(self.settings.offices) < 2:
            return "Coming Home"
        return self.settings.office_by_id(delivery.office).short_name

    async def flush(self, send: Send, channels: Sequence[str] = ("telegram", "email")) -> int:
        """Send what is due in the outbox for these channels (after a crash, a failed send, or
        for messages nobody asked for). Returns how many were sent."""
        sent = 0
        due = await asyncio.to_thread(self.store.outbox.due, self.clock(), channels)
        for delivery in due:
            sent += await self.deliver(delivery, send)
        return sent

    async def handle_staff(
        self, incoming: Incoming, event: Command | Pressed, office_id: str = ""
    ) -> Delivery | None:
        """A staff command or button at their office's desk, committed with all it causes."""
        now = self.clock()
        today = now.replace(tzinfo=UTC).astimezone(BERLIN).date()

        def run(desk: Desk) -> tuple[tuple[Reply, ...], tuple[Effect, ...]]:
            return staff.step(event, desk, now, today)

        delivery = await asyncio.to_thread(self.store.handle_staff, incoming, run, now, office_id)
        log.info("staff %s", event.name if isinstance(event, Command) else "button")
        return delivery

    async def agenda(self, send: Send) -> bool:
        """Each office's agenda to its staff, once per working day after its configured time."""
        now = self.clock()
        local = now.replace(tzinfo=UTC).astimezone(BERLIN)
        if is_closed(local.date(), OFFICE_DAYS):
            return False
        today, queued = local.date(), False
        for office in self.settings.offices:
            if local.time() >= office.agenda_time:
                queued |= await asyncio.to_thread(
                    self.store.enqueue_agenda,
                    now,
                    today,
                    lambda desk: staff.step(Command("agenda"), desk, now, today)[0],
                    office.id,
                )
        if queued:
            await self.flush(send)
        return queued

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
        """Forget old update ids, message ids and audit entries; apply the retention period."""
        now = self.clock()
        await asyncio.to_thread(self.store.prune_processed, now - PROCESSED_UPDATES_KEPT)
        await asyncio.to_thread(
            self.store.prune_audit, now - timedelta(days=self.settings.audit_days)
        )
        await asyncio.to_thread(self.store.outbox.prune_sent, now)
        before = now - timedelta(days=self.settings.retention_days)
        purged = await asyncio.to_thread(self.store.purge_silent, before)
        ended = await asyncio.to_thread(self.store.purge_appointments, before)
        if purged or ended:
            log.info("retention: deleted %d conversations and %d appointments", purged, ended)
