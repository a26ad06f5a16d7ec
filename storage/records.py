"""What an appointment row is to the rest of storage: the `Appointment` type, the query that
reads it with its counsellor's and interpreter's names, the office condition, and valid ids."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, bindparam, select

from flows.schedule import Slot
from storage.prepared import Prepared
from storage.tables import appointments, counsellors, interpreters
from storage.times import aware

STATUSES = ("booked", "cancelled", "held", "no_show", "departed")
_ID = re.compile(r"[A-Za-z0-9_]{1,24}")


@dataclass(frozen=True)
class Appointment:
    """One booked (or formerly booked) counselling appointment. Times are aware UTC."""

    id: int
    office_id: str
    case_code: str
    client_key: str | None
    counsellor_id: str
    start: datetime
    end: datetime
    language: str
    interpreter_id: str | None
    interpreter_status: str
    status: str
    sequence: int
    created_at: datetime
    cancelled_at: datetime | None
    counsellor_name: str = ""
    interpreter_name: str | None = None

    @property
    def slot_key(self) -> str:
        return Slot(self.counsellor_id, self.start, self.end).key


def normalise_case_code(text: str) -> str:
    """A case code as typed ("abcd-2345", " ABCD 2345 ") in its stored form."""
    return re.sub(r"[\s\-_.]", "", text).upper()


# Columns of a `WITH_NAMES` row that are an `Appointment`'s fields as they are.
_AS_STORED = (
    "id",
    "office_id",
    "case_code",
    "client_key",
    "counsellor_id",
    "language",
    "interpreter_id",
    "interpreter_status",
    "status",
    "sequence",
    "counsellor_name",
    "interpreter_name",
)


def to_appointment(row: Mapping[Any, Any]) -> Appointment:
    """An appointment from its row read with `WITH_NAMES` (a row's `_mapping`, or a dict)."""
    cancelled = row["cancelled_at"]
    return Appointment(
        **{name: row[name] for name in _AS_STORED},
        start=aware(row["starts_at"]),
        end=aware(row["ends_at"]),
        created_at=aware(row["created_at"]),
        cancelled_at=None if cancelled is None else aware(cancelled),
    )


# An appointment with its counsellor's and interpreter's names.
WITH_NAMES = select(
    appointments,
    counsellors.c.name.label("counsellor_name"),
    interpreters.c.name.label("interpreter_name"),
).select_from(
    appointments.join(counsellors).outerjoin(
        interpreters, appointments.c.interpreter_id == interpreters.c.id
    )
)
# Asked at most steps (the menu shows "my appointment" or "book"): on the driver.
BOOKED_BY_CLIENT = Prepared(
    WITH_NAMES.where(
        appointments.c.office_id == bindparam("b_office"),
        appointments.c.client_key == bindparam("b_client"),
        appointments.c.status == "booked",
    )
)


def here(table: Any, office_id: str) -> ColumnElement[bool]:
    """The rows of one office (the data model carries an office from the start)."""
    condition: ColumnElement[bool] = table.c.office_id == office_id
    return condition


def of_office(office_id: str) -> Select[Any]:
    """Appointments of one office, with names."""
    return WITH_NAMES.where(here(appointments, office_id))


def appointment_by_id(tx: Connection, office_id: str, appointment_id: int) -> Appointment:
    row = tx.execute(of_office(office_id).where(appointments.c.id == appointment_id)).one()
    return to_appointment(row._mapping)


def check_id(value: str, what: str) -> None:
    if not _ID.fullmatch(value):
        raise ValueError(f"{what} id must be 1-24 of A-Z a-z 0-9 _: {value!r}")


def valid_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None
