"""Contract tests for the appointment repository, run on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from flows.booking import OWN_LANGUAGES
from flows.clock import BERLIN
from flows.schedule import WeeklyHours, closed_days, working_days_after
from storage.booking import (
    CASE_CODE_ALPHABET,
    AlreadyBooked,
    AppointmentBook,
    AppointmentClosed,
    AppointmentNotFound,
    SlotTaken,
)
from storage.db import Database
from storage.offers import OfferedSlot
from storage.records import Appointment
from storage.roster import OfficeRoster
from storage.tables import appointments, metadata, reminders, waiting_list
from tests.storage.own_transactions import OwnTransactions

NOW = datetime(2026, 11, 25, 9, 30)  # a Wednesday, naive UTC like the rest of storage
NEXT_WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN)
MON_THU = range(4)
MON_FRI = range(5)
RACERS = 50


def weekly(days: Iterable[int], start: time, end: time) -> list[WeeklyHours]:
    return [WeeklyHours(day, start, end) for day in days]


@pytest.fixture
def office(database: Database) -> OfficeRoster:
    """The default office's roster, given its configured languages as every start does."""
    roster = OfficeRoster(database)
    roster.set_languages_without_interpreter(OWN_LANGUAGES)
    return roster


@pytest.fixture
def repo(database: Database) -> OwnTransactions:
    return OwnTransactions(database)


@pytest.fixture
def munich(office: OfficeRoster) -> OfficeRoster:
    """The office of the issue: Mon-Thu 09:00-12:00 and 13:00-15:30, Arabic/Kurdish interpreter
    Mon-Thu 09:00-15:30, Turkish through an outside service."""
    office.set_hours("c1", MON_THU, [(time(9), time(12)), (time(13), time(15, 30))])
    office.add_interpreter("A. Example", ["ar", "ku"], weekly(MON_THU, time(9), time(15, 30)), "i1")
    office.set_on_request("tr")
    return office


def single_slots(
    office: OfficeRoster, counsellors: int, at: datetime = NEXT_WEDNESDAY
) -> list[str]:
    """Give `counsellors` counsellors one extra slot each at the same time; return the keys."""
    keys = []
    for number in range(counsellors):
        counsellor = f"c{number:02d}"
        office.add_counsellor(counsellor)
        keys.append(office.add_slot(counsellor, at).key)
    return keys


def berlin_days(offers: Iterable[OfferedSlot]) -> set[date]:
    return {offer.start.astimezone(BERLIN).date() for offer in offers}


def booked_rows(database: Database) -> list[Any]:
    with database.transaction() as tx:
        return tx.execute(select(appointments).where(appointments.c.status == "booked")).all()


def reminder_rows(database: Database) -> list[Any]:
    with database.transaction() as tx:
        return tx.execute(select(reminders).order_by(reminders.c.due_at)).all()


# --- races ---------------------------------------------------------------------------------------


@dataclass
class Race:
    booked: list[Any] = field(default_factory=list)
    taken: list[SlotTaken] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    seconds: float = 0.0

    def report(self, database: Database, what: str) -> None:
        print(
            f"\n[{database.url.get_backend_name()}] {what}: {RACERS} attempts, "
            f"{len(self.booked)} booked, {len(self.taken)} SlotTaken, {self.seconds:.2f} s"
        )


def race(attempt: Callable[[int], Any], racers: int = RACERS) -> Race:
    """Run `attempt(i)` in `racers` threads released together; each opens its own transaction."""
    result = Race()
    lock = threading.Lock()
    barrier = threading.Barrier(racers)

    def run(number: int) -> None:
        barrier.wait()
        try:
            outcome = attempt(number)
        except SlotTaken as error:
            with lock:
                result.taken.append(error)
        except BaseException as error:
            with lock:
                result.errors.append(error)
        else:
            with lock:
                result.booked.append(outcome)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(racers)]
    started = clock.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = clock.perf_counter() - started
    return result


def test_fifty_clients_racing_for_the_last_slot_get_one_booking(
    database: Database, office: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that 50 concurrent bookings of the last free slot give one appointment and 49
    SlotTaken, and that the slot is then offered to nobody."""
    [key] = single_slots(office, 1)
    result = race(lambda n: repo.book(f"client-{n}", key, "de", NOW))
    result.report(database, "last slot")
    assert result.errors == []
    assert len(result.booked) == 1
    assert len(result.taken) == RACERS - 1
    assert {error.reason for error in result.taken} == {"taken"}
    assert [row.client_key for row in booked_rows(database)] == [result.booked[0].client_key]
    assert repo.free_slots(NOW, "de") == []
    assert result.seconds < 10


def test_fifty_clients_racing_for_the_last_interpreter_get_one_booking(
    database: Database, office: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that 50 concurrent bookings of 50 counsellors' slots at the same time, all needing
    the one Arabic interpreter, give one appointment; the 49 counsellors stay free."""
    keys = single_slots(office, RACERS)
    office.add_interpreter("Only One", ["ar"], weekly(MON_THU, time(8), time(16)), "i1")
    assert len(repo.free_slots(NOW, "ar", limit=100)) == RACERS
    result = race(lambda n: repo.book(f"client-{n}", keys[n], "ar", NOW))
    result.report(database, "last interpreter")
    assert result.errors == []
    assert len(result.booked) == 1
    assert len(result.taken) == RACERS - 1
    assert {error.reason for error in result.taken} == {"no_interpreter"}
    [row] = booked_rows(database)
    assert row.interpreter_id == "i1"
    assert repo.free_slots(NOW, "ar", limit=100) == []
    assert len(repo.free_slots(NOW, "de", limit=100)) == RACERS - 1
    assert result.seconds < 10


def unchecked(monkeypatch: pytest.MonkeyPatch, offers: list[OfferedSlot]) -> None:
    """Make booking skip its check and its locks: only the database's indexes are left."""
    by_key = {offer.key: offer for offer in offers}
    monkeypatch.setattr(AppointmentBook, "_take", lambda self, key, *args: by_key[key])


def test_the_database_alone_refuses_double_booking_of_a_counsellor(
    database: Database, office: OfficeRoster, repo: OwnTransactions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that with the check before insert switched off, the unique index still lets only
    one of 50 concurrent bookings of a slot through, and the others get SlotTaken."""
    [key] = single_slots(office, 1)
    unchecked(monkeypatch, repo.free_slots(NOW, "de"))
    result = race(lambda n: repo.book(f"client-{n}", key, "de", NOW))
    result.report(database, "last slot, index only")
    assert result.errors == []
    assert (len(result.booked), len(result.taken)) == (1, RACERS - 1)
    assert len(booked_rows(database)) == 1


def test_the_database_alone_refuses_double_booking_of_an_interpreter(
    database: Database, office: OfficeRoster, repo: OwnTransactions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that with the check before insert switched off, one interpreter is still booked
    only once at a time by 50 concurrent bookings with different counsellors."""
    keys = single_slots(office, RACERS)
    office.add_interpreter("Only One", ["ar"], weekly(MON_THU, time(8), time(16)), "i1")
    unchecked(monkeypatch, repo.free_slots(NOW, "ar", limit=100))
    result = race(lambda n: repo.book(f"client-{n}", keys[n], "ar", NOW))
    result.report(database, "last interpreter, index only")
    assert result.errors == []
    assert (len(result.booked), len(result.taken)) == (1, RACERS - 1)
    assert len(booked_rows(database)) == 1
    assert len(reminder_rows(database)) == 2  # the losers left no reminders behind


def test_unique_indexes_refuse_a_second_booked_row(
    database: Database, office: OfficeRoster
) -> None:
    """Check that the database refuses two booked rows for one counsellor, interpreter or client
    at one start, but keeps any number of cancelled ones."""
    single_slots(office, 2)
    office.add_interpreter("I", ["ar"], [], "i1")
    start = NEXT_WEDNESDAY.astimezone(UTC).replace(tzinfo=None)

    def row(code: str, counsellor: str, client: str, interpreter: str | None, status: str) -> Any:
        return insert(appointments).values(
            office_id="muenchen", case_code=code, client_key=client, counsellor_id=counsellor,
            starts_at=start, ends_at=start + timedelta(hours=1), language="ar",
            interpreter_id=interpreter, interpreter_status="confirmed" if interpreter else "none",
            status=status, sequence=0, created_at=start,
        )  # fmt: skip

    with database.transaction() as tx:
        tx.execute(row("AAAAAAAA", "c00", "k1", "i1", "booked"))
        tx.execute(row("BBBBBBBB", "c00", "k2", "i1", "cancelled"))
        tx.execute(row("CCCCCCCC", "c00", "k3", "i1", "cancelled"))
    for clash in (
        row("DDDDDDDD", "c00", "k4", None, "booked"),  # the counsellor
        row("EEEEEEEE", "c01", "k5", "i1", "booked"),  # the interpreter
        row("FFFFFFFF", "c01", "k1", None, "booked"),  # the client
    ):
        with pytest.raises(IntegrityError), database.transaction() as tx:
            tx.execute(clash)
    with database.transaction() as tx:
        tx.execute(row("GGGGGGGG", "c01", "k6", None, "booked"))


# --- counsellor and interpreter together ------------------------------------------------------------


def test_a_busy_interpreter_leaves_the_counsellor_untaken(
    database: Database, office: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that when the interpreter is gone, booking fails and the counsellor's slot stays
    free for others."""
    first, second = single_slots(office, 2)
    office.add_interpreter("Only One", ["ar"], weekly(MON_THU, time(8), time(16)), "i1")
    repo.book("k1", first, "ar", NOW)
    with pytest.raises(SlotTaken) as refused:
        repo.book("k2", second, "ar", NOW)
    assert refused.value.reason == "no_interpreter"
    assert [row.counsellor_id for row in booked_rows(database)] == ["c00"]
    assert [offer.key for offer in repo.free_slots(NOW, "de")] == [second]


def test_a_booked_counsellor_leaves_the_interpreter_untaken(
    database: Database, office: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that when the counsellor's slot is gone, the interpreter stays free for another
    counsellor at the same time."""
    first, second = single_slots(office, 2)
    office.add_interpreter("Only One", ["ar"], weekly(MON_THU, time(8), time(16)), "i1")
    repo.book("k1", first, "de", NOW)
    with pytest.raises(SlotTaken) as refused:
        repo.book("k2", first, "ar", NOW)
    assert refused.value.reason == "taken"
    assert repo.book("k3", second, "ar", NOW).interpreter_id == "i1"


def test_an_interpreter_refused_by_the_index_takes_nothing_at_all(
    database: Database, office: OfficeRoster, repo: OwnTransactions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that a booking refused by the database for its interpreter leaves no appointment,
    no reminder and the caller's transaction usable."""
    first, second = single_slots(office, 2)
    office.add_interpreter("Only One", ["ar"], weekly(MON_THU, time(8), time(16)), "i1")
    unchecked(monkeypatch, repo.free_slots(NOW, "ar", limit=10))
    repo.book("k1", first, "ar", NOW)
    with database.transaction() as tx:
        book = repo.within(tx)
        with pytest.raises(SlotTaken):
            book.book("k2", second, "ar", NOW)
        assert book.appointment_for("k2") is None  # the transaction goes on after the refusal
    assert [row.client_key for row in booked_rows(database)] == ["k1"]
    assert len(reminder_rows(database)) == 2


def test_an_overlapping_appointment_makes_the_interpreter_unavailable(
    office: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that an interpreter booked 09:00-10:00 is not offered for another counsellor's
    09:30 slot, though the starts differ."""
    office.add_counsellor("early")
    office.add_counsellor("late")
    early = office.add_slot("early", NEXT_WEDNESDAY.replace(hour=9))
    late = office.add_slot("late", NEXT_WEDNESDAY.replace(hour=9, minute=30))
    office.add_interpreter("Only One", ["ar"], weekly(MON_THU, time(8), time(16)), "i1")
    repo.book("k1", early.key, "ar", NOW)
    assert repo.free_slots(NOW, "ar") == []
    with pytest.raises(SlotTaken):
        repo.book("k2", late.key, "ar", NOW)


# --- offering --------------------------------------------------------------------------------------


def test_slots_come_with_an_interpreter_only_where_one_is_needed(
    munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that German needs no interpreter, Arabic gets the rostered one, Turkish is
    "requested" and Persian (nobody on the roster) gets no slot."""
    german = repo.free_slots(NOW, "de")
    arabic = repo.free_slots(NOW, "ar")
    turkish = repo.free_slots(NOW, "tr")
    assert {(o.interpreter_id, o.interpreter_status) for o in german} == {(None, "none")}
    assert {(o.interpreter_id, o.interpreter_status) for o in arabic} == {("i1", "confirmed")}
    assert {(o.interpreter_id, o.interpreter_status) for o in turkish} == {(None, "requested")}
    assert repo.free_slots(NOW, "fa") == []
    # One working day of notice without an interpreter, two with one (Thu 26, Fri 27 Nov).
    assert min(berlin_days(german)) == date(2026, 11, 26)
    assert min(berlin_days(arabic)) == min(berlin_days(turkish)) == date(2026, 11, 30)


def test_slots_come_a_page_at_a_time_in_order(munich: OfficeRoster, repo: OwnTransactions) -> None:
    """Check that pages follow each other without gap or repeat, earliest first."""
    every = repo.free_slots(NOW, "de", limit=1000)
    pages = [repo.free_slots(NOW, "de", limit=6, offset=n) for n in range(0, len(every) + 6, 6)]
    assert [offer for page in pages for offer in page] == every
    assert [offer.start for offer in every] == sorted(offer.start for offer in every)
    assert len(every) == len({offer.key for offer in every})


def test_interpreter_hours_limit_the_offer(office: OfficeRoster, repo: OwnTransactions) -> None:
    """Check that only slots wholly inside the interpreter's window are offered."""
    office.set_hours("c1", MON_THU, [(time(9), time(12)), (time(13), time(15, 30))])
    office.add_interpreter("Mornings", ["fa_AF"], weekly([0], time(9), time(11, 30)), "i1")
    offered = repo.free_slots(NOW, "fa_AF", limit=100)
    local = {offer.start.astimezone(BERLIN).strftime("%a %H:%M") for offer in offered}
    assert local == {"Mon 09:00", "Mon 10:00"}


def test_blocked_and_booked_slots_are_not_offered(
    munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that a blocked slot and a booked one disappear from the offer, and come back
    when unblocked or cancelled."""
    first, second = repo.free_slots(NOW, "de", limit=2)
    munich.block_slot("c1", first.start)
    appointment = repo.book("k1", second.key, "de", NOW)
    keys = [offer.key for offer in repo.free_slots(NOW, "de", limit=100)]
    assert first.key not in keys and second.key not in keys
    munich.unblock_slot("c1", first.start)
    repo.cancel(appointment.case_code, "k1", NOW)
    assert repo.free_slots(NOW, "de", limit=2) == [first, second]


HOLIDAYS = [
    date(2026, 5, 25),  # Whit Monday
    date(2026, 6, 4),  # Corpus Christi
    date(2026, 12, 24),  # office closed every year
    date(2026, 12, 25),
    date(2026, 12, 31),
    date(2027, 1, 1),
    date(2027, 1, 6),  # Epiphany
    date(2028, 8, 15),  # Assumption: a holiday in Catholic Munich
]


@pytest.mark.parametrize("holiday", HOLIDAYS, ids=str)
def test_holidays_are_never_offered(
    office: OfficeRoster, repo: OwnTransactions, holiday: date
) -> None:
    """Check that no slot, weekly or single, is offered on a Munich holiday, while the working
    days around it are."""
    office.set_hours("c1", MON_FRI, [(time(9), time(12))])
    office.add_slot("c1", datetime.combine(holiday, time(14), BERLIN))
    now = datetime.combine(holiday - timedelta(days=10), time(8))
    days = berlin_days(repo.free_slots(now, "de", limit=1000))
    assert holiday not in days
    assert any(holiday - timedelta(days=7) <= day < holiday for day in days)
    assert any(holiday < day <= holiday + timedelta(days=7) for day in days)


def test_closure_days_are_never_offered(office: OfficeRoster, repo: OwnTransactions) -> None:
    """Check that a day the office closes disappears from the offer and comes back when
    reopened."""
    office.set_hours("c1", MON_FRI, [(time(9), time(12))])
    closed = date(2026, 12, 3)
    assert closed in berlin_days(repo.free_slots(NOW, "de", limit=1000))
    office.close_day(closed)
    assert closed not in berlin_days(repo.free_slots(NOW, "de", limit=1000))
    office.reopen_day(closed)
    assert closed in berlin_days(repo.free_slots(NOW, "de", limit=1000))


def test_daylight_saving_nights_are_offered_once_and_stored_exactly(
    office: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that on the two change-over nights of 2026 each wall-clock hour is offered once
    (02:00 missing in spring, 02:00 once in autumn) and a booking keeps its instant."""
    office.set_hours("c1", [6], [(time(0), time(6))])  # Sunday night, only to hit the changes
    office.set_rules(notice_working_days=0, horizon_days=14)

    def night(now: datetime, day: date) -> list[OfferedSlot]:
        offers = repo.free_slots(now, "de", limit=100)
        return [offer for offer in offers if offer.start.astimezone(BERLIN).date() == day]

    spring = night(datetime(2026, 3, 24), date(2026, 3, 29))
    autumn = night(datetime(2026, 10, 20), date(2026, 10, 25))
    assert [o.start.astimezone(BERLIN).hour for o in spring] == [0, 1, 3, 4, 5]
    assert [o.start.astimezone(BERLIN).hour for o in autumn] == [0, 1, 2, 3, 4, 5]
    two_oclock = autumn[2]
    booked = repo.book("k1", two_oclock.key, "de", datetime(2026, 10, 20))
    assert booked.start == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 02:00 summer time
    assert booked.slot_key == two_oclock.key
    assert [a.case_code for a in repo.agenda(date(2026, 10, 25))] == [booked.case_code]


def test_weekday_hours_keep_their_wall_clock_time_across_the_change(
    office: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that 09:00 stays 09:00 in Berlin on both sides of the October change."""
    office.set_hours("c1", MON_FRI, [(time(9), time(10))])
    offers = repo.free_slots(datetime(2026, 10, 20), "de", limit=100)
    friday, monday = date(2026, 10, 23), date(2026, 10, 26)
    starts = {o.start.astimezone(BERLIN).date(): o.start for o in offers}
    assert starts[friday] == datetime(2026, 10, 23, 7, 0, tzinfo=UTC)
    assert starts[monday] == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert {o.start.astimezone(BERLIN).time() for o in offers} == {time(9)}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    now=st.datetimes(datetime(2026, 1, 1), datetime(2028, 12, 31)),
    horizon=st.integers(0, 40),
    notice=st.integers(0, 4),
    extra_notice=st.integers(0, 3),
    language=st.sampled_from(["de", "ar"]),
)
def test_notice_horizon_and_holidays_hold_for_any_clock(
    munich: OfficeRoster,
    repo: OwnTransactions,
    now: datetime,
    horizon: int,
    notice: int,
    extra_notice: int,
    language: str,
) -> None:
    """Check that, with a frozen clock and any stored notice and horizon, every offered slot
    lies ahead, after the notice, within the horizon, and never on a closed day."""
    rules = munich.set_rules(
        horizon_days=horizon,
        notice_working_days=notice,
        interpreter_notice_working_days=notice + extra_notice,
    )
    today = now.replace(tzinfo=UTC).astimezone(BERLIN).date()
    closed = closed_days(rules, range(today.year, today.year + 2))
    days_of_notice = notice + (extra_notice if language == "ar" else 0)
    first = working_days_after(today, days_of_notice, closed)
    for offer in repo.free_slots(now, language, limit=1000):
        day = offer.start.astimezone(BERLIN).date()
        assert offer.start > now.replace(tzinfo=UTC)
        assert first <= day <= today + timedelta(days=horizon)
        assert day not in closed


# --- booking -------------------------------------------------------------------------------------


def test_a_booking_has_a_readable_case_code_and_reminders(
    database: Database, munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that a booking gets an 8-character case code without 0/O/1/I/L, sequence 0, and
    reminders 24 and 2 hours before."""
    offer = repo.free_slots(NOW, "ar")[0]
    appointment = repo.book("k1", offer.key, "ar", NOW)
    assert len(appointment.case_code) == 8
    assert set(appointment.case_code) <= set(CASE_CODE_ALPHABET)
    assert not set("0O1IL") & set(CASE_CODE_ALPHABET)
    assert (appointment.status, appointment.sequence) == ("booked", 0)
    assert (appointment.interpreter_id, appointment.interpreter_name) == ("i1", "A. Example")
    assert appointment.start == offer.start and appointment.created_at == NOW.replace(tzinfo=UTC)
    due = [(row.kind, row.due_at) for row in reminder_rows(database)]
    start = offer.start.replace(tzinfo=None)
    assert due == [("24h", start - timedelta(hours=24)), ("2h", start - timedelta(hours=2))]
    assert repo.by_case_code(appointment.case_code.lower()[:4] + "-" + appointment.case_code[4:])
    assert repo.appointment_for("k1") == appointment


def test_case_codes_are_unique(office: OfficeRoster, repo: OwnTransactions) -> None:
    """Check that forty bookings get forty different case codes."""
    keys = single_slots(office, 40)
    codes = {repo.book(f"k{n}", key, "de", NOW).case_code for n, key in enumerate(keys)}
    assert len(codes) == 40


def test_a_booking_for_tomorrow_morning_gets_only_the_two_hour_reminder(
    database: Database, munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that reminders whose time has passed at booking are not created."""
    tomorrow_nine = repo.free_slots(NOW, "de")[0]
    assert tomorrow_nine.start - NOW.replace(tzinfo=UTC) < timedelta(hours=24)
    repo.book("k1", tomorrow_nine.key, "de", NOW)
    assert [row.kind for row in reminder_rows(database)] == ["2h"]


def test_a_double_tap_on_confirm_books_once(
    database: Database, munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that booking the same slot again returns the same appointment, also when ten taps
    arrive at once, and that another slot needs a reschedule instead."""
    first, second = repo.free_slots(NOW, "de", limit=2)
    result = race(lambda n: repo.book("k1", first.key, "de", NOW), racers=10)
    assert result.errors == [] and result.taken == []
    assert len({appointment.id for appointment in result.booked}) == 1
    assert len(booked_rows(database)) == 1
    with pytest.raises(AlreadyBooked) as refused:
        repo.book("k1", second.key, "de", NOW)
    assert refused.value.appointment == result.booked[0]


@pytest.mark.parametrize(
    "key",
    ["", "c1", "c1-2026120210", "c1-20261302100", "c1-202613021000", "nobody-202612021000",
     "c1-202611250900", "c1-202612020930", "c1-202612051000", "c1-202612021000\u200f", "ä-1"],
)  # fmt: skip
def test_a_stale_or_forged_slot_key_is_refused(
    database: Database, munich: OfficeRoster, repo: OwnTransactions, key: str
) -> None:
    """Check that a malformed key, a past time, a time off the grid, a Saturday or an unknown
    counsellor is answered with SlotTaken and books nothing."""
    with pytest.raises(SlotTaken) as refused:
        repo.book("k1", key, "de", NOW)
    assert refused.value.reason == "not_offered"
    assert booked_rows(database) == []


def test_booking_takes_the_client_off_the_waiting_list(
    database: Database, munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that a client who books is no longer waiting."""
    repo.join_waiting_list("k1", "ar", NOW)
    repo.book("k1", repo.free_slots(NOW, "ar")[0].key, "ar", NOW)
    assert repo.waiting_place("k1") is None


# --- reschedule and cancel ---------------------------------------------------------------------------


def test_reschedule_moves_the_appointment_and_frees_the_old_slot(
    database: Database, munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that a reschedule keeps the case code, raises SEQUENCE, moves the reminders and
    offers the old time to others."""
    old, new = repo.free_slots(NOW, "ar", limit=2)[0], repo.free_slots(NOW, "ar", limit=9)[8]
    booked = repo.book("k1", old.key, "ar", NOW)
    moved = repo.reschedule(booked.case_code, "k1", new.key, NOW)
    assert (moved.case_code, moved.sequence, moved.start) == (booked.case_code, 1, new.start)
    assert moved.interpreter_id == "i1"
    assert [row.due_at for row in reminder_rows(database)] == [
        new.start.replace(tzinfo=None) - timedelta(hours=hours) for hours in (24, 2)
    ]
    assert repo.free_slots(NOW, "ar")[0] == old
    assert repo.reschedule(booked.case_code, "k1", new.key, NOW) == moved  # already there


def test_a_failed_reschedule_keeps_the_old_appointment(
    database: Database, munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that rescheduling to a taken slot, to a slot without interpreter or to nonsense
    leaves the appointment, its SEQUENCE and its reminders as they were."""
    nine, ten, eleven = repo.free_slots(NOW, "ar", limit=3)
    mine = repo.book("k1", nine.key, "ar", NOW)
    repo.book("k2", ten.key, "de", NOW)  # c1 is busy at ten, the interpreter is not
    munich.add_counsellor("c2")
    c2_at_ten = munich.add_slot("c2", ten.start)
    repo.book("k3", munich.add_slot("c2", eleven.start).key, "ar", NOW)  # the interpreter is
    reminders_before = reminder_rows(database)
    for target, reason in (
        (ten.key, "taken"),
        (eleven.key, "no_interpreter"),
        ("c1-garbage", "not_offered"),
    ):
        with pytest.raises(SlotTaken) as refused:
            repo.reschedule(mine.case_code, "k1", target, NOW)
        assert refused.value.reason == reason
        assert repo.appointment_for("k1") == mine
        assert reminder_rows(database) == reminders_before
    moved = repo.reschedule(mine.case_code, "k1", c2_at_ten.key, NOW)
    assert (moved.counsellor_id, moved.interpreter_id, moved.sequence) == ("c2", "i1", 1)


def test_reschedule_racing_bookings_never_leaves_the_client_without_appointment(
    database: Database, munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that while 20 others race for the same slot, a client rescheduling to it ends
    with exactly one booked appointment, and the slot with exactly one booking."""
    offers = repo.free_slots(NOW, "de", limit=2)
    mine = repo.book("mover", offers[0].key, "de", NOW)
    target = offers[1].key

    def attempt(n: int) -> Appointment:
        if n == 10:
            return repo.reschedule(mine.case_code, "mover", target, NOW)
        return repo.book(f"k{n}", target, "de", NOW)

    result = race(attempt, racers=21)
    assert result.errors == []
    assert len(result.booked) == 1
    rows = booked_rows(database)
    assert [row.starts_at for row in rows].count(offers[1].start.replace(tzinfo=None)) == 1
    assert [row.client_key for row in rows].count("mover") == 1
    assert repo.appointment_for("mover") is not None


def test_cancelling_twice_is_harmless(
    database: Database, munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that the first cancel raises SEQUENCE and frees slot and interpreter, and a second
    one (also by case code or at once from ten threads) changes nothing."""
    offer = repo.free_slots(NOW, "ar")[0]
    booked = repo.book("k1", offer.key, "ar", NOW)
    result = race(lambda n: repo.cancel(booked.case_code, "k1", NOW), racers=10)
    assert result.errors == []
    changed = [c for c in result.booked if c.changed]
    assert len(changed) == 1
    assert {c.appointment.sequence for c in result.booked} == {1}
    again = repo.cancel(booked.id, "k1", NOW + timedelta(hours=1))
    assert not again.changed
    assert again.appointment == changed[0].appointment
    assert again.appointment.status == "cancelled"
    assert again.appointment.cancelled_at == NOW.replace(tzinfo=UTC)
    assert reminder_rows(database) == []
    assert repo.free_slots(NOW, "ar")[0] == offer
    assert repo.appointment_for("k1") is None


def test_a_client_cannot_touch_someone_elses_appointment(
    munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that another client's case code is not found, while the office may cancel it."""
    offers = repo.free_slots(NOW, "de", limit=2)
    theirs = repo.book("k1", offers[0].key, "de", NOW)
    with pytest.raises(AppointmentNotFound):
        repo.cancel(theirs.case_code, "k2", NOW)
    with pytest.raises(AppointmentNotFound):
        repo.reschedule(theirs.case_code, "k2", offers[1].key, NOW)
    with pytest.raises(AppointmentNotFound):
        repo.cancel(None, "k2", NOW)
    assert repo.cancel(theirs.case_code, None, NOW).changed


def test_a_finished_appointment_cannot_be_changed(
    munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that a held or cancelled appointment cannot be rescheduled or cancelled again."""
    offers = repo.free_slots(NOW, "de", limit=3)
    held = repo.book("k1", offers[0].key, "de", NOW)
    repo.set_status(held.case_code, "held")
    with pytest.raises(AppointmentClosed):
        repo.cancel(held.case_code, "k1", NOW)
    cancelled = repo.book("k2", offers[1].key, "de", NOW)
    repo.cancel(cancelled.id, "k2", NOW)
    with pytest.raises(AppointmentClosed):
        repo.reschedule(cancelled.id, "k2", offers[2].key, NOW)


# --- reminders -----------------------------------------------------------------------------------


def test_each_reminder_is_claimed_once_and_only_when_due(
    database: Database, munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that a reminder comes when due, not again once claimed or sent, and again only
    when its claim went stale without being sent."""
    offer = repo.free_slots(NOW, "de", limit=20)[-1]
    booked = repo.book("k1", offer.key, "de", NOW)
    day_before = offer.start - timedelta(hours=24)
    assert repo.claim_due_reminders(day_before - timedelta(minutes=1)) == []
    [first] = repo.claim_due_reminders(day_before)
    assert (first.kind, first.due_at, first.appointment) == ("24h", day_before, booked)
    assert repo.claim_due_reminders(day_before + timedelta(minutes=5)) == []
    [stale] = repo.claim_due_reminders(day_before + timedelta(minutes=20))  # the sender died
    assert stale.id == first.id
    repo.mark_reminder_sent(first.id, day_before + timedelta(minutes=21))
    assert repo.claim_due_reminders(day_before + timedelta(hours=3)) == []
    [second] = repo.claim_due_reminders(offer.start - timedelta(hours=1))
    assert second.kind == "2h"
    repo.mark_reminder_sent(second.id, offer.start - timedelta(hours=1))
    assert repo.claim_due_reminders(offer.start - timedelta(minutes=1)) == []


def test_no_reminder_for_a_cancelled_or_past_appointment(
    database: Database, munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that reminders of a cancelled appointment are never claimed, even if their rows
    were left behind, nor those of an appointment that has begun."""
    offers = repo.free_slots(NOW, "de", limit=20)[-3:]  # Wed 2 Dec, 11:00, 13:00 and 14:00
    behind_the_back, cancelled, kept = (
        repo.book(f"k{n}", offer.key, "de", NOW) for n, offer in enumerate(offers)
    )
    with database.transaction() as tx:
        tx.execute(
            update(appointments)
            .where(appointments.c.id == behind_the_back.id)
            .values(status="cancelled")
        )
    repo.cancel(cancelled.case_code, None, NOW)
    claimed = repo.claim_due_reminders(offers[0].start - timedelta(hours=1))
    assert [(r.appointment.id, r.kind) for r in claimed] == [(kept.id, "24h")]
    assert repo.claim_due_reminders(kept.start + timedelta(minutes=1)) == []  # its 2h, too late


def test_two_reminder_jobs_at_once_claim_each_reminder_once(
    database: Database, office: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that two jobs claiming a few reminders at a time in parallel share 60 due
    reminders without overlap or loss."""
    keys = single_slots(office, 30)
    for n, key in enumerate(keys):
        repo.book(f"k{n}", key, "de", NOW)
    an_hour_before = NEXT_WEDNESDAY - timedelta(hours=1)
    claimed: list[list[int]] = [[], []]

    def job(n: int) -> None:
        while batch := repo.claim_due_reminders(an_hour_before, limit=3):
            claimed[n].extend(reminder.id for reminder in batch)

    result = race(job, racers=2)
    assert result.errors == []
    every = claimed[0] + claimed[1]
    assert len(every) == len(set(every)) == 60
    assert {row.id for row in reminder_rows(database)} == set(every)


# --- the client leaves, the waiting list, the agenda -------------------------------------------------


def test_deleting_a_client_cancels_what_is_ahead_and_detaches_the_rest(
    database: Database, munich: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that after deletion no appointment, reminder or waiting entry names the client,
    a future booking is cancelled and its slot offered again, and a past one is kept."""
    past_offer = repo.free_slots(NOW, "de")[0]
    past = repo.book("k1", past_offer.key, "de", NOW)
    later = past_offer.start + timedelta(days=1)
    repo.set_status(past.id, "held")
    ahead = repo.book("k1", repo.free_slots(later, "ar")[0].key, "ar", later)
    repo.join_waiting_list("k1", "fa", later)
    cancelled = repo.delete_for_client("k1", later)
    assert [(a.id, a.status, a.sequence, a.client_key) for a in cancelled] == [
        (ahead.id, "cancelled", 1, None)
    ]
    with database.transaction() as tx:
        named = select(func.count()).where(appointments.c.client_key == "k1")
        assert tx.execute(named).scalar() == 0
        assert tx.execute(select(func.count()).select_from(waiting_list)).scalar() == 0
    assert reminder_rows(database) == []
    assert repo.by_case_code(past.case_code).status == "held"  # type: ignore[union-attr]
    assert repo.free_slots(later, "ar")[0].key == ahead.slot_key
    assert repo.delete_for_client("k1", later) == []


def test_the_waiting_list_is_first_come_first_served(
    office: OfficeRoster, repo: OwnTransactions
) -> None:
    """Check that when one slot for Dari becomes possible, only the first in line is told; the
    next one only when the first has let a day pass, and each client only once."""
    [key] = single_slots(office, 1)
    assert repo.join_waiting_list("first", "fa_AF", NOW) == 1
    assert repo.join_waiting_list("second", "fa_AF", NOW + timedelta(minutes=1)) == 2
    assert repo.join_waiting_list("first", "fa_AF", NOW + timedelta(minutes=2)) == 1
    assert repo.claim_waiting_list(NOW) == []  # no Dari interpreter yet
    office.add_interpreter("D", ["fa_AF"], weekly(MON_THU, time(8), time(16)), "i1")
    [told] = repo.claim_waiting_list(NOW)
    assert told.client_key == "first"
    assert repo.claim_waiting_list(NOW + timedelta(hours=1)) == []  # the slot is promised
    assert repo.waiting_place("second") == 1
    [next_told] = repo.claim_waiting_list(NOW + timedelta(hours=25))  # first did not book
    assert next_told.client_key == "second"
    assert repo.claim_waiting_list(NOW + timedelta(hours=50)) == []  # each told once
    repo.book("first", key, "fa_AF", NOW)
    assert repo.waiting_place("first") is None
    repo.leave_waiting_list("second")
    assert repo.waiting_place("second") is None


def test_the_agenda_lists_one_berlin_day(office: OfficeRoster, repo: OwnTransactions) -> None:
    """Check that the agenda shows every appointment starting on the Berlin day, cancelled ones
    too, including one at 00:30 (still the previous day in UTC)."""
    office.add_counsellor("c1")
    keys = [
        office.add_slot("c1", datetime(2026, 12, 2, hour, minute, tzinfo=BERLIN)).key
        for hour, minute in ((0, 30), (10, 0), (23, 0))
    ]
    next_day = office.add_slot("c1", datetime(2026, 12, 3, 0, 30, tzinfo=BERLIN)).key
    booked = [repo.book(f"k{n}", key, "de", NOW) for n, key in enumerate([*keys, next_day])]
    repo.cancel(booked[1].id, None, NOW)
    agenda = repo.agenda(date(2026, 12, 2))
    assert [a.id for a in agenda] == [a.id for a in booked[:3]]
    assert [a.status for a in agenda] == ["booked", "cancelled", "booked"]
    assert agenda[0].start == datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


# --- schema ----------------------------------------------------------------------------------------


def test_the_migrations_create_exactly_the_tables_in_code(database: Database) -> None:
    """Check that the migrated schema has nothing more or less than storage/tables/."""
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_the_appointment_migration_can_be_undone_and_redone(tmp_path: Any) -> None:
    """Check that downgrading to the foundation and upgrading again works on SQLite."""
    from alembic import command
    from alembic.config import Config

    from storage.db import MIGRATIONS

    db = Database(f"sqlite:///{tmp_path / 'down.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        command.downgrade(config, "0001")
        command.upgrade(config, "head")
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    db.dispose()
