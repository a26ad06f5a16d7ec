"""The retention repository: what the retention job (bot/service/retention.py) and `comehome purge`
delete once its period is over. Only the anonymous daily counts outlive it. After a deletion
SQLite is made to forget the old copies too (`Database.forget_old_pages`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select

from storage import return_codes
from storage.booking import AppointmentBook
from storage.db import Database
from storage.outbox import DELETABLE, forget_queued
from storage.tables import (
    appointments,
    audit_log,
    conversations,
    processed_updates,
    reminders,
    sent_messages,
)


class Retention:
    """The deletions of the retention schedule, each in a transaction of its own."""

    def __init__(self, db: Database, office_id: str) -> None:
        self.db = db
        self.office_id = office_id  # the default office; a silent client is forgotten everywhere

    def purge_silent(self, before: datetime, dry_run: bool = False) -> int:
        """Delete the conversations (intake answers included) of clients silent since `before`,
        unless an appointment of theirs is still ahead or ended after `before`; then make SQLite
        forget the old copies."""
        purged = self._purge_silent(before, dry_run)
        if purged and not dry_run:
            self.db.forget_old_pages()
        return purged

    def _purge_silent(self, before: datetime, dry_run: bool) -> int:
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
                forget_queued(tx, key)
            tx.execute(delete(conversations).where(conversations.c.client_key.in_(silent)))
            return_codes.forget(tx, list(silent))
            return len(silent)

    def purge_appointments(self, before: datetime, dry_run: bool = False) -> int:
        """Delete appointments, of every office, that took place or were cancelled before `before`
        (only the anonymous counts outlive them); then make SQLite forget the old copies."""
        purged = self._purge_appointments(before, dry_run)
        if purged and not dry_run:
            self.db.forget_old_pages()
        return purged

    def _purge_appointments(self, before: datetime, dry_run: bool) -> int:
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

    def prune_sent(self, now: datetime) -> int:
        """Forget message ids Telegram would no longer let the bot delete (48 hours)."""
        with self.db.transaction() as tx:
            old = sent_messages.c.sent_at <= now - DELETABLE
            return int(tx.execute(delete(sent_messages).where(old)).rowcount)
