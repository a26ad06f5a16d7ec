"""One conversation step in one transaction: dedupe the update, lock and load, save, queue replies.

The same for the office's staff: a staff command runs against the desk in one transaction, and
everything it causes (a message to a client, an audit entry) commits with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from flows.model import (
    AppointmentChanged,
    Audit,
    Conversation,
    ConversationStarted,
    DeleteClientData,
    Effect,
    IntakeCompleted,
    NotifyStaff,
    Outcome,
    Reply,
    TellClient,
)
from flows.ports import AppointmentView, Bookings, Desk, Figures
from storage import counts, return_codes
from storage.appointments import AppointmentBook
from storage.booking_port import ClientBookings, view
from storage.crypto import Keyring
from storage.db import Database
from storage.desk import StoredDesk
from storage.keys import adopt_previous
from storage.outbox import LEASE, Delivery, Outbox, put
from storage.tables import (
    appointments,
    audit_log,
    conversations,
    daily_counts,
    processed_updates,
    reminders,
)


@dataclass(frozen=True)
class Incoming:
    """Who wrote (pseudonymised before anything is stored) and which update it was."""

    channel: str
    user_id: str
    chat_id: str
    update_id: int | None = None
    pressed_message_id: int | None = None


@dataclass(frozen=True)
class StaffDestinations:
    """Where staff summaries go: the staff chats, and the office mailbox when mail is set up."""

    chat_ids: tuple[int, ...] = ()
    mailbox: str | None = None
    locale: str = "de"


# The statements of every step, built once: SQLAlchemy then reuses their compiled form and cache
# key instead of building both again for each update (most of a step's time on SQLite).
_CONVERSATION = (
    select(conversations).where(conversations.c.client_key == bindparam("b_key")).with_for_update()
)
_NEW_CONVERSATION = insert(conversations)
_CHANGED_CONVERSATION = (
    update(conversations)
    .where(conversations.c.client_key == bindparam("b_key"))
    .values(version=conversations.c.version + 1)
)
_CLAIMS = {
    name: dialect.insert(processed_updates)
    .on_conflict_do_nothing()
    .returning(processed_updates.c.update_id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}

Stepper = Callable[[Conversation | None, Bookings], Outcome]
StaffStepper = Callable[[Desk], tuple[tuple[Reply, ...], tuple[Effect, ...]]]


class ConversationStore:
    """The conversations of every office of the installation; `office_id` is the default one."""

    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        office_id: str = "muenchen",
        staff: StaffDestinations | None = None,
        others: Mapping[str, StaffDestinations] | None = None,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.office_id = office_id
        self.destinations = {office_id: staff or StaffDestinations(), **(others or {})}
        self.outbox = Outbox(db, keyring)

    @property
    def offices(self) -> tuple[str, ...]:
        return tuple(self.destinations)

    def known(self, office_id: str | None) -> str:
        """The office itself, or the default for one no longer configured (or never chosen)."""
        return office_id if office_id in self.destinations else self.office_id

    def handle(self, incoming: Incoming, stepper: Stepper, now: datetime) -> Delivery | None:
        """Run one step; None when this update was processed before. Commits before returning."""
        delivery, leaving = self._step(incoming, stepper, now)
        if leaving:
            self.db.forget_old_pages()
        return delivery

    def _step(
        self, incoming: Incoming, stepper: Stepper, now: datetime
    ) -> tuple[Delivery | None, bool]:
        with self.db.transaction() as tx:
            if incoming.update_id is not None and not self._claim(tx, incoming.update_id, now):
                return None, False
            key = self.keyring.client_key(incoming.channel, incoming.user_id)
            lock_client(tx, key)
            row = self._locked_conversation(tx, key, incoming)
            before = _to_conversation(row._mapping) if row else None
            office = self.known(before.office if before else None)
            book = AppointmentBook(tx, office)
            outcome = stepper(before, ClientBookings(book, key, _aware(now)))
            if outcome.conversation is not None:  # the client may have chosen another office
                office = self.known(outcome.conversation.office or office)
            self._save(tx, key, before, outcome, incoming, now, office)
            for effect in outcome.effects:
                self._apply(tx, effect, now, office, client=key)
            leaving = any(isinstance(effect, DeleteClientData) for effect in outcome.effects)
            forget = self.outbox.forget_recent(tx, incoming.chat_id, now) if leaving else []
            if not outcome.replies:
                return None, leaving
            delivery = put(
                tx,
                self.keyring,
                chat_id=incoming.chat_id,
                channel=incoming.channel,
                locale=outcome.locale,
                replies=outcome.replies,
                due=now + LEASE,
                pressed=incoming.pressed_message_id,
                delete=forget,
                final=leaving,
                office=office,
            )
            return delivery, leaving

    def _locked_conversation(self, tx: Connection, key: str, incoming: Incoming) -> Any:
        """The client's conversation, locked; one last seen under the previous pepper is first
        moved to `key` with its appointments and waiting-list entry (see storage/keys.py)."""
        row = tx.execute(_CONVERSATION, {"b_key": key}).first()
        if row is None and adopt_previous(tx, self.keyring, incoming.channel, incoming.user_id):
            row = tx.execute(_CONVERSATION, {"b_key": key}).first()
        return row

    def handle_staff(
        self, incoming: Incoming, stepper: StaffStepper, now: datetime, office_id: str = ""
    ) -> Delivery | None:
        """Run a staff command against their office's desk, in one transaction with all it causes."""
        office = self.known(office_id)
        with self.db.transaction() as tx:
            if incoming.update_id is not None and not self._claim(tx, incoming.update_id, now):
                return None
            replies, effects = stepper(StoredDesk(tx, office, _aware(now)))
            staff_key = self.keyring.client_key("staff", incoming.user_id)
            for effect in effects:
                self._apply(tx, effect, now, office, staff=staff_key)
            if not replies:
                return None
            return put(
                tx,
                self.keyring,
                chat_id=incoming.chat_id,
                channel=incoming.channel,
                locale=self.destinations[office].locale,
                replies=replies,
                due=now + LEASE,
                pressed=incoming.pressed_message_id,
                office=office,
            )

    def _claim(self, tx: Connection, update_id: int, now: datetime) -> bool:
        claimed = tx.execute(
            _CLAIMS[tx.dialect.name], {"update_id": update_id, "processed_at": now}
        )
        return claimed.first() is not None

    def _save(
        self,
        tx: Connection,
        key: str,
        before: Conversation | None,
        outcome: Outcome,
        incoming: Incoming,
        now: datetime,
        office: str,
    ) -> None:
        after = outcome.conversation
        if after is None:
            return
        values: dict[str, Any] = {
            "office_id": office,
            "state": after.state,
            "locale": after.locale,
            "answers": after.answers,
            "data": after.data,
            "updated_at": now,
        }
        if before is None:
            tx.execute(
                _NEW_CONVERSATION,
                {
                    "client_key": key,
                    "version": 1,
                    "channel": incoming.channel,
                    "chat_ref": self.keyring.seal(incoming.chat_id),
                    **values,
                },
            )
        else:
            tx.execute(_CHANGED_CONVERSATION, {"b_key": key, **values})

    def _apply(
        self,
        tx: Connection,
        effect: Effect,
        now: datetime,
        office: str,
        client: str = "",
        staff: str = "",
    ) -> None:
        """One effect of a step, for the office whose client or staff member it was."""
        if isinstance(effect, DeleteClientData):  # every office's appointments of the client
            AppointmentBook(tx, office).delete_for_client(client, now)
            tx.execute(delete(conversations).where(conversations.c.client_key == client))
            return_codes.forget(tx, [client])
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
            self._to_staff(tx, effect.reply, now, office)
        elif isinstance(effect, TellClient):
            self._to_client(tx, effect.client, (effect.reply,), now)
        elif isinstance(effect, Audit):
            tx.execute(
                insert(audit_log).values(
                    at=now,
                    office_id=office,
                    staff_key=staff,
                    action=effect.action,
                    case_code=effect.case_code,
                )
            )

    def _to_staff(self, tx: Connection, reply: Reply, now: datetime, office: str) -> None:
        """A summary to every staff chat of the office and, where mail is set up, its mailbox."""
        staff = self.destinations[office]
        addresses = [(str(chat_id), "telegram") for chat_id in staff.chat_ids]
        if staff.mailbox:
            addresses.append((staff.mailbox, "email"))
        for address, channel in addresses:
            put(
                tx,
                self.keyring,
                chat_id=address,
                channel=channel,
                locale=staff.locale,
                replies=(reply,),
                due=now,
                office=office,
            )

    def _to_client(
        self, tx: Connection, client: str, replies: tuple[Reply, ...], now: datetime
    ) -> None:
        """Replies for a client's own chat, in their language; nothing if they deleted their data."""
        row = tx.execute(
            select(
                conversations.c.chat_ref,
                conversations.c.locale,
                conversations.c.channel,
                conversations.c.office_id,
            ).where(conversations.c.client_key == client)
        ).first()
        if row is not None:
            put(
                tx,
                self.keyring,
                chat_ref=row.chat_ref,
                channel=row.channel,
                locale=row.locale,
                replies=replies,
                due=now,
                office=self.known(row.office_id),
            )

    # --- messages nobody asked for: reminders, waiting-list news ------------------------------

    def enqueue_reminders(
        self, now: datetime, reminder: Callable[[AppointmentView, str], Reply]
    ) -> int:
        """Queue the due reminders, each exactly once (claimed and marked in one transaction)."""
        queued = 0
        for office in self.offices:
            with self.db.transaction() as tx:
                book = AppointmentBook(tx, office)
                due = book.claim_due_reminders(_aware(now))
                for item in due:
                    if item.appointment.client_key is not None:
                        message = reminder(view(item.appointment), item.kind)
                        self._to_client(tx, item.appointment.client_key, (message,), now)
                    book.mark_reminder_sent(item.id, _aware(now))
                queued += len(due)
        return queued

    def enqueue_waiting_news(self, now: datetime, news: Callable[[str], Reply]) -> int:
        """Tell waiting clients, first come first served, that a time in their language is free
        (at the office whose waiting list they are on)."""
        queued = 0
        for office in self.offices:
            with self.db.transaction() as tx:
                claimed = AppointmentBook(tx, office).claim_waiting_list(_aware(now))
                for entry in claimed:
                    self._to_client(tx, entry.client_key, (news(entry.language),), now)
                queued += len(claimed)
        return queued

    def enqueue_agenda(
        self,
        now: datetime,
        day: date,
        agenda: Callable[[Desk], tuple[Reply, ...]],
        office_id: str = "",
    ) -> bool:
        """An office's agenda of the day to its staff, once a day however many instances run."""
        office = self.known(office_id)
        with self.db.transaction() as tx:
            dialect = postgresql if tx.dialect.name == "postgresql" else sqlite
            claimed = tx.execute(
                dialect.insert(daily_counts)
                .values(day=day, office_id=office, metric="agenda_sent", count=1)
                .on_conflict_do_nothing()
                .returning(daily_counts.c.day)
            ).first()
            if claimed is None:
                return False
            for reply in agenda(StoredDesk(tx, office, _aware(now))):
                self._to_staff(tx, reply, now, office)
            return True

    # --- retention ------------------------------------------------------------------------------

    def purge_silent(self, before: datetime, dry_run: bool = False) -> int:
        """Delete the conversations (intake answers included) of clients silent since `before`,
        unless an appointment of theirs is still ahead or ended after `before` (retention)."""
        with self.db.transaction() as tx:
            still_needed = select(appointments.c.client_key).where(
                appointments.c.client_key.is_not(None),
                or_(
                    appointments.c.status == "booked",
                    func.coalesce(appointments.c.cancelled_at, appointments.c.ends_at) >= before,
                ),
            )
            silent = (
                tx.execute(
                    select(conversations.c.client_key).where(
                        conversations.c.updated_at < before,
                        conversations.c.client_key.not_in(still_needed),
                    )
                )
                .scalars()
                .all()
            )
            if dry_run or not silent:
                return len(silent)
            book = AppointmentBook(tx, self.office_id)
            for key in silent:  # detaches past appointments, drops waiting-list entries
                book.delete_for_client(key, before)
            tx.execute(delete(conversations).where(conversations.c.client_key.in_(silent)))
            return_codes.forget(tx, list(silent))
            return len(silent)

    def purge_appointments(self, before: datetime, dry_run: bool = False) -> int:
        """Delete appointments, of every office, that took place or were cancelled before `before`
        (only the anonymous counts outlive them)."""
        with self.db.transaction() as tx:
            ended = and_(
                appointments.c.status != "booked",
                func.coalesce(appointments.c.cancelled_at, appointments.c.ends_at) < before,
            ) | and_(
                appointments.c.status == "booked",
                appointments.c.ends_at < before,
            )
            ids = tx.execute(select(appointments.c.id).where(ended)).scalars().all()
            if ids and not dry_run:
                tx.execute(delete(reminders).where(reminders.c.appointment_id.in_(ids)))
                tx.execute(delete(appointments).where(appointments.c.id.in_(ids)))
            return len(ids)

    def prune_audit(self, before: datetime) -> int:
        """Delete audit entries older than the period the office set (`COMEHOME_AUDIT_DAYS`)."""
        with self.db.transaction() as tx:
            return int(tx.execute(delete(audit_log).where(audit_log.c.at < before)).rowcount)

    def prune_processed(self, before: datetime) -> int:
        """Forget update ids older than Telegram would ever send again (it keeps updates 24 hours)."""
        with self.db.transaction() as tx:
            result = tx.execute(
                delete(processed_updates).where(processed_updates.c.processed_at < before)
            )
            return int(result.rowcount)

    def figures(self, office_id: str = "") -> Figures:
        """The anonymous counts of an office (the default one) of every day so far."""
        with self.db.transaction() as tx:
            return counts.figures(tx, self.known(office_id), date.min, date.max)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def lock_client(tx: Connection, key: str) -> None:
    """Serialise a client's steps until the transaction ends.

    SQLite's BEGIN IMMEDIATE already admits one writer at a time. On PostgreSQL a row lock cannot
    cover a client's first step (there is no row yet), so a transaction-scoped advisory lock on the
    pseudonym does; other clients proceed in parallel.
    """
    if tx.dialect.name == "postgresql":
        tx.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(key[:15], 16)})


def _to_conversation(row: Any) -> Conversation:
    return Conversation(
        row["state"],
        row["locale"],
        dict(row["answers"]),
        dict(row["data"]),
        row["version"],
        row["office_id"],
    )
