"""Which slots are free for a client's language, with which interpreter: the offer the booking
checks again under lock, and the waiting list counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from flows.schedule import Slot, generate_slots
from storage.records import here
from storage.roster_view import Roster
from storage.tables import appointments
from storage.times import aware, naive


@dataclass(frozen=True)
class OfferedSlot:
    """A free slot and the interpreter it would come with.

    `interpreter_status` is "none" (no interpreter needed), "confirmed" (`interpreter_id` is free
    then) or "requested" (the language is served on request by an outside service).
    """

    slot: Slot
    interpreter_id: str | None
    interpreter_status: str

    @property
    def key(self) -> str:
        return self.slot.key

    @property
    def start(self) -> datetime:
        return self.slot.start

    @property
    def end(self) -> datetime:
        return self.slot.end


@dataclass(frozen=True)
class Booked:
    """A booked appointment that has not ended, as far as offering slots cares."""

    id: int
    interpreter_id: str | None
    slot: Slot


def booked_slots(
    tx: Connection, office_id: str, now: datetime, ignore: int | None = None
) -> list[Booked]:
    """Booked appointments that have not ended; `ignore` leaves one out (a reschedule's own)."""
    query = select(appointments).where(
        here(appointments, office_id),
        appointments.c.status == "booked",
        appointments.c.ends_at > naive(now),
    )
    return [
        Booked(
            row.id,
            row.interpreter_id,
            Slot(row.counsellor_id, aware(row.starts_at), aware(row.ends_at)),
        )
        for row in tx.execute(query)
        if row.id != ignore
    ]


def offers(
    roster: Roster,
    booked: Sequence[Booked],
    now: datetime,
    language: str,
    needs_interpreter: bool | None,
) -> list[OfferedSlot]:
    need = roster.needs_interpreter(language) if needs_interpreter is None else needs_interpreter
    blocked = [*roster.blocked, *(b.slot for b in booked)]
    slots = generate_slots(roster.rules, now, need, roster.extra, blocked)
    if not need:
        return [OfferedSlot(slot, None, "none") for slot in slots]
    if language in roster.on_request:
        return [OfferedSlot(slot, None, "requested") for slot in slots]
    speakers = [i for i in roster.interpreters if language in i.languages]
    offers = []
    for slot in slots:
        for interpreter in speakers:
            if interpreter.covers(slot) and not any(
                b.interpreter_id == interpreter.id and overlap(b.slot, slot) for b in booked
            ):
                offers.append(OfferedSlot(slot, interpreter.id, "confirmed"))
                break
    return offers


def overlap(one: Slot, other: Slot) -> bool:
    return one.start < other.end and other.start < one.end
