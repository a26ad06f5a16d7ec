"""One conversation step in one transaction: dedupe the update, lock and load, save, queue replies.

The same for the office's staff: a staff command runs against the desk in one transaction, and
everything it causes (a message to a client, an audit entry) commits with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, text, update
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
from storage import counts
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


Stepper = Callable[[Conversation | None, Bookings], Outcome]
StaffStepper = Callable[[Desk], tuple[tuple[Reply, ...], tuple[Effect, ...]]]


class ConversationStore:
    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        office_id: str = "muenchen",
        staff: StaffDestinations | None = None,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.office_id = office_id
        self.staff = staff or StaffDestinations()
        self.outbox = Outbox(db, keyring)

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
            book = AppointmentBook(tx, self.office_id)
            outcome = stepper(before, ClientBookings(book, key, _aware(now)))
            self._save(tx, key, before, outcome, incoming, now)
            for effect in outcome.effects:
                self._apply(tx, effect, now, client=key)
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
            )
            return delivery, leaving

    def _locked_conversation(self, tx: Connection, key: str, incoming: Incoming) -> Any:
        """The client's conversation, locked; one last seen under the previous pepper is first
        moved to `key` with its appointments and waiting-list entry (see storage/keys.py)."""
        query = select(conversations).where(conversations.c.client_key == key).with_for_update()
        row = tx.execute(query).first()
        if row is None and adopt_previous(tx, self.keyring, incoming.channel, incoming.user_id):
            row = tx.execute(query).first()
        return row

    def handle_staff(
        self, incoming: Incoming, stepper: StaffStepper, now: datetime
    ) -> Delivery | None:
        """Run a staff command against the desk, in one transaction with all it causes."""
        with self.db.transaction() as tx:
            if incoming.update_id is not None and not self._claim(tx, incoming.update_id, now):
                return None
            replies, effects = stepper(StoredDesk(tx, self.office_id, _aware(now)))
            staff_key = self.keyring.client_key("staff", incoming.user_id)
            for effect in effects:
                self._apply(tx, effect, now, staff=staff_key)
            if not replies:
                return None
            return put(
                tx,
                self.keyring,
                chat_id=incoming.chat_id,
                channel=incoming.channel,
                locale=self.staff.locale,
                replies=replies,
                due=now + LEASE,
                pressed=incoming.pressed_message_id,
            )

    def _claim(self, tx: Connection, update_id: int, now: datetime) -> bool:
        dialect = postgresql if tx.dialect.name == "postgresql" else sqlite
        claimed = tx.execute(
            dialect.insert(processed_updates)
            .values(update_id=update_id, processed_at=now)
            .on_conflict_do_nothing()
            .returning(processed_updates.c.update_id)
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
    ) -> None:
        after = outcome.conversation
        if after is None:
            return
        values: dict[str, Any] = {
            "state": after.state,
            "locale": after.locale,
            "answers": after.answers,
            "data": after.data,
            "updated_at": now,
        }
        if before is None:
            tx.execute(
                insert(conversations).values(
                    client_key=key,
                    office_id=self.office_id,
                    version=1,
                    channel=incoming.channel,
                    chat_ref=self.keyring.seal(incoming.chat_id),
                    **values,
                )
            )
        else:
            tx.execute(
                update(conversations)
                .where(conversations.c.client_key == key)
                .values(version=conversations.c.version + 1, **values)
            )

    def _apply(
        self, tx: Connection, effect: Effect, now: datetime, client: str = "", staff: str = ""
    ) -> None:
        if isinstance(effect, DeleteClientData):
            AppointmentBook(tx, self.office_id).delete_for_client(client, now)
            tx.execute(delete(conversations).where(conversations.c.client_key == client))
        elif isinstance(effect, ConversationStarted):
            counts.count(tx, self.office_id, "conversations_started", now)
        elif isinstance(effect, IntakeCompleted):
            counts.count(tx, self.office_id, "intakes_completed", now)
        elif isinstance(effect, AppointmentChanged) and effect.kind == "booked":
            booked = AppointmentBook(tx, self.office_id).by_case_code(effect.case_code)
            if booked is not None:
                counts.count(tx, self.office_id, "booked", now)
                counts.count(tx, self.office_id, f"language:{booked.language}", now)
                if booked.interpreter_status != "none":
                    counts.count(
                        tx, self.office_id, f"interpreter:{booked.interpreter_status}", now
                    )
        elif isinstance(effect, NotifyStaff):
            self._to_staff(tx, effect.reply, now)
        elif isinstance(effect, TellClient):
            self._to_client(tx, effect.client, (effect.reply,), now)
        elif isinstance(effect, Audit):
            tx.execute(
                insert(audit_log).values(
                    at=now,
                    office_id=self.office_id,
                    staff_key=staff,
                    action=effect.action,
                    case_code=effect.case_code,
                )
            )

    def _to_staff(self, tx: Connection, reply: Reply, now: datetime) -> None:
        """A summary to every staff chat and, where mail is set up, to the office mailbox."""
        for chat_id in self.staff.chat_ids:
            put(
                tx,
                self.keyring,
                chat_id=str(chat_id),
                channel="telegram",
                locale=self.staff.locale,
                replies=(reply,),
                due=now,
            )
        if self.staff.mailbox:
            put(
                tx,
                self.keyring,
                chat_id=self.staff.mailbox,
                channel="email",
                locale=self.staff.locale,
                replies=(reply,),
                due=now,
            )

    def _to_client(
        self, tx: Connection, client: str, replies: tuple[Reply, ...], now: datetime
    ) -> None:
        """Replies for a client's own chat, in their language; nothing if they deleted their data."""
        row = tx.execute(
            select(conversations.c.chat_ref, conversations.c.locale, conversations.c.channel).where(
                conversations.c.client_key == client
            )
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
            )

    # --- messages nobody asked for: reminders, waiting-list news ------------------------------

    def enqueue_reminders(
        self, now: datetime, reminder: Callable[[AppointmentView, str], Reply]
    ) -> int:
        """Queue the due reminders, each exactly once (claimed and marked in one transaction)."""
        with self.db.transaction() as tx:
            book = AppointmentBook(tx, self.office_id)
            due = book.claim_due_reminders(_aware(now))
            for item in due:
                if item.appointment.client_key is not None:
                    message = reminder(view(item.appointment), item.kind)
                    self._to_client(tx, item.appointment.client_key, (message,), now)
                book.mark_reminder_sent(item.id, _aware(now))
            return len(due)

    def enqueue_waiting_news(self, now: datetime, news: Callable[[str], Reply]) -> int:
        """Tell waiting clients, first come first served, that a time in their language is free."""
        with self.db.transaction() as tx:
            claimed = AppointmentBook(tx, self.office_id).claim_waiting_list(_aware(now))
            for entry in claimed:
                self._to_client(tx, entry.client_key, (news(entry.language),), now)
            return len(claimed)

    def enqueue_agenda(
        self, now: datetime, day: date, agenda: Callable[[Desk], tuple[Reply, ...]]
    ) -> bool:
        """The day's agenda to the staff destinations, once a day however many instances run."""
        with self.db.transaction() as tx:
            dialect = postgresql if tx.dialect.name == "postgresql" else sqlite
            claimed = tx.execute(
                dialect.insert(daily_counts)
                .values(day=day, office_id=self.office_id, metric="agenda_sent", count=1)
                .on_conflict_do_nothing()
                .returning(daily_counts.c.day)
            ).first()
            if claimed is None:
                return False
            for reply in agenda(StoredDesk(tx, self.office_id, _aware(now))):
                self._to_staff(tx, reply, now)
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
            return len(silent)

    def purge_appointments(self, before: datetime, dry_run: bool = False) -> int:
        """Delete appointments that took place or were cancelled before `before` (only the
        anonymous counts outlive them)."""
        with self.db.transaction() as tx:
            ended = and_(
                appointments.c.office_id == self.office_id,
                appointments.c.status != "booked",
                func.coalesce(appointments.c.cancelled_at, appointments.c.ends_at) < before,
            ) | and_(
                appointments.c.office_id == self.office_id,
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

    def figures(self) -> Figures:
        """The anonymous counts of every day so far."""
        with self.db.transaction() as tx:
            return counts.figures(tx, self.office_id, date.min, date.max)


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
        row["state"], row["locale"], dict(row["answers"]), dict(row["data"]), row["version"]
    )
