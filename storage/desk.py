"""The office's desk (the `flows.ports.Desk` port): cases, outcomes and counts for staff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, select, update

from flows.clock import BERLIN
from flows.ports import Case, Figures, Move, SlotOffer
from storage import counts
from storage.booking import AppointmentBook, AppointmentClosed, AppointmentNotFound, SlotTaken
from storage.booking_port import view
from storage.records import Appointment, normalise_case_code, of_office, to_appointment
from storage.roster_view import read_roster
from storage.tables import appointments, conversations
from storage.times import naive


class StoredDesk:
    """Bound to one office, one moment and the staff step's transaction."""

    def __init__(self, tx: Connection, office_id: str, now: datetime) -> None:
        self.tx, self.office_id, self.now = tx, office_id, now
        self.book = AppointmentBook(tx, office_id)

    def _case(self, appointment: Appointment | None) -> Case | None:
        if appointment is None:
            return None
        answers: dict[str, object] = {}
        locale = None
        if appointment.client_key is not None:
            row = self.tx.execute(
                select(conversations.c.answers, conversations.c.locale).where(
                    conversations.c.client_key == appointment.client_key
                )
            ).first()
            if row is not None:
                answers, locale = dict(row.answers), row.locale
        return Case(view(appointment), appointment.client_key, answers, locale)

    def agenda(self, day: date) -> Sequence[Case]:
        return [case for a in self.book.agenda(day) if (case := self._case(a)) is not None]

    def upcoming(
        self, first: date | None, last: date | None, language: str | None, limit: int = 500
    ) -> Sequence[Case]:
        query = of_office(self.office_id).where(
            appointments.c.status == "booked", appointments.c.starts_at > naive(self.now)
        )
        if first is not None:
            query = query.where(appointments.c.starts_at >= naive(_midnight(first)))
        if last is not None:
            query = query.where(
                appointments.c.starts_at < naive(_midnight(last + timedelta(days=1)))
            )
        if language is not None:
            query = query.where(appointments.c.language == language)
        rows = self.tx.execute(
            query.order_by(appointments.c.starts_at, appointments.c.id).limit(limit)
        )
        return [
            case for row in rows if (case := self._case(to_appointment(row._mapping))) is not None
        ]

    def open_requests(self) -> Sequence[Case]:
        rows = (
            self.tx.execute(
                select(appointments.c.case_code)
                .where(
                    appointments.c.office_id == self.office_id,
                    appointments.c.status == "booked",
                    appointments.c.interpreter_status == "requested",
                    appointments.c.starts_at > self.now.replace(tzinfo=None),
                )
                .order_by(appointments.c.starts_at)
            )
            .scalars()
            .all()
        )
        return [case for code in rows if (case := self.case(code)) is not None]

    def case(self, code: str) -> Case | None:
        return self._case(self.book.by_case_code(normalise_case_code(code)))

    def set_status(self, code: str, status: str, country: str | None = None) -> Case | None:
        found = self.case(code)
        if found is None:
            return None
        try:
            changed = self.book.set_status(found.appointment.case_code, status)
        except (AppointmentClosed, AppointmentNotFound):
            return found
        if found.appointment.status != status:
            self._count_outcome(status, found, country)
        return self._case(changed)

    def _count_outcome(self, status: str, case: Case, country: str | None) -> None:
        counts.count(self.tx, self.office_id, status, self.now)
        if status == "held":
            adults, minors = case.answers.get("adults"), case.answers.get("minors")
            persons = (adults if isinstance(adults, int) and adults else 1) + (
                minors if isinstance(minors, int) else 0
            )  # skipped answers count as one adult, no children, as the estimate does
            counts.count(self.tx, self.office_id, "persons", self.now, persons)
        if status == "departed":
            where = country or case.answers.get("country")
            if isinstance(where, str) and len(where) == 2:
                counts.count(self.tx, self.office_id, f"departed:{where.upper()}", self.now)

    def confirm_interpreter(self, code: str) -> Case | None:
        found = self.case(code)
        if found is None:
            return None
        if found.appointment.interpreter == "requested":
            self.tx.execute(
                update(appointments)
                .where(appointments.c.case_code == found.appointment.case_code)
                .values(interpreter_status="confirmed")
            )
        return self.case(code)

    def cancel(self, code: str) -> Case | None:
        found = self.case(code)
        if found is None:
            return None
        try:
            cancellation = self.book.cancel(found.appointment.case_code, None, self.now)
        except AppointmentClosed:
            return found
        if not cancellation.changed:
            return Case(found.appointment, None, found.answers, found.locale)  # told once already
        return Case(view(cancellation.appointment), found.client, found.answers, found.locale)

    def move(self, code: str, start: datetime, counsellor: str | None) -> Move | None:
        record = self.book.by_case_code(normalise_case_code(code))
        found = self._case(record)
        if record is None or found is None:
            return None
        current = found.appointment
        if current.status != "booked":
            return Move(found, refused="closed")
        if current.start == start and counsellor in (None, record.counsellor_id):
            return Move(found, refused="same")
        offers = self.book.free_slots(self.now, current.language, limit=10_000)
        chosen = next(
            (o for o in offers if o.start == start and counsellor in (None, o.slot.counsellor_id)),
            None,
        )
        later = tuple(
            SlotOffer(o.key, o.start, o.interpreter_status) for o in offers if o.start >= start
        )[:6]
        if chosen is None:
            return Move(found, refused="not_offered", offers=later)
        try:
            moved = self.book.reschedule(current.case_code, None, chosen.key, self.now)
        except SlotTaken as error:  # taken by a client in the meantime
            return Move(found, refused=error.reason, offers=later)
        return Move(found, self._case(moved))

    def figures(self, first: date, last: date) -> Figures:
        return counts.figures(self.tx, self.office_id, first, last)

    def interpreters(self) -> Sequence[tuple[str, tuple[str, ...]]]:
        return [
            (i.name, tuple(sorted(i.languages)))
            for i in read_roster(self.tx, self.office_id).interpreters
        ]

    def free_slots(self, days: int) -> Sequence[SlotOffer]:
        horizon = self.now + timedelta(days=days)
        offers = self.book.free_slots(self.now, "de", needs_interpreter=False, limit=200)
        return [
            SlotOffer(o.key, o.start, o.interpreter_status) for o in offers if o.start <= horizon
        ]


def _midnight(day: date) -> datetime:
    """The start of a Berlin day."""
    return datetime.combine(day, time(), BERLIN)
