"""Appointments: slots from the office's rules, booking that never double-books, reminders claimed
once, the waiting list, and the roster the office keeps (hours, closures, interpreters).

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

import re
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from flows.clock import BERLIN
from flows.schedule import OpeningRules, Slot, WeeklyHours, generate_slots
from storage.db import Database
from storage.tables import (
    appointments,
    blocked_slots,
    closure_days,
    counsellor_hours,
    counsellors,
    extra_slots,
    interpreter_hours,
    interpreter_languages,
    interpreters,
    office_settings,
    on_request_languages,
    reminders,
    waiting_list,
)

CASE_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud safely
CASE_CODE_LENGTH = 8
REMINDERS = (("24h", timedelta(hours=24)), ("2h", timedelta(hours=2)))
RECLAIM_AFTER = timedelta(minutes=15)  # a claimed reminder not marked sent by then is retried
WAITING_HOLD = timedelta(hours=24)  # how long a client told of a free slot has it to themselves
LANGUAGES_WITHOUT_INTERPRETER = frozenset({"de", "en"})
STATUSES = ("booked", "cancelled", "held", "no_show", "departed")
_ID = re.compile(r"[A-Za-z0-9_]{1,24}")
_DEFAULT_RULES = OpeningRules(hours={})


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


@dataclass(frozen=True)
class Cancellation:
    """The appointment after `cancel`; `changed` is True only for the call that cancelled it."""

    appointment: Appointment
    changed: bool


@dataclass(frozen=True)
class DueReminder:
    """A reminder claimed for sending: send it, then `mark_reminder_sent(id, now)`."""

    id: int
    kind: str
    due_at: datetime
    appointment: Appointment


@dataclass(frozen=True)
class WaitingEntry:
    client_key: str
    language: str
    created_at: datetime


@dataclass(frozen=True)
class Interpreter:
    """An interpreter of the roster, with languages and weekly availability (Berlin time)."""

    id: str
    name: str
    languages: frozenset[str]
    hours: tuple[WeeklyHours, ...]
    active: bool = True

    def covers(self, slot: Slot) -> bool:
        """Tell whether the whole slot lies inside one of the interpreter's windows."""
        start, end = slot.start.astimezone(BERLIN), slot.end.astimezone(BERLIN)
        return start.date() == end.date() and any(
            hours.weekday == start.weekday()
            and hours.start <= start.time()
            and end.time() <= hours.end
            for hours in self.hours
        )


@dataclass(frozen=True)
class Counsellor:
    id: str
    name: str
    hours: tuple[WeeklyHours, ...]


@dataclass(frozen=True)
class Roster:
    """Everything the office has set that decides which slots are offered, and with whom."""

    rules: OpeningRules
    languages_without_interpreter: frozenset[str]
    on_request: frozenset[str]
    interpreters: tuple[Interpreter, ...]
    extra: tuple[Slot, ...]
    blocked: tuple[Slot, ...]

    def needs_interpreter(self, language: str) -> bool:
        return language not in self.languages_without_interpreter


@dataclass(frozen=True)
class _Booked:
    id: int
    interpreter_id: str | None
    slot: Slot


# --- the operations, inside one transaction ------------------------------------------------------


class AppointmentBook:
    """The appointment operations on a caller's open transaction (e.g. a conversation step's).

    Writes that may be refused run in a savepoint, so a refused booking leaves the caller's
    transaction usable (and nothing of the booking in it).
    """

    def __init__(self, tx: Connection, office_id: str) -> None:
        self.tx = tx
        self.office_id = office_id

    # reading the rules ----------------------------------------------------------------------

    def roster(self) -> Roster:
        """Load the office's rules, interpreters, single extra and blocked slots."""
        tx, office = self.tx, self.office_id
        settings = tx.execute(
            select(office_settings).where(office_settings.c.office_id == office)
        ).first()
        hours: dict[str, list[WeeklyHours]] = {
            row.id: []
            for row in tx.execute(
                select(counsellors.c.id).where(_here(counsellors, self.office_id))
            )
        }
        for row in tx.execute(
            select(counsellor_hours).join(counsellors).where(counsellors.c.office_id == office)
        ):
            hours[row.counsellor_id].append(WeeklyHours(row.weekday, row.opens, row.closes))
        closures = frozenset(
            tx.execute(
                select(closure_days.c.day).where(closure_days.c.office_id == office)
            ).scalars()
        )
        rules = _DEFAULT_RULES if settings is None else _rules_from(settings)
        rules = replace(rules, hours=hours, closure_days=closures)
        return Roster(
            rules=rules,
            languages_without_interpreter=(
                LANGUAGES_WITHOUT_INTERPRETER
                if settings is None
                else _codes(settings.languages_without_interpreter)
            ),
            on_request=frozenset(
                tx.execute(
                    select(on_request_languages.c.language).where(
                        on_request_languages.c.office_id == office
                    )
                ).scalars()
            ),
            interpreters=self._interpreters(active_only=True),
            extra=self._slots(extra_slots),
            blocked=self._slots(blocked_slots),
        )

    def _interpreters(self, active_only: bool) -> tuple[Interpreter, ...]:
        query = (
            select(interpreters)
            .where(_here(interpreters, self.office_id))
            .order_by(interpreters.c.id)
        )
        if active_only:
            query = query.where(interpreters.c.active.is_(True))
        rows = self.tx.execute(query).all()
        languages: dict[str, set[str]] = {row.id: set() for row in rows}
        windows: dict[str, list[WeeklyHours]] = {row.id: [] for row in rows}
        for row in self.tx.execute(select(interpreter_languages)):
            languages.get(row.interpreter_id, set()).add(row.language)
        for row in self.tx.execute(select(interpreter_hours)):
            windows.get(row.interpreter_id, []).append(
                WeeklyHours(row.weekday, row.opens, row.closes)
            )
        return tuple(
            Interpreter(
                row.id,
                row.name,
                frozenset(languages[row.id]),
                tuple(sorted(windows[row.id], key=lambda h: (h.weekday, h.start))),
                row.active,
            )
            for row in rows
        )

    def _slots(self, table: Any) -> tuple[Slot, ...]:
        rows = self.tx.execute(
            select(table).join(counsellors).where(counsellors.c.office_id == self.office_id)
        )
        return tuple(
            Slot(row.counsellor_id, _aware(row.starts_at), _aware(row.ends_at)) for row in rows
        )

    def _booked(self, now: datetime, ignore: int | None = None) -> list[_Booked]:
        """Booked appointments that have not ended; `ignore` leaves one out (a reschedule's own)."""
        query = select(appointments).where(
            _here(appointments, self.office_id),
            appointments.c.status == "booked",
            appointments.c.ends_at > _naive(now),
        )
        return [
            _Booked(
                row.id,
                row.interpreter_id,
                Slot(row.counsellor_id, _aware(row.starts_at), _aware(row.ends_at)),
            )
            for row in self.tx.execute(query)
            if row.id != ignore
        ]

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

        `needs_interpreter` None decides by the language (German and English need none). Only
        slots with an interpreter free for the whole slot are offered, except for languages the
        office marked "on request". Ask for one more than you show to know if there are later ones.
        """
        now = _aware(now)
        offers = _offers(self.roster(), self._booked(now), now, language, needs_interpreter)
        return offers[offset : offset + limit]

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
        now = _aware(now)
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
                starts_at=_naive(offer.start),
                ends_at=_naive(offer.end),
                language=language,
                interpreter_id=offer.interpreter_id,
                interpreter_status=offer.interpreter_status,
                status="booked",
                sequence=0,
                created_at=_naive(now),
            )
            .returning(appointments.c.id)
        ).scalar_one()
        self._add_reminders(appointment_id, offer.start, now)
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
        now = _aware(now)
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
                    starts_at=_naive(offer.start),
                    ends_at=_naive(offer.end),
                    interpreter_id=offer.interpreter_id,
                    interpreter_status=offer.interpreter_status,
                    sequence=appointments.c.sequence + 1,
                )
            )
            self.tx.execute(delete(reminders).where(reminders.c.appointment_id == current.id))
            self._add_reminders(current.id, offer.start, now)
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
                cancelled_at=_naive(_aware(now)),
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
        counsellor_id, _ = _parse_slot_key(slot_key)
        self.tx.execute(
            select(counsellors.c.id).where(counsellors.c.id == counsellor_id).with_for_update()
        ).all()
        roster = self.roster()
        need = (
            roster.needs_interpreter(language) if needs_interpreter is None else needs_interpreter
        )
        if need and language not in roster.on_request:
            self.tx.execute(
                select(interpreters.c.id)
                .join(interpreter_languages)
                .where(
                    interpreter_languages.c.language == language,
                    _here(interpreters, self.office_id),
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
        booked = self._booked(now, ignore)
        for offer in _offers(roster, booked, now, language, needs_interpreter):
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

    def _add_reminders(self, appointment_id: int, start: datetime, now: datetime) -> None:
        """Reminders whose time is still ahead (a booking for tomorrow morning gets only the 2h)."""
        rows = [
            {"appointment_id": appointment_id, "kind": kind, "due_at": _naive(start - before)}
            for kind, before in REMINDERS
            if start - before > now
        ]
        if rows:
            self.tx.execute(insert(reminders), rows)

    # finding --------------------------------------------------------------------------------

    def _query(self) -> Select[Any]:
        return _WITH_NAMES.where(_here(appointments, self.office_id))

    def _get(self, appointment_id: int) -> Appointment:
        row = self.tx.execute(self._query().where(appointments.c.id == appointment_id)).one()
        return _to_appointment(row)

    def _find(self, reference: str | int | None, client_key: str | None, lock: bool) -> Appointment:
        query = select(appointments.c.id).where(_here(appointments, self.office_id))
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
        row = self.tx.execute(
            _BOOKED_BY_CLIENT, {"b_office": self.office_id, "b_client": client_key}
        ).first()
        return None if row is None else _to_appointment(row)

    def by_case_code(self, code: str) -> Appointment | None:
        """Return the appointment with this case code (any status; dashes and case ignored)."""
        row = self.tx.execute(
            self._query().where(appointments.c.case_code == normalise_case_code(code))
        ).first()
        return None if row is None else _to_appointment(row)

    def agenda(self, day: date) -> list[Appointment]:
        """Return every appointment starting on this Berlin day, by time, any status."""
        start = datetime.combine(day, time(), BERLIN)
        end = datetime.combine(day + timedelta(days=1), time(), BERLIN)
        rows = self.tx.execute(
            self._query()
            .where(
                appointments.c.starts_at >= _naive(start), appointments.c.starts_at < _naive(end)
            )
            .order_by(appointments.c.starts_at, appointments.c.counsellor_id, appointments.c.id)
        )
        return [_to_appointment(row) for row in rows]

    # the client leaves ------------------------------------------------------------------------

    def delete_for_client(self, client_key: str, now: datetime) -> list[Appointment]:
        """Detach the client from every appointment; cancel the booked ones still ahead.

        A future booked appointment is cancelled (SEQUENCE + 1), not kept anonymously: nobody
        could be reminded of it or change it any more, and the slot and interpreter go back to
        others. The cancelled ones are returned (already without client) so that staff can be
        told their case codes. Past appointments stay, detached, until retention removes them.
        Reminders and waiting-list entries of the client are deleted.
        """
        naive_now = _naive(_aware(now))
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

    # reminders ------------------------------------------------------------------------------

    def claim_due_reminders(
        self, now: datetime, limit: int = 50, reclaim_after: timedelta = RECLAIM_AFTER
    ) -> list[DueReminder]:
        """Claim reminders that are due, of booked appointments still ahead, oldest first.

        A claimed reminder is not returned again (to this or any other job) unless it is still
        not marked sent after `reclaim_after`: the sender crashed. Other jobs skip the rows this
        one holds (`FOR UPDATE SKIP LOCKED`; SQLite admits one writer at a time anyway).
        """
        naive_now = _naive(_aware(now))
        due = self.tx.execute(
            select(reminders.c.id)
            .join(appointments)
            .where(
                _here(appointments, self.office_id),
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
            DueReminder(row.id, row.kind, _aware(row.due_at), self._get(row.appointment_id))
            for row in rows
        ]

    def mark_reminder_sent(self, reminder_id: int, now: datetime) -> None:
        """The reminder reached the client: it is never claimed again."""
        self.tx.execute(
            update(reminders)
            .where(reminders.c.id == reminder_id)
            .values(sent_at=_naive(_aware(now)))
        )

    # waiting list ---------------------------------------------------------------------------

    def join_waiting_list(self, client_key: str, language: str, now: datetime) -> int:
        """Put the client in line for slots in `language`; return their place (1 = next).

        Joining again for the same language keeps the place; another language starts anew.
        """
        entry = self.tx.execute(
            select(waiting_list).where(waiting_list.c.client_key == client_key)
        ).first()
        if entry is None or entry.language != language or entry.notified_at is not None:
            self.tx.execute(delete(waiting_list).where(waiting_list.c.client_key == client_key))
            dialect = postgresql if self.tx.dialect.name == "postgresql" else sqlite
            self.tx.execute(
                dialect.insert(waiting_list)
                .values(
                    office_id=self.office_id,
                    client_key=client_key,
                    language=language,
                    created_at=_naive(_aware(now)),
                )
                .on_conflict_do_nothing()
            )
        place = self.waiting_place(client_key)
        assert place is not None
        return place

    def waiting_place(self, client_key: str) -> int | None:
        """The client's place in line for their language (1 = next), or None."""
        entry = self.tx.execute(
            select(waiting_list).where(waiting_list.c.client_key == client_key)
        ).first()
        if entry is None:
            return None
        ahead = self.tx.execute(
            select(func.count())
            .select_from(waiting_list)
            .where(
                _here(waiting_list, self.office_id),
                waiting_list.c.language == entry.language,
                waiting_list.c.notified_at.is_(None),
                or_(
                    waiting_list.c.created_at < entry.created_at,
                    and_(
                        waiting_list.c.created_at == entry.created_at,
                        waiting_list.c.id < entry.id,
                    ),
                ),
            )
        ).scalar_one()
        return int(ahead) + 1

    def leave_waiting_list(self, client_key: str) -> None:
        self.tx.execute(delete(waiting_list).where(waiting_list.c.client_key == client_key))

    def claim_waiting_list(
        self, now: datetime, hold: timedelta = WAITING_HOLD
    ) -> list[WaitingEntry]:
        """Claim the clients to tell that slots in their language are free, first come first.

        Per language, as many clients as there are free slots not already promised to clients
        told within `hold`; oldest entry first. Each entry is returned once (it stays, marked,
        until the client books or leaves; after `hold` it no longer holds a slot back).
        """
        now = _aware(now)
        waiting = _here(waiting_list, self.office_id)
        languages = self.tx.execute(
            select(waiting_list.c.language).where(waiting, waiting_list.c.notified_at.is_(None))
        ).scalars()
        roster, booked = self.roster(), self._booked(now)
        claimed: list[WaitingEntry] = []
        for language in sorted(set(languages)):
            promised = self.tx.execute(
                select(func.count()).where(
                    waiting,
                    waiting_list.c.language == language,
                    waiting_list.c.notified_at > _naive(now - hold),
                )
            ).scalar_one()
            free = len(_offers(roster, booked, now, language, None)) - int(promised)
            if free <= 0:
                continue
            rows = self.tx.execute(
                select(waiting_list)
                .where(
                    waiting,
                    waiting_list.c.language == language,
                    waiting_list.c.notified_at.is_(None),
                )
                .order_by(waiting_list.c.created_at, waiting_list.c.id)
                .limit(free)
                .with_for_update(skip_locked=True)
            ).all()
            if rows:
                self.tx.execute(
                    update(waiting_list)
                    .where(waiting_list.c.id.in_([row.id for row in rows]))
                    .values(notified_at=_naive(now))
                )
            claimed += [
                WaitingEntry(row.client_key, row.language, _aware(row.created_at)) for row in rows
            ]
        return claimed


# --- the repository: each call in its own transaction --------------------------------------------


class Appointments:
    """The appointment repository of one office. Each method runs in its own transaction; use
    `within(tx)` to run the same operations inside a transaction the caller already holds."""

    def __init__(self, db: Database, office_id: str = "muenchen") -> None:
        self.db = db
        self.office_id = office_id

    def within(self, tx: Connection) -> AppointmentBook:
        return AppointmentBook(tx, self.office_id)

    def free_slots(
        self,
        now: datetime,
        language: str,
        needs_interpreter: bool | None = None,
        limit: int = 6,
        offset: int = 0,
    ) -> list[OfferedSlot]:
        with self.db.transaction() as tx:
            return self.within(tx).free_slots(now, language, needs_interpreter, limit, offset)

    def book(
        self,
        client_key: str,
        slot_key: str,
        language: str,
        now: datetime,
        needs_interpreter: bool | None = None,
    ) -> Appointment:
        with self.db.transaction() as tx:
            return self.within(tx).book(client_key, slot_key, language, now, needs_interpreter)

    def reschedule(
        self,
        reference: str | int | None,
        client_key: str | None,
        new_slot_key: str,
        now: datetime,
        needs_interpreter: bool | None = None,
    ) -> Appointment:
        with self.db.transaction() as tx:
            return self.within(tx).reschedule(
                reference, client_key, new_slot_key, now, needs_interpreter
            )

    def cancel(
        self, reference: str | int | None, client_key: str | None, now: datetime
    ) -> Cancellation:
        with self.db.transaction() as tx:
            return self.within(tx).cancel(reference, client_key, now)

    def set_status(self, reference: str | int, status: str) -> Appointment:
        with self.db.transaction() as tx:
            return self.within(tx).set_status(reference, status)

    def appointment_for(self, client_key: str) -> Appointment | None:
        with self.db.transaction() as tx:
            return self.within(tx).appointment_for(client_key)

    def by_case_code(self, code: str) -> Appointment | None:
        with self.db.transaction() as tx:
            return self.within(tx).by_case_code(code)

    def agenda(self, day: date) -> list[Appointment]:
        with self.db.transaction() as tx:
            return self.within(tx).agenda(day)

    def delete_for_client(self, client_key: str, now: datetime) -> list[Appointment]:
        with self.db.transaction() as tx:
            return self.within(tx).delete_for_client(client_key, now)

    def claim_due_reminders(
        self, now: datetime, limit: int = 50, reclaim_after: timedelta = RECLAIM_AFTER
    ) -> list[DueReminder]:
        with self.db.transaction() as tx:
            return self.within(tx).claim_due_reminders(now, limit, reclaim_after)

    def mark_reminder_sent(self, reminder_id: int, now: datetime) -> None:
        with self.db.transaction() as tx:
            self.within(tx).mark_reminder_sent(reminder_id, now)

    def join_waiting_list(self, client_key: str, language: str, now: datetime) -> int:
        with self.db.transaction() as tx:
            return self.within(tx).join_waiting_list(client_key, language, now)

    def waiting_place(self, client_key: str) -> int | None:
        with self.db.transaction() as tx:
            return self.within(tx).waiting_place(client_key)

    def leave_waiting_list(self, client_key: str) -> None:
        with self.db.transaction() as tx:
            self.within(tx).leave_waiting_list(client_key)

    def claim_waiting_list(
        self, now: datetime, hold: timedelta = WAITING_HOLD
    ) -> list[WaitingEntry]:
        with self.db.transaction() as tx:
            return self.within(tx).claim_waiting_list(now, hold)

    def roster(self) -> Roster:
        with self.db.transaction() as tx:
            return self.within(tx).roster()


# --- helpers -----------------------------------------------------------------------------------


def normalise_case_code(text: str) -> str:
    """A case code as typed ("abcd-2345", " ABCD 2345 ") in its stored form."""
    return re.sub(r"[\s\-_.]", "", text).upper()


def _offers(
    roster: Roster,
    booked: Sequence[_Booked],
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
                b.interpreter_id == interpreter.id and _overlap(b.slot, slot) for b in booked
            ):
                offers.append(OfferedSlot(slot, interpreter.id, "confirmed"))
                break
    return offers


def _overlap(one: Slot, other: Slot) -> bool:
    return one.start < other.end and other.start < one.end


def _parse_slot_key(slot_key: str) -> tuple[str, datetime]:
    """The counsellor id and UTC start of a key like "c1-202612021000" (Berlin wall time)."""
    counsellor_id, _, stamp = slot_key.rpartition("-")
    try:
        if not (_ID.fullmatch(counsellor_id) and len(stamp) == 12 and stamp.isascii()):
            raise ValueError(slot_key)
        wall = datetime.strptime(stamp, "%Y%m%d%H%M")
    except ValueError:
        raise SlotTaken(slot_key, "not_offered") from None
    return counsellor_id, wall.replace(tzinfo=BERLIN).astimezone(UTC)


def _rules_from(row: Any) -> OpeningRules:
    yearly = frozenset((int(item[:2]), int(item[3:])) for item in _items(row.yearly_closures))
    return OpeningRules(
        hours={},
        appointment_minutes=row.appointment_minutes,
        buffer_minutes=row.buffer_minutes,
        horizon_days=row.horizon_days,
        notice_working_days=row.notice_working_days,
        interpreter_notice_working_days=row.interpreter_notice_working_days,
        yearly_closures=yearly,
        holiday_subdivision=row.holiday_subdivision,
        holiday_categories=tuple(_items(row.holiday_categories)),
    )


def _items(text: str) -> list[str]:
    """The items of a comma-separated setting, in order."""
    return [item.strip() for item in text.split(",") if item.strip()]


def _codes(text: str) -> frozenset[str]:
    return frozenset(_items(text))


def _to_appointment(row: Any) -> Appointment:
    return Appointment(
        id=row.id,
        office_id=row.office_id,
        case_code=row.case_code,
        client_key=row.client_key,
        counsellor_id=row.counsellor_id,
        start=_aware(row.starts_at),
        end=_aware(row.ends_at),
        language=row.language,
        interpreter_id=row.interpreter_id,
        interpreter_status=row.interpreter_status,
        status=row.status,
        sequence=row.sequence,
        created_at=_aware(row.created_at),
        cancelled_at=None if row.cancelled_at is None else _aware(row.cancelled_at),
        counsellor_name=row.counsellor_name,
        interpreter_name=row.interpreter_name,
    )


# An appointment with its counsellor's and interpreter's names.
_WITH_NAMES = select(
    appointments,
    counsellors.c.name.label("counsellor_name"),
    interpreters.c.name.label("interpreter_name"),
).select_from(
    appointments.join(counsellors).outerjoin(
        interpreters, appointments.c.interpreter_id == interpreters.c.id
    )
)
# Asked at most steps (the menu shows "my appointment" or "book"): built once, compiled once.
_BOOKED_BY_CLIENT = _WITH_NAMES.where(
    appointments.c.office_id == bindparam("b_office"),
    appointments.c.client_key == bindparam("b_client"),
    appointments.c.status == "booked",
)


def _here(table: Any, office_id: str) -> ColumnElement[bool]:
    """The rows of one office (the data model carries an office from the start)."""
    condition: ColumnElement[bool] = table.c.office_id == office_id
    return condition


def _aware(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already (the storage convention)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _naive(moment: datetime) -> datetime:
    """Naive UTC, as stored."""
    return _aware(moment).replace(tzinfo=None)


def _check_id(value: str, what: str) -> None:
    if not _ID.fullmatch(value):
        raise ValueError(f"{what} id must be 1-24 of A-Z a-z 0-9 _: {value!r}")
