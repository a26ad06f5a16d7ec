"""What happens to an update, for clients and staff alike, whatever the door.

    claim the update id → lock the client → load → flows' step → save → effects → outbox rows,
    all in one transaction (`Database.submit`: SQLite's writer thread, or a PostgreSQL worker);
    then the replies go to the door's outlet.

The door-facing entry point is `handle`: a door translates its input into an `Incoming` (channel,
user, chat, update id) and a flow `Event`, calls `handle` once, and gets the replies delivered
through the `outlet` it passes. A step that cannot be committed raises: nothing of it is stored
and the door may offer the same update again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from flows import staff
from flows.clock import berlin_day
from flows.engine import step as flow_step
from flows.model import (
    AppointmentChanged,
    Audit,
    Command,
    Conversation,
    ConversationStarted,
    DeleteClientData,
    Effect,
    Event,
    IntakeCompleted,
    NotifyStaff,
    Outcome,
    Pressed,
    Reply,
    TellClient,
)
from flows.ports import Bookings, Context, Desk
from storage import conversations as conversations_repo
from storage import counts
from storage.booking import AppointmentBook
from storage.booking_port import ClientBookings
from storage.conversations import ConversationStore, Incoming, claim_and_lock
from storage.desk import StoredDesk
from storage.outbox import LEASE, Delivery, put
from storage.times import aware

if TYPE_CHECKING:
    from bot.assistant import Assistant

log = logging.getLogger(__name__)

Stepper = Callable[[Conversation | None, Bookings], Outcome]
StaffStepper = Callable[[Desk], tuple[tuple[Reply, ...], tuple[Effect, ...]]]
Outlet = Callable[[Delivery], Awaitable[object]]  # how a door gets committed replies out


async def handle(
    assistant: Assistant,
    incoming: Incoming,
    event: Event,
    language_code: str | None = None,
    *,
    outlet: Outlet | None = None,
    committed: Callable[[], Awaitable[object]] | None = None,
) -> Delivery | None:
    """Run one step and commit it; then `committed()` (a door's acknowledgement, e.g. answering a
    button press) and `outlet(delivery)` with the replies. A staff member's desk command goes to
    their office's desk instead. Returns the committed replies; None when the update was seen
    before or nothing is to be said."""
    office_id = staff_office(assistant, incoming, event)
    if office_id is not None:
        delivery = await _staff(assistant, incoming, event, office_id)
    else:
        delivery = await _client(assistant, incoming, event, language_code)
    if committed is not None:
        await committed()
    if delivery is not None and outlet is not None:
        await outlet(delivery)
    return delivery


def staff_office(assistant: Assistant, incoming: Incoming, event: Event) -> str | None:
    """The office of a staff member's command or button; None for anyone else, who gets exactly
    what an unknown command or a stale button gets, and nothing about cases."""
    if incoming.channel != "telegram":  # staff are known by their Telegram account only
        return None
    office = assistant.settings.office_of_staff(int(incoming.user_id))
    if office is None:
        return None
    if isinstance(event, Command) and event.name in staff.COMMANDS:
        return office.id
    if isinstance(event, Pressed) and event.value.startswith("s:"):
        return office.id
    return None


def context(assistant: Assistant, language_code: str | None) -> Context:
    """What the flows may know of the world at this step (the time, languages, wording, offices)."""
    return Context(
        now=assistant.clock(),
        locales=assistant.catalogs.codes,
        wording=assistant.wording,
        hint=assistant.catalogs.suggest(language_code),
        catalogue=assistant.catalogue(assistant.settings.office.id),
        offices=assistant.office_choices,
    )


async def _client(
    assistant: Assistant, incoming: Incoming, event: Event, language_code: str | None
) -> Delivery | None:
    started = time.perf_counter()
    ctx = context(assistant, language_code)
    states: list[str] = []
    changes: list[str] = []

    def stepper(conv: Conversation | None, bookings: Bookings) -> Outcome:
        here = replace(ctx, bookings=bookings)
        if conv is not None and conv.office in assistant.office_support:
            here = replace(here, catalogue=assistant.catalogue(conv.office))
        outcome = flow_step(conv, event, here)
        after = outcome.conversation.state if outcome.conversation else "-"
        # Assigned, not appended: a step rolled back with a group commit runs again.
        states[:] = [conv.state if conv else "-", after]
        changes[:] = [e.kind for e in outcome.effects if isinstance(e, AppointmentChanged)]
        return outcome

    delivery = await assistant.steps.handle_client(incoming, stepper, ctx.now)
    assistant.metrics.updates.labels(type(event).__name__).inc()
    assistant.metrics.latency.observe(time.perf_counter() - started)
    for change in changes:  # counted once the step is committed
        assistant.metrics.bookings.labels(change).inc()
    # Only the kind of event and the states: never identifiers or what the client wrote. At
    # DEBUG: one line per update at INFO costs more than the flow step itself.
    log.debug(
        "step %s %s -> %s in %.1f ms",
        type(event).__name__,
        *(states or ["dup", "dup"]),
        (time.perf_counter() - started) * 1000,
    )
    return delivery


async def _staff(
    assistant: Assistant, incoming: Incoming, event: Event, office_id: str
) -> Delivery | None:
    now = assistant.clock()
    today = berlin_day(now)
    assert isinstance(event, Command | Pressed)

    def desk_step(desk: Desk) -> tuple[tuple[Reply, ...], tuple[Effect, ...]]:
        return staff.step(event, desk, now, today)

    delivery = await assistant.steps.handle_staff(incoming, desk_step, now, office_id)
    log.debug("staff %s", event.name if isinstance(event, Command) else "button")
    return delivery


def at_the_desk(
    assistant: Assistant, office_id: str, command: Command, staff_key: str
) -> tuple[tuple[Reply, ...], tuple[Effect, ...]]:
    """A staff command given outside the staff chat (the command line): the staff chat's own step,
    its effects committed in one transaction (the client told, the staff chats told, the audit
    log under `staff_key`); the replies are returned, to be shown where the command was typed."""
    now = assistant.clock()
    today = berlin_day(now)

    def desk_step(desk: Desk) -> tuple[tuple[Reply, ...], tuple[Effect, ...]]:
        return staff.step(command, desk, now, today, in_chat=False)

    return assistant.steps.desk(desk_step, now, office_id, staff_key)


class Steps:
    """The transaction of one step: everything a step changes and every reply it causes commit
    together, or nothing does. It runs where `Database.submit` runs it (SQLite: on the writer's
    thread, sharing its commit with other clients' steps that arrived meanwhile)."""

    def __init__(self, store: ConversationStore) -> None:
        self.store, self.db, self.keyring = store, store.db, store.keyring

    async def handle_client(
        self, incoming: Incoming, stepper: Stepper, now: datetime
    ) -> Delivery | None:
        """A client's step, awaited; None when this update was processed before or nothing is
        said."""
        work = partial(self._client, incoming=incoming, stepper=stepper, now=now)
        delivery, leaving = await self.db.run(work)
        if leaving:  # the client's data is gone: no old copy of it may stay in SQLite's log
            await asyncio.to_thread(self.db.forget_old_pages)
        return delivery

    async def handle_staff(
        self, incoming: Incoming, stepper: StaffStepper, now: datetime, office_id: str = ""
    ) -> Delivery | None:
        """A staff command against their office's desk, with all it causes, awaited."""
        work = partial(self._staff, incoming=incoming, stepper=stepper, now=now, office=office_id)
        return await self.db.run(work)

    def _client(
        self, tx: Connection, *, incoming: Incoming, stepper: Stepper, now: datetime
    ) -> tuple[Delivery | None, bool]:
        store = self.store
        key = self.keyring.client_key(incoming.channel, incoming.user_id)
        # At most once per update; the client's steps never interleave.
        if not claim_and_lock(tx, incoming.update_id, now, key):
            return None, False
        before, chat_ref = conversations_repo.load(
            tx, self.keyring, key, incoming.channel, incoming.user_id
        )
        # The chat id is sealed once per conversation: its replies reuse the stored seal (a
        # client's chat is their private chat, or their web session, for as long as it lasts),
        # unless it was sealed under a retired chat key.
        if chat_ref is None or not self.keyring.is_current(chat_ref):
            chat_ref = self.keyring.seal(incoming.chat_id)
        office = store.known(before.office if before else None)
        outcome = stepper(before, ClientBookings(AppointmentBook(tx, office), key, aware(now)))
        if outcome.conversation is not None:  # the client may have chosen another office
            office = store.known(outcome.conversation.office or office)
            conversations_repo.save(
                tx,
                key,
                before,
                outcome.conversation,
                now,
                office,
                lambda: (incoming.channel, chat_ref),
            )
        leaving = any(isinstance(effect, DeleteClientData) for effect in outcome.effects)
        for effect in outcome.effects:  # what a leaving client's step queues is not about them
            self._apply(tx, effect, now, office, client=key, about="" if leaving else key)
        forget = store.outbox.forget_recent(tx, incoming.chat_id, now) if leaving else []
        if not outcome.replies:
            return None, leaving
        if leaving and incoming.answers_in_response:  # shown once, from memory, never stored
            goodbye = Delivery(
                0,
                incoming.chat_id,
                outcome.locale,
                outcome.replies,
                channel=incoming.channel,
                final=True,
                office=office,
            )
            return goodbye, leaving
        delivery = put(
            tx,
            self.keyring,
            chat_ref=chat_ref,
            chat_id=incoming.chat_id,
            channel=incoming.channel,
            locale=outcome.locale,
            replies=outcome.replies,
            due=now + LEASE,
            pressed=incoming.pressed_message_id,
            delete=forget,
            final=leaving,
            office=office,
            client="" if leaving else key,
        )
        return delivery, leaving

    def _staff(
        self,
        tx: Connection,
        *,
        incoming: Incoming,
        stepper: StaffStepper,
        now: datetime,
        office: str,
    ) -> Delivery | None:
        office = self.store.known(office)
        if not conversations_repo.claim_update(tx, incoming.update_id, now):
            return None
        staff_key = self.keyring.client_key("staff", incoming.user_id)
        replies, _ = self._at_desk(tx, stepper=stepper, now=now, office=office, staff_key=staff_key)
        if not replies:
            return None
        return put(
            tx,
            self.keyring,
            chat_id=incoming.chat_id,
            channel=incoming.channel,
            locale=self.store.destinations[office].locale,
            replies=replies,
            due=now + LEASE,
            pressed=incoming.pressed_message_id,
            office=office,
        )

    def desk(
        self, stepper: StaffStepper, now: datetime, office_id: str, staff_key: str
    ) -> tuple[tuple[Reply, ...], tuple[Effect, ...]]:
        """A staff command from outside a chat (from a thread that is not the event loop's), in
        one transaction with all it causes; its replies are the caller's to show."""
        office = self.store.known(office_id)
        work = partial(self._at_desk, stepper=stepper, now=now, office=office, staff_key=staff_key)
        return self.db.write(work)

    def _at_desk(
        self, tx: Connection, *, stepper: StaffStepper, now: datetime, office: str, staff_key: str
    ) -> tuple[tuple[Reply, ...], tuple[Effect, ...]]:
        replies, effects = stepper(StoredDesk(tx, office, aware(now)))
        for effect in effects:
            self._apply(tx, effect, now, office, staff=staff_key)
        return replies, effects

    def _apply(
        self,
        tx: Connection,
        effect: Effect,
        now: datetime,
        office: str,
        client: str = "",
        staff: str = "",
        about: str = "",
    ) -> None:
        """One effect of a step, for the office whose client or staff member it was; `about`:
        the client whose answers a staff summary carries."""
        if isinstance(effect, DeleteClientData):
            conversations_repo.forget_client(tx, client, office, now)
        elif isinstance(effect, ConversationStarted):
            counts.count(tx, office, "conversations_started", now)
        elif isinstance(effect, IntakeCompleted):
            counts.count(tx, office, "intakes_completed", now)
        elif isinstance(effect, AppointmentChanged) and effect.kind == "booked":
            booked = AppointmentBook(tx, office).by_case_code(effect.case_code)
            if booked is not None:
                counts.count(tx, office, "booked", now)
                counts.count(tx, office, f"language:{booked.language}", now)
                if booked.interpreter_status != "none":
                    counts.count(tx, office, f"interpreter:{booked.interpreter_status}", now)
        elif isinstance(effect, NotifyStaff):
            self.store.to_staff(tx, effect.reply, now, office, about)
        elif isinstance(effect, TellClient):
            self.store.to_client(tx, effect.client, (effect.reply,), now)
        elif isinstance(effect, Audit):
            conversations_repo.audit(tx, now, office, staff, effect.action, effect.case_code)
