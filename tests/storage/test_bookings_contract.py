"""The booking port's contract: the in-memory book the flow tests use and the storage adapter
behave alike, so that what the flow tests prove holds against the real appointment book.

Runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time

import pytest

from flows.ports import Bookings, HasAppointment, SlotGone
from storage.booking import AppointmentBook
from storage.booking_port import ClientBookings
from storage.db import Database
from storage.roster import OfficeRoster
from tests.flows.test_booking import FakeBook

NOW = datetime(2026, 11, 25, 9, 30)  # a Wednesday, naive UTC like the rest of storage


@pytest.fixture(params=["fake", "storage"])
def book(request: pytest.FixtureRequest, database: Database) -> Iterator[Bookings]:
    """Each contract test runs against the flow tests' fake and against storage (per database)."""
    if request.param == "fake":
        yield FakeBook()
        return
    roster = OfficeRoster(database)
    roster.set_languages_without_interpreter(FakeBook().own)  # as the office file gives it
    roster.set_hours("c1", range(4), [(time(9), time(12))])
    with database.transaction() as tx:
        yield ClientBookings(AppointmentBook(tx, "muenchen"), "f" * 64, NOW)


def test_a_booked_slot_is_the_clients_and_no_longer_offered(book: Bookings) -> None:
    """Check that booking returns the appointment, that it is the client's current one, and that
    its time is offered to nobody else."""
    assert book.current() is None
    first = book.free_slots("de", 0, 3)[0]
    booked = book.book(first.key, "de")
    assert (booked.start, booked.status) == (first.start, "booked")
    assert book.current() == booked
    assert first.key not in {offer.key for offer in book.free_slots("de", 0, 50)}


def test_a_second_booking_and_an_unknown_slot_are_refused(book: Bookings) -> None:
    """Check that a client holding an appointment cannot book another, and that a slot that is
    not offered raises SlotGone."""
    with pytest.raises(SlotGone):
        book.book("c1-209901010900", "de")
    first, second = book.free_slots("de", 0, 2)
    book.book(first.key, "de")
    with pytest.raises(HasAppointment):
        book.book(second.key, "de")


def test_rescheduling_moves_the_appointment_and_counts_the_change(book: Bookings) -> None:
    """Check that a reschedule takes the new time, keeps the case code and raises the sequence."""
    first, second = book.free_slots("de", 0, 2)
    booked = book.book(first.key, "de")
    moved = book.reschedule(second.key)
    assert (moved.case_code, moved.start) == (booked.case_code, second.start)
    assert moved.sequence == booked.sequence + 1 and book.current() == moved


def test_cancelling_twice_cancels_once(book: Bookings) -> None:
    """Check that cancelling returns the cancelled appointment once, then None, and that the
    client then holds none."""
    booked = book.book(book.free_slots("de", 0, 1)[0].key, "de")
    cancelled = book.cancel()
    assert cancelled is not None and cancelled.status == "cancelled"
    assert cancelled.sequence == booked.sequence + 1
    assert book.cancel() is None and book.current() is None


def test_the_waiting_list_keeps_a_clients_place(book: Bookings) -> None:
    """Check that joining again for the same language keeps the place, and that leaving works
    also when the client is not on the list."""
    assert book.join_waiting_list("ar") == 1
    assert book.join_waiting_list("ar") == 1
    book.leave_waiting_list()
    book.leave_waiting_list()
    assert book.join_waiting_list("fa") == 1


@pytest.mark.parametrize("configured", [("tr", "de"), ("en", "de", "ar"), ("de", "en")])
def test_the_own_languages_keep_the_office_files_order(
    database: Database, configured: tuple[str, ...]
) -> None:
    """Check that the languages counselled without an interpreter come back in the order the
    office file gives them (a repeat counted once), as the fake gives them to the flow tests."""
    OfficeRoster(database).set_languages_without_interpreter([*configured, configured[0]])
    with database.transaction() as tx:
        stored = ClientBookings(AppointmentBook(tx, "muenchen"), "f" * 64, NOW).own_languages()
    assert stored == configured == FakeBook(own=configured).own_languages()


def test_an_office_never_configured_has_the_one_default(database: Database) -> None:
    """Check that an office whose languages were never given counsels in the flows' default
    (German, then English) without an interpreter, like an office file without the setting."""
    from bot.config import Office
    from flows.booking import OWN_LANGUAGES

    OfficeRoster(database).add_counsellor("c1")  # makes no settings row
    with database.transaction() as tx:
        stored = ClientBookings(AppointmentBook(tx, "muenchen"), "f" * 64, NOW).own_languages()
    assert stored == OWN_LANGUAGES == Office().languages_without_interpreter == ("de", "en")
    OfficeRoster(database).set_rules(buffer_minutes=5)  # makes the row, from the default too
    with database.transaction() as tx:
        stored = ClientBookings(AppointmentBook(tx, "muenchen"), "f" * 64, NOW).own_languages()
    assert stored == OWN_LANGUAGES


def test_the_current_appointment_is_read_once_per_step_until_it_changes(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that the prompts of one step asking for the client's appointment read it once, and
    that a booking, a move or a cancellation in the same step is seen at once."""
    OfficeRoster(database).set_hours("c1", range(4), [(time(9), time(12))])
    reads: list[str] = []
    real = AppointmentBook.appointment_for

    def counted(self: AppointmentBook, client_key: str):  # type: ignore[no-untyped-def]
        reads.append(client_key)
        return real(self, client_key)

    monkeypatch.setattr(AppointmentBook, "appointment_for", counted)
    with database.transaction() as tx:
        book = ClientBookings(AppointmentBook(tx, "muenchen"), "e" * 64, NOW)
        assert book.current() is None and book.current() is None
        assert len(reads) == 1
        first, second = book.free_slots("de", 0, 2)
        booked = book.book(first.key, "de")
        assert book.current() == booked and book.current() == booked
        moved = book.reschedule(second.key)
        assert book.current() == moved
        book.cancel()
        assert book.current() is None
