"""Test helper: the appointment operations, each call in a transaction of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from storage.booking import AppointmentBook
from storage.db import Database
from storage.reminders import Reminders
from storage.roster_view import Roster, read_roster
from storage.waiting_list import WaitingList


class OwnTransactions:
    """Booking, reminders and the waiting list of one office, as the bot's steps and jobs use them,
    but each call committed on its own (tests check one operation at a time)."""

    def __init__(self, db: Database, office_id: str = "muenchen") -> None:
        self.db = db
        self.office_id = office_id

    def within(self, tx: Connection) -> AppointmentBook:
        return AppointmentBook(tx, self.office_id)

    def roster(self) -> Roster:
        with self.db.transaction() as tx:
            return read_roster(tx, self.office_id)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        kind = next(
            (k for k in (AppointmentBook, Reminders, WaitingList) if hasattr(k, name)), None
        )
        if kind is None or name.startswith("_"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with self.db.transaction() as tx:
                return getattr(kind(tx, self.office_id), name)(*args, **kwargs)

        return call
