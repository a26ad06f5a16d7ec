"""Booking: an appointment booked, moved, cancelled or closed without ever double-booking; found
by case code, client or day; detached when the client leaves. Slots offered: storage/offers.py;
reminders: storage/reminders.py; waiting list: storage/waiting_list.py; what the office set:
storage/roster_view.py (read) and storage/roster.py (change).

Times: arguments may be aware datetimes or naive UTC (like the rest of storage); every datetime
this module returns is aware UTC, so that `.astimezone(BERLIN)` cannot go wrong. Slot keys and the
office's times of day are Europe/Berlin wall-clock times (see flows.schedule).

Who guards what against double booking:
- SQLite: `BEGIN IMMEDIATE` (storage/db.py) admits one writer at a time, so the check before the
  insert sees every committed booking.
- PostgreSQL: the counsellor row and the rows of the interpreters for the language are locked
  (`SELECT … FOR UPDATE`, always counsellor first, interpreters by id) before the check.
- Both: partial unique indexes refuse a second booked appointment of a counsellor, an interpreter
  or a client at the same start; an insert they refuse becomes `SlotTaken`, never a retry.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from flows.clock import BERLIN
from flows.schedule import generate_slots
from storage.offers import OfferedSlot, booked_slots, offers
from storage.records import (
    BOOKED_BY_CLIENT,
    Appointment,
    appointment_by_id,
    here,
    normalise_case_code,
    of_office,
    to_appointment,
    valid_id,
)
from storage.reminders import add_reminders
from storage.roster_view import read_roster
from storage.tables import (
    appointments,
    counsellors,
    interpreter_languages,
    interpreters,
    reminders,
    waiting_list,
)
from storage.times import aware, naive

CASE_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud safely
CASE_CODE_LENGTH = 8


# --- what callers get back ---------------------------------------------------------------------


class BookingError(Exception):
    """Something about an appointment cannot be done; subclasses say what."""


class SlotTaken(BookingError):
    """The slot cannot be booked (any more): ask again for free slots and offer the next ones.

    `reason`: "taken" (someone booked it), "no_interpreter" (no interpreter left for the language
    at that time) or "not_offered" (past, outside the rules, blocked, or a malformed key).
    """

    def __init__(self, slot_key: str, reason: str) -> None:
        super().__init__(f"slot {slot_key} cannot be booked: {reason}")
        self.slot_key = slot_key
        self.reason = reason


class AlreadyBooked(BookingError):
    """The client holds a booked appointment already: reschedule or cancel that one."""

    def __init__(self, appointment: Appointment) -> None:
        super().__init__(f"client already holds appointment {appointment.case_code}")
        self.appointment = appointment


class AppointmentNotFound(BookingError):
    """No appointment with that case code or id (for this client)."""


class AppointmentClosed(BookingError):
    """The appointment was held, missed or ended otherwise: it can no longer be changed."""

    def __init__(self, appointment: Appointment) -> None:
        super().__init__(f"appointment {appointment.case_code} is {appointment.status}")
        self.appointment = appointment


@dataclass(frozen=True)
class Cancellation:
    """The appointment after `cancel`; `changed` is True only for the call that cancelled it."""

    appointment: Appointment
    changed: bool


# --- the operations, inside one transaction ------------------------------------------------------


class AppointmentBook:
    """The appointment operations on a caller's open transaction (e.g. a conversation step's).

    Writes that may be refused run in a savepoint, so a refused booking leaves the caller's
    transaction usable (and nothing of the booking in it).
    """

    def __init__(self, tx: Connection, office_id: str) -> None:
        self.tx = tx
        self.office_id = office_id

    # offering -------------------------------------------------------------------------------

    def free_slots(
        self,
        now: datetime,
        language: str,
        needs_interpreter: bool | None = None,
        limit: int = 6,
        offset: int = 0,
    ) -> list[OfferedSlot]:
        """Return free slots for a client counselled in `language`, earliest first.

        `needs_interpreter` None decides by the language (those the office counsels in without
        an interpreter need none). Only slots with an interpreter free for the whole slot are
        offered, except for languages the office marked "on request". Ask for one more than you
        show to know if there are later ones.
        """
        now = aware(now)
        roster = read_roster(self.tx, self.office_id)
        booked = booked_slots(self.tx, self.office_id, now)
        return offers(roster, booked, now, language, needs_interpreter)[offset : offset + limit]

    # booking --------------------------------------------------------------------------------

    def book(
        self,
        client_key: str,
        slot_key: str,
        language: str,
        now: datetime,
        needs_interpreter: bool | None = None,
    ) -> Appointment:
        """Book a slot with its interpreter, and its reminders, or raise `SlotTaken`.

        A second call for the client's booked slot (a double tap on "confirm") returns the same
        appointment; for another slot it raises `AlreadyBooked`. Booking takes the client off the
        waiting list.
        """
        now = aware(now)
        existing = self._check_held(client_key, slot_key, language)
        if existing is not None:
            return existing
        try:
            offer = self._take(slot_key, language, now, needs_interpreter)
            with self._refused_as_taken(slot_key):
                appointment_id = self._insert(client_key, offer, language, now)
        except SlotTaken:
            # A double tap handled in parallel (another instance) loses the slot to itself.
            existing = self._check_held(client_key, slot_key, language)
            if existing is None:
                raise
            return existing
        return self._get(appointment_id)

    def _check_held(self, client_key: str, slot_key: str, language: str) -> Appointment | None:
        """The client's booked appointment if it is this slot; AlreadyBooked for another one."""
        held = self.tx.execute(
            select(appointments.c.id)
            .where(appointments.c.client_key == client_key, appointments.c.status == "booked")
            .with_for_update()
        ).scalar_one_or_none()
        if held is None:
            return None
        existing = self._get(held)
        if existing.slot_key == slot_key and existing.language == language:
            return existing
        raise AlreadyBooked(existing)

    def _insert(self, client_key: str, offer: OfferedSlot, language: str, now: datetime) -> int:
        appointment_id: int = self.tx.execute(
            insert(appointments)
            .values(
                office_id=self.office_id,
                case_code=self._new_case_code(),
                client_key=client_key,
                counsellor_id=offer.slot.counsellor_id,
                starts_at=naive(offer.start),
                ends_at=naive(offer.end),
                language=language,
                interpreter_id=offer.interpreter_id,
                interpreter_status=offer.interpreter_status,
                status="booked",
                sequence=0,
                created_at=naive(now),
            )
            .returning(appointments.c.id)
        ).scalar_one()
        add_reminders(self.tx, appointment_id, offer.start, now)
        self.tx.execute(delete(waiting_list).where(waiting_list.c.client_key == client_key))
        return appointment_id

    def reschedule(
        self,
        reference: str | int | None,
        client_key: str | None,
        new_slot_key: str,
        now: datetime,
        needs_interpreter: bool | None = None,
    ) -> Appointment:
        """Move an appointment to another slot (SEQUENCE + 1, reminders replaced), or raise.

        One UPDATE takes the new slot and releases the old one together: if the new slot or its
        interpreter is gone, `SlotTaken` is raised and the old appointment stays as it was.
        `reference`/`client_key` as for `cancel`.
        """
        now = aware(now)
        current = self._find(reference, client_key, lock=True)
        if current.status != "booked":
            raise AppointmentClosed(current)
        if current.slot_key == new_slot_key:
            return current
        offer = self._take(new_slot_key, current.language, now, needs_interpreter, current.id)
        with self._refused_as_taken(new_slot_key):
            self.tx.execute(
                update(appointments)
                .where(appointments.c.id == current.id)
                .values(
                    counsellor_id=offer.slot.counsellor_id,
                    starts_at=naive(offer.start),
                    ends_at=naive(offer.end),
                    interpreter_id=offer.interpreter_id,
                    interpreter_status=offer.interpreter_status,
                    sequence=appointments.c.sequence + 1,
                )
            )
            self.tx.execute(delete(reminders).where(reminders.c.appointment_id == current.id))
            add_reminders(self.tx, current.id, offer.start, now)
        return self._get(current.id)

    def cancel(
        self, reference: str | int | None, client_key: str | None, now: datetime
    ) -> Cancellation:
        """Cancel an appointment; cancelling it again changes nothing (`changed` is False).

        `reference` is a case code, an appointment id, or None for the client's booked
        appointment. With a `client_key` only that client's appointment is found; None is the
        office acting.
        """
        current = self._find(reference, client_key, lock=True)
        if current.status == "cancelled":
            return Cancellation(current, changed=False)
        if current.status != "booked":
            raise AppointmentClosed(current)
        # Reminders first: a reminder job holding them makes this wait, one not yet holding them
        # finds them gone (see claim_due_reminders).
        self.tx.execute(delete(reminders).where(reminders.c.appointment_id == current.id))
        self.tx.execute(
            update(appointments)
            .where(appointments.c.id == current.id)
            .values(
                status="cancelled",
                cancelled_at=naive(aware(now)),
                sequence=appointments.c.sequence + 1,
            )
        )
        return Cancellation(self._get(current.id), changed=True)

    def set_status(self, reference: str | int, status: str) -> Appointment:
        """Record how a booked appointment ended: "held", "no_show" or "departed" (staff)."""
        if status not in ("held", "no_show", "departed"):
            raise ValueError(f"status must be held, no_show or departed: {status!r}")
        current = self._find(reference, None, lock=True)
        if current.status == "cancelled":
            raise AppointmentClosed(current)
        self.tx.execute(delete(reminders).where(reminders.c.appointment_id == current.id))
        self.tx.execute(
            update(appointments).where(appointments.c.id == current.id).values(status=status)
        )
        return self._get(current.id)

    def _take(
        self,
        slot_key: str,
        language: str,
        now: datetime,
        needs_interpreter: bool | None,
        ignore: int | None = None,
    ) -> OfferedSlot:
        """Lock what the slot needs and return it as offered now, or raise `SlotTaken`."""
        counsellor_id, _ = parse_slot_key(slot_key)
        self.tx.execute(
            select(counsellors.c.id).where(counsellors.c.id == counsellor_id).with_for_update()
        ).all()
        roster = read_roster(self.tx, self.office_id)
        need = (
            roster.needs_interpreter(language) if needs_interpreter is None else needs_interpreter
        )
        if need and language not in roster.on_request:
            self.tx.execute(
                select(interpreters.c.id)
                .join(interpreter_languages)
                .where(
                    interpreter_languages.c.language == language,
                    here(interpreters, self.office_id),
                )
                .order_by(interpreters.c.id)
                .with_for_update(of=interpreters)
            ).all()
        # Only this counsellor's slots matter: generating them for everyone would only be slower.
        roster = replace(
            roster,
            rules=replace(
                roster.rules, hours={counsellor_id: roster.rules.hours.get(counsellor_id, ())}
            ),
            extra=tuple(slot for slot in roster.extra if slot.counsellor_id == counsellor_id),
        )
        booked = booked_slots(self.tx, self.office_id, now, ignore)
        for offer in offers(roster, booked, now, language, needs_interpreter):
            if offer.key == slot_key:
                return offer
        blocked = [*roster.blocked, *(b.slot for b in booked)]
        if any(
            s.key == slot_key
            for s in generate_slots(roster.rules, now, need, roster.extra, blocked)
        ):
            raise SlotTaken(slot_key, "no_interpreter")
        if any(
            s.key == slot_key
            for s in generate_slots(roster.rules, now, need, roster.extra, roster.blocked)
        ):
            raise SlotTaken(slot_key, "taken")
        raise SlotTaken(slot_key, "not_offered")

    @contextmanager
    def _refused_as_taken(self, slot_key: str) -> Iterator[None]:
        """Run writes in a savepoint; a unique index refusing them means the slot was taken."""
        try:
            with self.tx.begin_nested():
                yield
        except IntegrityError as error:
            raise SlotTaken(slot_key, "taken") from error

    def _new_case_code(self) -> str:
        while True:  # 31^8 codes: a clash is rare, and the unique constraint would catch it
            code = "".join(secrets.choice(CASE_CODE_ALPHABET) for _ in range(CASE_CODE_LENGTH))
            clash = self.tx.execute(
                select(appointments.c.id).where(appointments.c.case_code == code)
            ).first()
            if clash is None:
                return code

    # finding --------------------------------------------------------------------------------

    def _get(self, appointment_id: int) -> Appointment:
        return appointment_by_id(self.tx, self.office_id, appointment_id)

    def _find(self, reference: str | int | None, client_key: str | None, lock: bool) -> Appointment:
        query = select(appointments.c.id).where(here(appointments, self.office_id))
        if isinstance(reference, int):
            query = query.where(appointments.c.id == reference)
        elif reference is not None:
            query = query.where(appointments.c.case_code == normalise_case_code(reference))
        elif client_key is not None:
            query = query.where(appointments.c.status == "booked")
        else:
            raise AppointmentNotFound("a case code, an id or a client is needed")
        if client_key is not None:
            query = query.where(appointments.c.client_key == client_key)
        found = self.tx.execute(query.with_for_update() if lock else query).scalar_one_or_none()
        if found is None:
            raise AppointmentNotFound(f"no appointment {reference!r} for this client")
        return self._get(found)

    def appointment_for(self, client_key: str) -> Appointment | None:
        """Return the client's booked appointment, if any."""
        rows = BOOKED_BY_CLIENT.rows(self.tx, {"b_office": self.office_id, "b_client": client_key})
        return to_appointment(rows[0]) if rows else None

    def by_case_code(self, code: str) -> Appointment | None:
        """Return the appointment with this case code (any status; dashes and case ignored)."""
        row = self.tx.execute(
            of_office(self.office_id).where(appointments.c.case_code == normalise_case_code(code))
        ).first()
        return None if row is None else to_appointment(row._mapping)

    def agenda(self, day: date) -> list[Appointment]:
        """Return every appointment starting on this Berlin day, by time, any status."""
        start = datetime.combine(day, time(), BERLIN)
        end = datetime.combine(day + timedelta(days=1), time(), BERLIN)
        rows = self.tx.execute(
            of_office(self.office_id)
            .where(appointments.c.starts_at >= naive(start), appointments.c.starts_at < naive(end))
            .order_by(appointments.c.starts_at, appointments.c.counsellor_id, appointments.c.id)
        )
        return [to_appointment(row._mapping) for row in rows]

    # the client leaves ------------------------------------------------------------------------

    def delete_for_client(self, client_key: str, now: datetime) -> list[Appointment]:
        """Detach the client from every appointment; cancel the booked ones still ahead.

        A future booked appointment is cancelled (SEQUENCE + 1), not kept anonymously: nobody
        could be reminded of it or change it any more, and the slot and interpreter go back to
        others. The cancelled ones are returned (already without client) so that staff can be
        told their case codes. Past appointments stay, detached, until retention removes them.
        Reminders and waiting-list entries of the client are deleted.
        """
        naive_now = naive(aware(now))
        mine = appointments.c.client_key == client_key
        ids = list(
            self.tx.execute(select(appointments.c.id).where(mine).with_for_update()).scalars()
        )
        ahead = list(
            self.tx.execute(
                select(appointments.c.id).where(
                    mine, appointments.c.status == "booked", appointments.c.starts_at > naive_now
                )
            ).scalars()
        )
        if ids:
            self.tx.execute(delete(reminders).where(reminders.c.appointment_id.in_(ids)))
        if ahead:
            self.tx.execute(
                update(appointments)
                .where(appointments.c.id.in_(ahead))
                .values(
                    status="cancelled",
                    cancelled_at=naive_now,
                    sequence=appointments.c.sequence + 1,
                )
            )
        self.tx.execute(update(appointments).where(mine).values(client_key=None))
        self.tx.execute(delete(waiting_list).where(waiting_list.c.client_key == client_key))
        return [self._get(appointment_id) for appointment_id in ahead]


def parse_slot_key(slot_key: str) -> tuple[str, datetime]:
    """The counsellor id and UTC start of a key like "c1-202612021000" (Berlin wall time)."""
    counsellor_id, _, stamp = slot_key.rpartition("-")
    try:
        if not (valid_id(counsellor_id) and len(stamp) == 12 and stamp.isascii()):
            raise ValueError(slot_key)
        wall = datetime.strptime(stamp, "%Y%m%d%H%M")
    except ValueError:
        raise SlotTaken(slot_key, "not_offered") from None
    return counsellor_id, wall.replace(tzinfo=BERLIN).astimezone(UTC)
