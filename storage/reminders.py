"""Reminders of booked appointments: written with the booking, claimed once by the reminder job
(a claim not marked sent is retried after a while: the sender crashed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, or_, select, update

from storage.records import Appointment, appointment_by_id, here
from storage.tables import appointments, reminders
from storage.times import aware, naive

REMINDERS = (("24h", timedelta(hours=24)), ("2h", timedelta(hours=2)))
RECLAIM_AFTER = timedelta(minutes=15)  # a claimed reminder not marked sent by then is retried


@dataclass(frozen=True)
class DueReminder:
    """A reminder claimed for sending: send it, then `mark_reminder_sent(id, now)`."""

    id: int
    kind: str
    due_at: datetime
    appointment: Appointment


def add_reminders(tx: Connection, appointment_id: int, start: datetime, now: datetime) -> None:
    """Reminders whose time is still ahead (a booking for tomorrow morning gets only the 2h)."""
    rows = [
        {"appointment_id": appointment_id, "kind": kind, "due_at": naive(start - before)}
        for kind, before in REMINDERS
        if start - before > now
    ]
    if rows:
        tx.execute(insert(reminders), rows)


class Reminders:
    """The reminders of one office, on the caller's open transaction."""

    def __init__(self, tx: Connection, office_id: str) -> None:
        self.tx = tx
        self.office_id = office_id

    def claim_due_reminders(
        self, now: datetime, limit: int = 50, reclaim_after: timedelta = RECLAIM_AFTER
    ) -> list[DueReminder]:
        """Claim reminders that are due, of booked appointments still ahead, oldest first.

        A claimed reminder is not returned again (to this or any other job) unless it is still
        not marked sent after `reclaim_after`: the sender crashed. Other jobs skip the rows this
        one holds (`FOR UPDATE SKIP LOCKED`; SQLite admits one writer at a time anyway).
        """
        naive_now = naive(aware(now))
        due = self.tx.execute(
            select(reminders.c.id)
            .join(appointments)
            .where(
                here(appointments, self.office_id),
                appointments.c.status == "booked",
                appointments.c.starts_at > naive_now,
                reminders.c.sent_at.is_(None),
                reminders.c.due_at <= naive_now,
                or_(
                    reminders.c.claimed_at.is_(None),
                    reminders.c.claimed_at <= naive_now - reclaim_after,
                ),
            )
            .order_by(reminders.c.due_at, reminders.c.id)
            .limit(limit)
            .with_for_update(of=reminders, skip_locked=True)
        ).scalars()
        ids = list(due)
        if not ids:
            return []
        self.tx.execute(
            update(reminders).where(reminders.c.id.in_(ids)).values(claimed_at=naive_now)
        )
        rows = self.tx.execute(
            select(reminders)
            .where(reminders.c.id.in_(ids))
            .order_by(reminders.c.due_at, reminders.c.id)
        ).all()
        return [
            DueReminder(
                row.id,
                row.kind,
                aware(row.due_at),
                appointment_by_id(self.tx, self.office_id, row.appointment_id),
            )
            for row in rows
        ]

    def mark_reminder_sent(self, reminder_id: int, now: datetime) -> None:
        """The reminder reached the client: it is never claimed again."""
        self.tx.execute(
            update(reminders).where(reminders.c.id == reminder_id).values(sent_at=naive(aware(now)))
        )
