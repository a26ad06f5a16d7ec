"""The appointment book as one client's step sees it (the `flows.ports.Bookings` port)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flows.ports import AppointmentView, HasAppointment, SlotGone, SlotOffer
from storage.booking import AlreadyBooked, AppointmentBook, BookingError, SlotTaken
from storage.records import Appointment
from storage.roster_view import read_roster
from storage.waiting_list import WaitingList


def view(appointment: Appointment) -> AppointmentView:
    return AppointmentView(
        case_code=appointment.case_code,
        uid=f"{appointment.case_code.lower()}@{appointment.office_id}.comehome",
        start=appointment.start,
        end=appointment.end,
        language=appointment.language,
        interpreter=appointment.interpreter_status,
        status=appointment.status,
        sequence=appointment.sequence,
        interpreter_name=appointment.interpreter_name,
        counsellor=appointment.counsellor_name,
    )


class ClientBookings:
    """Bound to one client, one moment and the step's transaction."""

    def __init__(self, book: AppointmentBook, client_key: str, now: datetime) -> None:
        self.repo, self.client_key, self.now = book, client_key, now
        self._own: tuple[str, ...] | None = None
        self._held: tuple[AppointmentView | None] | None = None  # `current`, once read

    def free_slots(self, language: str, offset: int, limit: int) -> Sequence[SlotOffer]:
        offers = self.repo.free_slots(self.now, language, limit=limit, offset=offset)
        return [SlotOffer(o.key, o.start, o.interpreter_status) for o in offers]

    def own_languages(self) -> tuple[str, ...]:
        if self._own is None:  # asked by several prompts of one step: read once
            roster = read_roster(self.repo.tx, self.repo.office_id)
            self._own = roster.languages_without_interpreter
        return self._own

    def book(self, slot_key: str, language: str) -> AppointmentView:
        self._held = None
        try:
            return view(self.repo.book(self.client_key, slot_key, language, self.now))
        except SlotTaken as error:
            raise SlotGone(slot_key) from error
        except AlreadyBooked as error:
            raise HasAppointment(error.appointment.case_code) from error

    def current(self) -> AppointmentView | None:
        if self._held is None:  # asked by several prompts of one step: read once until it changes
            held = self.repo.appointment_for(self.client_key)
            self._held = (view(held) if held is not None and held.status == "booked" else None,)
        return self._held[0]

    def reschedule(self, slot_key: str) -> AppointmentView:
        self._held = None
        try:
            return view(self.repo.reschedule(None, self.client_key, slot_key, self.now))
        except SlotTaken as error:
            raise SlotGone(slot_key) from error
        except BookingError as error:  # gone or closed meanwhile (staff changed it)
            raise SlotGone(slot_key) from error

    def cancel(self) -> AppointmentView | None:
        self._held = None
        if self.repo.appointment_for(self.client_key) is None:
            return None
        try:
            cancellation = self.repo.cancel(None, self.client_key, self.now)
        except BookingError:
            return None
        return view(cancellation.appointment) if cancellation.changed else None

    def join_waiting_list(self, language: str) -> int:
        waiting = WaitingList(self.repo.tx, self.repo.office_id)
        return waiting.join_waiting_list(self.client_key, language, self.now)

    def leave_waiting_list(self) -> None:
        WaitingList(self.repo.tx, self.repo.office_id).leave_waiting_list(self.client_key)
