"""Booking in the pure flow, against an in-memory appointment book (which passes the same
contract tests as the storage adapter: tests/storage/test_bookings_contract.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from flows import booking, journey
from flows.engine import step
from flows.model import (
    AppointmentChanged,
    Command,
    Language,
    NotifyStaff,
    Pressed,
    Template,
    Typed,
    When,
)
from flows.ports import AppointmentView, HasAppointment, SlotGone, SlotOffer
from tests.flows.helpers import Client, values

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


class FakeBook:
    """Free slots every hour; `taken` makes a slot vanish as if another client booked it."""

    def __init__(self, slots: int = 14, own: tuple[str, ...] = ("de", "en")) -> None:
        self.own = own
        self.slots = [
            SlotOffer(f"c1-{i:02d}", START + timedelta(hours=i), "none") for i in range(slots)
        ]
        self.held: AppointmentView | None = None
        self.taken: set[str] = set()
        self.waiting: list[str] = []
        self.languages: list[str] = []

    def free_slots(self, language: str, offset: int, limit: int) -> Sequence[SlotOffer]:
        self.languages.append(language)
        free = [
            s
            for s in self.slots
            if s.key not in self.taken and (self.held is None or s.start != self.held.start)
        ]
        return free[offset : offset + limit]

    def _view(self, offer: SlotOffer, sequence: int = 0) -> AppointmentView:
        return AppointmentView(
            "7KQ3M9XA",
            "7kq3m9xa@muenchen.comehome",
            offer.start,
            offer.start + timedelta(hours=1),
            "de",
            offer.interpreter,
            "booked",
            sequence,
        )

    def own_languages(self) -> tuple[str, ...]:
        return self.own

    def book(self, slot_key: str, language: str) -> AppointmentView:
        if self.held is not None:
            raise HasAppointment(self.held.case_code)
        offer = next((s for s in self.slots if s.key == slot_key), None)
        if offer is None or slot_key in self.taken:
            raise SlotGone(slot_key)
        self.held = self._view(offer)
        return self.held

    def current(self) -> AppointmentView | None:
        return self.held

    def reschedule(self, slot_key: str) -> AppointmentView:
        offer = next((s for s in self.slots if s.key == slot_key), None)
        if self.held is None or offer is None:
            raise SlotGone(slot_key)  # cancelled meanwhile: as the storage adapter reports it
        if slot_key in self.taken:
            raise SlotGone(slot_key)
        self.held = self._view(offer, self.held.sequence + 1)
        return self.held

    def cancel(self) -> AppointmentView | None:
        if self.held is None:
            return None
        cancelled = dataclasses.replace(
            self.held, status="cancelled", sequence=self.held.sequence + 1
        )
        self.held = None
        return cancelled

    def join_waiting_list(self, language: str) -> int:
        """One client: joining again keeps the place; another language replaces the entry."""
        self.waiting = [language]
        return 1

    def leave_waiting_list(self) -> None:
        self.waiting.clear()


def client_with(book: FakeBook, locale: str = "de") -> Client:
    client = Client()
    client.ctx = dataclasses.replace(client.ctx, bookings=book)
    client.send(Command("start"))
    client.send(Pressed(f"lang:{locale}"))
    client.send(Pressed("privacy:accept"))
    return client


def test_the_menu_offers_booking_and_then_the_appointment() -> None:
    """Check that the menu shows "book" before a booking and "my appointment" after it."""
    book = FakeBook()
    client = client_with(book)
    assert "m:book" in values(client.last) and "m:appt" not in values(client.last)  # type: ignore[arg-type]
    client.send(Pressed("m:book"))
    client.send(Pressed("b:int:none"))
    client.send(Pressed("b:slot:c1-00"))
    client.send(Pressed("b:ok"))
    assert "m:appt" in values(client.last) and "m:book" not in values(client.last)  # type: ignore[arg-type]


def test_booking_shows_six_times_a_page_then_confirms_with_a_calendar_file() -> None:
    """Check that times come six a page, a chosen time is confirmed, and the booking sends an .ics."""
    book = FakeBook()
    client = client_with(book)
    client.send(Pressed("m:book"))
    outcome = client.send(Pressed("b:int:none"))
    slots = [v for v in values(outcome) if v.startswith("b:slot:")]
    assert slots == [f"b:slot:c1-0{i}" for i in range(6)] and "b:later" in values(outcome)
    labels = [b.label for r in outcome.replies for row in r.buttons for b in row]
    assert When(START, short=True) in labels
    outcome = client.send(Pressed("b:later"))
    assert outcome.replies[0].replaces_pressed and "b:earlier" in values(outcome)
    client.send(Pressed("b:slot:c1-07"))
    assert client.state == booking.CONFIRM
    outcome = client.send(Pressed("b:ok"))
    done = outcome.replies[0]
    assert isinstance(done.body, Template) and done.body.name == "booking_done"
    assert done.calendar is not None and done.calendar.uid == "7kq3m9xa@muenchen.comehome"
    changed, staff_told = outcome.effects
    assert changed == AppointmentChanged("booked", "7KQ3M9XA")
    assert isinstance(staff_told, NotifyStaff)
    assert staff_told.reply.body.name == "staff/summary"  # type: ignore[union-attr]
    assert client.state == journey.MENU


def test_a_time_taken_meanwhile_offers_the_next_ones() -> None:
    """Check that a time taken by someone else between choosing and confirming leads back to the times."""
    book = FakeBook()
    client = client_with(book)
    client.send(Pressed("m:book"))
    client.send(Pressed("b:int:none"))
    client.send(Pressed("b:slot:c1-00"))
    book.taken.add("c1-00")
    outcome = client.send(Pressed("b:ok"))
    assert client.state == booking.SLOTS and book.held is None
    assert "just been taken" in outcome.replies[0].body.msgid  # type: ignore[union-attr]
    assert "b:slot:c1-00" not in values(outcome)


def test_a_double_tap_on_confirm_books_once() -> None:
    """Check that pressing "confirm" twice gives one appointment and a stale-button answer."""
    book = FakeBook()
    client = client_with(book)
    client.send(Pressed("m:book"))
    client.send(Pressed("b:int:none"))
    client.send(Pressed("b:slot:c1-00"))
    client.send(Pressed("b:ok"))
    outcome = client.send(Pressed("b:ok"))
    assert book.held is not None and outcome.effects == ()
    assert "earlier message" in outcome.replies[0].body.msgid  # type: ignore[union-attr]


def test_moving_keeps_the_case_and_counts_the_sequence() -> None:
    """Check that rescheduling moves the appointment and the calendar file has SEQUENCE + 1."""
    book = FakeBook()
    client = client_with(book)
    for value in (
        "m:book",
        "b:int:none",
        "b:slot:c1-00",
        "b:ok",
        "m:appt",
        "b:move",
        "b:slot:c1-03",
    ):
        client.send(Pressed(value))
    outcome = client.send(Pressed("b:ok"))
    assert book.held is not None and book.held.start == START + timedelta(hours=3)
    assert outcome.replies[0].calendar.sequence == 1  # type: ignore[union-attr]
    assert outcome.effects[0] == AppointmentChanged("rescheduled", "7KQ3M9XA")
    told = outcome.effects[1]
    assert isinstance(told, NotifyStaff) and isinstance(told.reply.body, Template)
    params = told.reply.body.params  # staff read the old time beside the new one
    assert params["old"] == When(START) and params["when"] == When(START + timedelta(hours=3))


def test_cancelling_asks_once_and_sends_a_cancellation_file() -> None:
    """Check that cancelling asks for confirmation, and the file cancels the same event."""
    book = FakeBook()
    client = client_with(book)
    for value in ("m:book", "b:int:none", "b:slot:c1-00", "b:ok", "m:appt", "b:cancel"):
        client.send(Pressed(value))
    assert client.state == booking.CANCEL
    outcome = client.send(Pressed("b:cancel:yes"))
    file = outcome.replies[0].calendar
    assert file is not None and file.cancelled and file.sequence == 1
    assert book.held is None and client.state == journey.MENU
    again = client.send(Pressed("b:cancel:yes"))  # an old button: nothing happens twice
    assert again.effects == ()


def test_nothing_free_offers_the_waiting_list() -> None:
    """Check that without free times the client can join the waiting list for their language."""
    book = FakeBook(slots=0)
    client = client_with(book, "ar")
    client.send(Pressed("m:book"))
    outcome = client.send(Pressed("b:int:ar"))
    assert "b:wait" in values(outcome) and "b:german" in values(outcome)
    client.send(Pressed("b:wait"))
    assert book.waiting == ["ar"] and client.state == journey.MENU


def test_the_counselling_language_follows_the_interpreter_chosen() -> None:
    """Check that the interpreter chosen before the times decides which times are offered."""
    book = FakeBook()
    client = client_with(book, "de")
    client.send(Pressed("m:book"))
    client.send(Pressed("b:int:fa_AF"))
    assert book.languages[-1] == "fa_AF"
    client.send(Pressed("b:interpreter"))
    client.send(Pressed("b:int:none"))
    assert book.languages[-1] == "de"


def test_typed_text_at_a_booking_step_gets_a_hint() -> None:
    """Check that text typed where a time is expected keeps the step and shows the times again."""
    book = FakeBook()
    client = client_with(book)
    client.send(Pressed("m:book"))
    client.send(Pressed("b:int:none"))
    outcome = client.send(Typed("morgen früh?"))
    assert client.state == booking.SLOTS and outcome.replies[-1].buttons


def test_reminders_name_the_time_and_lead_to_the_appointment() -> None:
    """Check that a reminder says when, with the case code, and has a button to the appointment."""
    view = FakeBook()._view(SlotOffer("c1-00", START, "confirmed"))
    reply = booking.reminder(view, "2h")
    assert isinstance(reply.body, Template) and reply.body.name == "reminder"
    assert reply.body.params["headline"].msgid.endswith("in two hours.")  # type: ignore[union-attr]
    assert [b.value for row in reply.buttons for b in row] == ["m:appt", "menu"]


def test_without_an_appointment_book_no_booking_is_offered() -> None:
    """Check that a door without booking shows no booking entries and old booking buttons are harmless."""
    client = Client()
    client.send(Command("start"))
    client.send(Pressed("lang:de"))
    outcome = client.send(Pressed("privacy:accept"))
    assert "m:book" not in values(outcome)
    outcome = step(client.conv, Pressed("m:book"), client.ctx)
    assert outcome.conversation is not None


def test_every_client_is_asked_about_the_interpreter_with_the_likely_answer_first() -> None:
    """Check that booking asks each client about an interpreter: none first for the office's own
    languages, the chat's language first otherwise, and every other language one tap away."""
    german = client_with(FakeBook(), "de")
    first = german.send(Pressed("m:book"))
    assert german.state == booking.INTERPRETER
    assert values(first)[0] == "b:int:none"
    assert {"b:int:ar", "b:int:tr", "b:int:fa_AF"} <= set(values(first))
    assert "b:int:de" not in values(first) and "b:int:en" not in values(first)
    arabic = client_with(FakeBook(), "ar")
    first = arabic.send(Pressed("m:book"))
    assert values(first)[:2] == ["b:int:ar", "b:int:none"]
    assert "menu" in values(first)


def test_an_office_with_other_own_languages_gets_consistent_prompts_and_slots() -> None:
    """Check that the languages an office counsels in without an interpreter come from its
    configuration alone: a Turkish-speaking office offers Turkish clients no interpreter, asks
    slots in Turkish, and offers German clients an interpreter for German."""
    book = FakeBook(own=("tr",))
    turkish = client_with(book, "tr")
    first = turkish.send(Pressed("m:book"))
    assert values(first)[0] == "b:int:none" and "b:int:tr" not in values(first)
    slots = turkish.send(Pressed("b:int:none"))
    assert book.languages[-1] == "tr"
    note = slots.replies[-1].body
    assert note.msgid == "Choose a time for your counselling (Munich time)."  # type: ignore[union-attr]
    german = client_with(book, "de")
    first = german.send(Pressed("m:book"))
    assert values(first)[:2] == ["b:int:de", "b:int:none"]
    asked = first.replies[-1].body
    assert asked.params["languages"] == (Language("tr"),)  # type: ignore[union-attr]
    german.send(Pressed("b:int:de"))
    assert book.languages[-1] == "de"
    german.send(Pressed("b:interpreter"))
    german.send(Pressed("b:int:none"))
    assert book.languages[-1] == "tr"


def test_the_confirmation_says_will_be_booked_and_the_result_is_booked() -> None:
    """Check that before confirming the interpreter "will be booked", and after it "is booked"."""
    book = FakeBook()
    book.slots = [SlotOffer("c1-00", START, "confirmed")]
    client = client_with(book, "ar")
    client.send(Pressed("m:book"))
    client.send(Pressed("b:int:ar"))
    asked = client.send(Pressed("b:slot:c1-00")).replies[-1].body
    assert isinstance(asked, Template)
    assert "will be booked" in asked.params["interpreter"].msgid  # type: ignore[union-attr]
    done = client.send(Pressed("b:ok")).replies[0].body
    assert isinstance(done, Template)
    assert "is booked" in done.params["interpreter"].msgid  # type: ignore[union-attr]


def test_the_cancel_question_the_delete_question_and_the_calendar_file_offer_the_menu() -> None:
    """Check that "really cancel?", the /delete question and the calendar file each have a
    one-tap way back to the menu, and that the menu button works from there."""
    book = FakeBook()
    client = client_with(book)
    for value in ("m:book", "b:int:none", "b:slot:c1-00", "b:ok", "m:appt"):
        client.send(Pressed(value))
    assert "menu" in values(client.send(Pressed("b:ics")))
    assert "menu" in values(client.send(Pressed("b:cancel")))
    client.send(Pressed("menu"))
    assert client.state == journey.MENU and book.held is not None
    assert "menu" in values(client.send(Command("delete")))
    client.send(Pressed("menu"))
    assert client.state == journey.MENU
