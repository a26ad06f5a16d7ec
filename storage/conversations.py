"""One conversation step in one transaction: dedupe the update, lock and load, save, queue replies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from flows.model import (
    Conversation,
    ConversationStarted,
    DeleteClientData,
    Effect,
    IntakeCompleted,
    Outcome,
    Reply,
)
from flows.ports import AppointmentView, Bookings
from storage.appointments import AppointmentBook
from storage.booking_port import ClientBookings, view
from storage.codec import decode_reply, encode_reply
from storage.crypto import Keyring
from storage.db import Database
from storage.tables import conversations, daily_counts, outbox, processed_updates

RETRY_BACKOFF = (5, 30, 120, 600, 1800)  # seconds before the next attempt to send
# The instance that committed a step sends its replies at once; only if it has not confirmed them
# within the lease (it crashed, or the network failed) may any instance's outbox flush take over.
LEASE = timedelta(seconds=15)


@dataclass(frozen=True)
class Delivery:
    """Replies waiting in the outbox for one chat."""

    outbox_id: int
    chat_id: str
    locale: str | None
    replies: tuple[Reply, ...]
    pressed_message_id: int | None = None


@dataclass(frozen=True)
class Incoming:
    """Who wrote (pseudonymised before anything is stored) and which update it was."""

    channel: str
    user_id: str
    chat_id: str
    update_id: int | None = None
    pressed_message_id: int | None = None


Stepper = Callable[[Conversation | None, Bookings], Outcome]


class ConversationStore:
    def __init__(self, db: Database, keyring: Keyring, office_id: str = "muenchen") -> None:
        self.db = db
        self.keyring = keyring
        self.office_id = office_id

    def handle(self, incoming: Incoming, stepper: Stepper, now: datetime) -> Delivery | None:
        """Run one step; None when this update was processed before. Commits before returning."""
        with self.db.transaction() as tx:
            if incoming.update_id is not None and not self._claim(tx, incoming.update_id, now):
                return None
            key = self.keyring.client_key(incoming.channel, incoming.user_id)
            lock_client(tx, key)
            row = tx.execute(
                select(conversations).where(conversations.c.client_key == key).with_for_update()
            ).first()
            before = _to_conversation(row._mapping) if row else None
            book = AppointmentBook(tx, self.office_id)
            outcome = stepper(before, ClientBookings(book, key, _aware(now)))
            self._save(tx, key, before, outcome, incoming.chat_id, now)
            for effect in outcome.effects:
                self._apply(tx, key, effect, now)
            if not outcome.replies:
                return None
            payload = {
                "replies": [encode_reply(reply) for reply in outcome.replies],
                "pressed": incoming.pressed_message_id,
            }
            outbox_id = tx.execute(
                insert(outbox)
                .values(
                    chat_ref=self.keyring.seal(incoming.chat_id),
                    locale=outcome.locale,
                    payload=payload,
                    attempts=0,
                    next_attempt_at=now + LEASE,
                )
                .returning(outbox.c.id)
            ).scalar_one()
        return Delivery(
            outbox_id,
            incoming.chat_id,
            outcome.locale,
            outcome.replies,
            incoming.pressed_message_id,
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
        chat_id: str,
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
                    chat_ref=self.keyring.seal(chat_id),
                    **values,
                )
            )
        else:
            tx.execute(
                update(conversations)
                .where(conversations.c.client_key == key)
                .values(version=conversations.c.version + 1, **values)
            )

    def _apply(self, tx: Connection, key: str, effect: Effect, now: datetime) -> None:
        if isinstance(effect, DeleteClientData):
            AppointmentBook(tx, self.office_id).delete_for_client(key, now)
            tx.execute(delete(conversations).where(conversations.c.client_key == key))
        elif isinstance(effect, ConversationStarted):
            self._count(tx, "conversations_started", now)
        elif isinstance(effect, IntakeCompleted):
            self._count(tx, "intakes_completed", now)

    def _count(self, tx: Connection, metric: str, now: datetime) -> None:
        """Anonymous daily counts: no key, no time of day, so they outlive every deletion."""
        day = now.date()
        dialect = postgresql if tx.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(daily_counts).values(
            day=day, office_id=self.office_id, metric=metric, count=1
        )
        tx.execute(
            statement.on_conflict_do_update(
                index_elements=["day", "office_id", "metric"],
                set_={"count": daily_counts.c.count + 1},
            )
        )

    # --- the outbox --------------------------------------------------------------------------

    def due(self, now: datetime, limit: int = 100) -> Sequence[Delivery]:
        """Claim the unconfirmed replies whose next attempt is due, oldest first, for one lease."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                select(outbox)
                .where(outbox.c.next_attempt_at <= now)
                .order_by(outbox.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if rows:
                tx.execute(
                    update(outbox)
                    .where(outbox.c.id.in_([row.id for row in rows]))
                    .values(next_attempt_at=now + LEASE)
                )
        return [
            Delivery(
                row.id,
                self.keyring.open(row.chat_ref),
                row.locale,
                tuple(decode_reply(raw) for raw in row.payload["replies"]),
                row.payload.get("pressed"),
            )
            for row in rows
        ]

    def sent(self, outbox_id: int) -> None:
        """The replies reached the chat: nothing of them is kept."""
        with self.db.transaction() as tx:
            tx.execute(delete(outbox).where(outbox.c.id == outbox_id))

    def failed(self, outbox_id: int, now: datetime) -> None:
        """Sending failed: try again later, waiting longer each time."""
        with self.db.transaction() as tx:
            attempts = tx.execute(
                select(outbox.c.attempts).where(outbox.c.id == outbox_id)
            ).scalar_one_or_none()
            if attempts is None:
                return
            wait = RETRY_BACKOFF[min(attempts, len(RETRY_BACKOFF) - 1)]
            tx.execute(
                update(outbox)
                .where(outbox.c.id == outbox_id)
                .values(attempts=attempts + 1, next_attempt_at=now + timedelta(seconds=wait))
            )

    def backlog(self) -> int:
        with self.db.transaction() as tx:
            return int(tx.execute(select(func.count()).select_from(outbox)).scalar_one())

    def prune_processed(self, before: datetime) -> int:
        """Forget update ids older than Telegram would ever send again (it keeps updates 24 hours)."""
        with self.db.transaction() as tx:
            result = tx.execute(
                delete(processed_updates).where(processed_updates.c.processed_at < before)
            )
            return int(result.rowcount)

    # --- messages nobody asked for: reminders, waiting-list news ------------------------------

    def enqueue_reminders(
        self, now: datetime, reminder: Callable[[AppointmentView, str], Reply]
    ) -> int:
        """Queue the due reminders in the outbox, each exactly once (claimed and marked together)."""
        with self.db.transaction() as tx:
            book = AppointmentBook(tx, self.office_id)
            due = book.claim_due_reminders(_aware(now))
            for item in due:
                client_key = item.appointment.client_key
                if client_key is not None:
                    self._enqueue(
                        tx, client_key, (reminder(view(item.appointment), item.kind),), now
                    )
                book.mark_reminder_sent(item.id, _aware(now))
            return len(due)

    def enqueue_waiting_news(self, now: datetime, news: Callable[[str], Reply]) -> int:
        """Tell waiting clients, first come first served, that a time in their language is free."""
        with self.db.transaction() as tx:
            claimed = AppointmentBook(tx, self.office_id).claim_waiting_list(_aware(now))
            for entry in claimed:
                self._enqueue(tx, entry.client_key, (news(entry.language),), now)
            return len(claimed)

    def _enqueue(
        self, tx: Connection, client_key: str, replies: tuple[Reply, ...], now: datetime
    ) -> None:
        """An outbox row for a client's chat, in the client's language; nothing if they are gone."""
        row = tx.execute(
            select(conversations.c.chat_ref, conversations.c.locale).where(
                conversations.c.client_key == client_key
            )
        ).first()
        if row is None:
            return
        tx.execute(
            insert(outbox).values(
                chat_ref=row.chat_ref,
                locale=row.locale,
                attempts=0,
                next_attempt_at=now,
                payload={"replies": [encode_reply(reply) for reply in replies], "pressed": None},
            )
        )

    def purge_silent(self, before: datetime) -> int:
        """Delete conversations whose client has written nothing since `before` (retention)."""
        with self.db.transaction() as tx:
            result = tx.execute(delete(conversations).where(conversations.c.updated_at < before))
            return int(result.rowcount)

    def counts(self) -> dict[str, int]:
        with self.db.transaction() as tx:
            rows = tx.execute(
                select(daily_counts.c.metric, func.sum(daily_counts.c.count)).group_by(
                    daily_counts.c.metric
                )
            ).all()
        return {metric: int(total) for metric, total in rows}


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
