"""Tests for counselling-slot generation: Berlin time, Munich holidays, notice, horizon, keys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.schedule import (
    BERLIN,
    OpeningRules,
    Slot,
    WeeklyHours,
    closed_days,
    generate_slots,
    is_closed,
    working_days_after,
)

# Public holidays in Munich by the Bavarian Feiertagsgesetz, written out independently of the
# `holidays` package: fixed days (15 August because Munich is mostly Catholic) plus those that
# follow Easter Sunday (Good Friday, Easter Monday, Ascension, Whit Monday, Corpus Christi).
EASTER = {
    2025: date(2025, 4, 20),
    2026: date(2026, 4, 5),
    2027: date(2027, 3, 28),
    2028: date(2028, 4, 16),
    2029: date(2029, 4, 1),
}
FIXED_HOLIDAYS = ((1, 1), (1, 6), (5, 1), (8, 15), (10, 3), (11, 1), (12, 25), (12, 26))
DAYS_AFTER_EASTER = (-2, 1, 39, 50, 60)
MUNICH_HOLIDAYS = frozenset(
    {date(year, month, day) for year in EASTER for month, day in FIXED_HOLIDAYS}
    | {easter + timedelta(days=n) for easter in EASTER.values() for n in DAYS_AFTER_EASTER}
)
CHRISTMAS_EVE_AND_NEW_YEARS_EVE = frozenset(
    date(year, 12, day) for year in EASTER for day in (24, 31)
)
WEEKDAYS_9_TO_17 = OpeningRules(hours={"c1": [WeeklyHours(d, time(9), time(17)) for d in range(5)]})
# Sunday night hours, only to put slots right on the daylight-saving changes.
SUNDAY_NIGHT = (WeeklyHours(6, time(0), time(6)),)
SAMPLE_ZONES = [UTC, BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kabul")]
moments = st.datetimes(
    datetime(2025, 1, 1), datetime(2028, 11, 30), timezones=st.sampled_from(SAMPLE_ZONES)
)
NINE_UTC = datetime(2026, 12, 1, 9, tzinfo=UTC)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return an aware Berlin wall-clock time (fold 0)."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def wall_times(slots: list[Slot], day: date) -> list[str]:
    """Return the Berlin start times ("HH:MM") of the slots on one Berlin day."""
    starts = (slot.start.astimezone(BERLIN) for slot in slots)
    return [f"{start:%H:%M}" for start in starts if start.date() == day]


def offered_days(slots: list[Slot]) -> set[date]:
    return {slot.start.astimezone(BERLIN).date() for slot in slots}


def oracle_working_day(day: date, closures: frozenset[date] = frozenset()) -> bool:
    closed = MUNICH_HOLIDAYS | CHRISTMAS_EVE_AND_NEW_YEARS_EVE | closures
    return day.weekday() < 5 and day not in closed


def oracle_working_days_between(today: date, day: date, closures: frozenset[date]) -> int:
    """Count the working days after `today` up to and including `day`."""
    span = range(1, (day - today).days + 1)
    return sum(oracle_working_day(today + timedelta(days=n), closures) for n in span)


# --- the office's calendar -------------------------------------------------------------------


def test_closed_days_are_exactly_munich_holidays_and_year_end_closures() -> None:
    """Check that the office is closed on Munich's holidays plus 24 and 31 December, no more."""
    years = range(2025, 2030)
    assert closed_days(WEEKDAYS_9_TO_17, years) == MUNICH_HOLIDAYS | CHRISTMAS_EVE_AND_NEW_YEARS_EVE


@pytest.mark.parametrize(
    ("holiday", "open_neighbour"),
    [
        (date(2025, 1, 6), date(2025, 1, 7)),  # Epiphany
        (date(2025, 4, 18), date(2025, 4, 17)),  # Good Friday
        (date(2025, 4, 21), date(2025, 4, 22)),  # Easter Monday
        (date(2025, 5, 1), date(2025, 4, 30)),  # Labour Day
        (date(2025, 5, 29), date(2025, 5, 30)),  # Ascension
        (date(2025, 6, 9), date(2025, 6, 10)),  # Whit Monday
        (date(2025, 6, 19), date(2025, 6, 20)),  # Corpus Christi
        (date(2025, 8, 15), date(2025, 8, 14)),  # Assumption, a Friday
        (date(2025, 10, 3), date(2025, 10, 2)),  # German Unity Day
        (date(2025, 12, 26), date(2025, 12, 29)),  # St Stephen's Day
        (date(2026, 5, 25), date(2026, 5, 26)),  # Whit Monday
        (date(2026, 6, 4), date(2026, 6, 5)),  # Corpus Christi
        (date(2026, 12, 24), date(2026, 12, 23)),  # closure day: Christmas Eve
        (date(2026, 12, 25), date(2026, 12, 23)),  # Christmas Day
        (date(2026, 12, 31), date(2026, 12, 30)),  # closure day: New Year's Eve
        (date(2027, 11, 1), date(2027, 11, 2)),  # All Saints' Day
        (date(2029, 8, 15), date(2029, 8, 14)),  # Assumption, a Wednesday
    ],
)
def test_holidays_and_closure_days_are_never_offered(holiday: date, open_neighbour: date) -> None:
    """Check that a Munich holiday or closure day has no slots while a working day beside it has."""
    now = berlin(holiday.year, holiday.month, holiday.day, 12) - timedelta(days=9)
    slots = generate_slots(WEEKDAYS_9_TO_17, now, needs_interpreter=False)
    assert wall_times(slots, holiday) == []
    assert len(wall_times(slots, open_neighbour)) == 8
    assert is_closed(holiday, WEEKDAYS_9_TO_17)


@pytest.mark.parametrize(
    "ordinary_day",
    [
        date(2025, 8, 8),  # Augsburg's Peace Festival: Augsburg only
        date(2025, 10, 31),  # Reformation Day: not in Bavaria
        date(2026, 2, 17),  # Shrove Tuesday
        date(2026, 8, 4),  # Bavarian school summer holidays
        date(2026, 11, 18),  # Day of Repentance: schools only in Bavaria
        date(2026, 12, 8),  # Immaculate Conception: not a holiday in Germany
        date(2027, 3, 8),  # Women's Day: Berlin only
    ],
)
def test_ordinary_working_days_are_offered(ordinary_day: date) -> None:
    """Check that days that are holidays elsewhere or for schools only keep their full hours."""
    now = berlin(ordinary_day.year, ordinary_day.month, ordinary_day.day, 12) - timedelta(days=9)
    slots = generate_slots(WEEKDAYS_9_TO_17, now, needs_interpreter=False)
    assert len(wall_times(slots, ordinary_day)) == 8
    assert not is_closed(ordinary_day, WEEKDAYS_9_TO_17)


def test_an_office_without_the_catholic_holidays_opens_on_15_august() -> None:
    """Check that leaving out the "catholic" category (e.g. Nuremberg) offers 15 August."""
    rules = OpeningRules(hours=WEEKDAYS_9_TO_17.hours, holiday_categories=("public",))
    slots = generate_slots(rules, berlin(2025, 8, 8, 12), needs_interpreter=False)
    assert len(wall_times(slots, date(2025, 8, 15))) == 8


def test_configured_closure_days_are_never_offered() -> None:
    """Check that a closure day set by the office (a team day) has no slots."""
    team_day = date(2026, 12, 2)
    rules = OpeningRules(hours=WEEKDAYS_9_TO_17.hours, closure_days=frozenset({team_day}))
    slots = generate_slots(rules, berlin(2026, 11, 30, 8), needs_interpreter=False)
    assert wall_times(slots, team_day) == []
    assert len(wall_times(slots, date(2026, 12, 3))) == 8
    assert is_closed(team_day, rules)


# --- daylight saving -------------------------------------------------------------------------


def test_spring_change_skips_the_missing_hour_and_keeps_the_rest() -> None:
    """Check that on 29 March 2026 the nonexistent 02:00 is skipped and no slot is doubled."""
    rules = OpeningRules(hours={"c1": SUNDAY_NIGHT}, horizon_days=4)
    slots = generate_slots(rules, berlin(2026, 3, 25, 12), needs_interpreter=False)
    assert [slot.start for slot in slots] == [
        datetime(2026, 3, 28, 23, tzinfo=UTC),  # 00:00 CET
        datetime(2026, 3, 29, 0, tzinfo=UTC),  # 01:00 CET
        datetime(2026, 3, 29, 1, tzinfo=UTC),  # 03:00 CEST
        datetime(2026, 3, 29, 2, tzinfo=UTC),  # 04:00 CEST
        datetime(2026, 3, 29, 3, tzinfo=UTC),  # 05:00 CEST
    ]
    assert wall_times(slots, date(2026, 3, 29)) == ["00:00", "01:00", "03:00", "04:00", "05:00"]


def test_autumn_change_offers_the_repeated_hour_once() -> None:
    """Check that on 25 October 2026 02:00 is offered once, in summer time, and nothing missing."""
    rules = OpeningRules(hours={"c1": SUNDAY_NIGHT}, horizon_days=4)
    slots = generate_slots(rules, berlin(2026, 10, 21, 12), needs_interpreter=False)
    assert [slot.start for slot in slots] == [
        datetime(2026, 10, 24, 22, tzinfo=UTC),  # 00:00 CEST
        datetime(2026, 10, 24, 23, tzinfo=UTC),  # 01:00 CEST
        datetime(2026, 10, 25, 0, tzinfo=UTC),  # 02:00 CEST, the first 02:00
        datetime(2026, 10, 25, 2, tzinfo=UTC),  # 03:00 CET
        datetime(2026, 10, 25, 3, tzinfo=UTC),  # 04:00 CET
        datetime(2026, 10, 25, 4, tzinfo=UTC),  # 05:00 CET
    ]
    assert [slot.key for slot in slots][2] == "c1-202610250200"


def test_office_hours_keep_their_wall_clock_time_across_the_change() -> None:
    """Check that 09:00 in Munich is 08:00 UTC before the spring change and 07:00 UTC after."""
    slots = [
        *generate_slots(WEEKDAYS_9_TO_17, berlin(2026, 3, 23, 12), needs_interpreter=False),
        *generate_slots(WEEKDAYS_9_TO_17, berlin(2026, 10, 19, 12), needs_interpreter=False),
    ]
    first_of_day = {s.start.astimezone(BERLIN).date(): s.start for s in reversed(slots)}
    assert first_of_day[date(2026, 3, 27)] == datetime(2026, 3, 27, 8, tzinfo=UTC)
    assert first_of_day[date(2026, 3, 30)] == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert first_of_day[date(2026, 10, 23)] == datetime(2026, 10, 23, 7, tzinfo=UTC)
    assert first_of_day[date(2026, 10, 26)] == datetime(2026, 10, 26, 8, tzinfo=UTC)
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)


def test_hours_inside_the_skipped_hour_give_no_slots() -> None:
    """Check that hours from 02:00 to 03:00 on 29 March 2026, which do not exist, offer nothing."""
    rules = OpeningRules(
        hours={"c1": [WeeklyHours(6, time(2), time(3))]}, appointment_minutes=30, horizon_days=4
    )
    assert generate_slots(rules, berlin(2026, 3, 25, 12), needs_interpreter=False) == []
    autumn = generate_slots(rules, berlin(2026, 10, 21, 12), needs_interpreter=False)
    assert [slot.key for slot in autumn] == ["c1-202610250200", "c1-202610250230"]


def test_an_extra_slot_in_the_repeated_hour_is_not_offered_twice() -> None:
    """Check that an extra slot at the second 02:00 (winter time) on 25 October is left out."""
    second_two_oclock = datetime(2026, 10, 25, 1, tzinfo=UTC)
    extra = Slot("c2", second_two_oclock, second_two_oclock + timedelta(minutes=30))
    slots = generate_slots(WEEKDAYS_9_TO_17, berlin(2026, 10, 21, 12), False, extra=[extra])
    assert extra not in slots


def last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def sunday_night_starts(sunday: date, minutes: int) -> list[datetime]:
    """Return the UTC starts offered in the night of `sunday`, asked for the Wednesday before."""
    rules = OpeningRules(hours={"c1": SUNDAY_NIGHT}, appointment_minutes=minutes, horizon_days=4)
    wednesday = sunday - timedelta(days=4)
    now = datetime.combine(wednesday, time(12), tzinfo=BERLIN)
    return [slot.start for slot in generate_slots(rules, now, needs_interpreter=False)]


@settings(deadline=None)
@given(year=st.integers(2025, 2037), minutes=st.sampled_from([15, 20, 30, 60]))
def test_every_daylight_saving_night_has_each_wall_time_once(year: int, minutes: int) -> None:
    """Check that both change nights offer each existing wall time once, at the right UTC time."""
    walls = [timedelta(minutes=m) for m in range(0, 6 * 60, minutes)]
    two, three = timedelta(hours=2), timedelta(hours=3)
    # Spring: at 02:00 winter time (UTC+1) the clock jumps to 03:00 summer time (UTC+2).
    spring = last_sunday(year, 3)
    spring_midnight = datetime.combine(spring, time(), tzinfo=UTC)
    assert sunday_night_starts(spring, minutes) == [
        spring_midnight + wall - timedelta(hours=1 if wall < two else 2)
        for wall in walls
        if not two <= wall < three
    ]
    # Autumn: at 03:00 summer time the clock goes back to 02:00; 02:xx is offered once, as summer.
    autumn = last_sunday(year, 10)
    autumn_midnight = datetime.combine(autumn, time(), tzinfo=UTC)
    assert sunday_night_starts(autumn, minutes) == [
        autumn_midnight + wall - timedelta(hours=2 if wall < three else 1) for wall in walls
    ]


# --- notice and horizon ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "first_without", "first_with_interpreter"),
    [
        (berlin(2026, 11, 27, 15), date(2026, 11, 30), date(2026, 12, 1)),  # Friday afternoon
        (berlin(2026, 11, 28, 10), date(2026, 11, 30), date(2026, 12, 1)),  # Saturday
        (berlin(2026, 11, 30, 7), date(2026, 12, 1), date(2026, 12, 2)),  # Monday before opening
        (berlin(2026, 6, 3, 10), date(2026, 6, 5), date(2026, 6, 8)),  # before Corpus Christi
        (berlin(2026, 12, 23, 10), date(2026, 12, 28), date(2026, 12, 29)),  # before Christmas
        # 23:30 UTC on a Monday is already Tuesday in Munich.
        (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), date(2026, 12, 2), date(2026, 12, 3)),
    ],
)
def test_minimum_notice_counts_working_days_in_munich(
    now: datetime, first_without: date, first_with_interpreter: date
) -> None:
    """Check that the first slot is on the next working day, or the second with an interpreter."""
    without = generate_slots(WEEKDAYS_9_TO_17, now, needs_interpreter=False)
    with_interpreter = generate_slots(WEEKDAYS_9_TO_17, now, needs_interpreter=True)
    assert min(offered_days(without)) == first_without
    assert min(offered_days(with_interpreter)) == first_with_interpreter
    assert wall_times(without, first_without)[0] == "09:00"


def test_horizon_includes_the_day_four_weeks_ahead_and_nothing_after() -> None:
    """Check that booking on a Monday offers up to the Monday four weeks later, inclusive."""
    slots = generate_slots(WEEKDAYS_9_TO_17, berlin(2026, 11, 2, 10), needs_interpreter=False)
    assert max(offered_days(slots)) == date(2026, 11, 30)
    assert len(wall_times(slots, date(2026, 11, 30))) == 8


def test_zero_notice_offers_only_the_rest_of_today() -> None:
    """Check that with no notice, today's slots that have already started are not offered."""
    rules = OpeningRules(hours=WEEKDAYS_9_TO_17.hours, notice_working_days=0)
    slots = generate_slots(rules, berlin(2026, 12, 1, 13, 5), needs_interpreter=False)
    assert wall_times(slots, date(2026, 12, 1)) == ["14:00", "15:00", "16:00"]


@settings(deadline=None)
@given(now=moments, needs_interpreter=st.booleans())
def test_weekday_hours_give_every_working_day_in_reach_and_nothing_else(
    now: datetime, needs_interpreter: bool
) -> None:
    """Check that every working day from the notice to the horizon has all 8 slots, others none."""
    slots = generate_slots(WEEKDAYS_9_TO_17, now, needs_interpreter)
    today = now.astimezone(BERLIN).date()
    notice = 2 if needs_interpreter else 1
    expected_days = {
        day
        for day in (today + timedelta(days=n) for n in range(1, 29))
        if oracle_working_day(day)
        and oracle_working_days_between(today, day, frozenset()) >= notice
    }
    assert offered_days(slots) == expected_days
    hours = [f"{h:02}:00" for h in range(9, 17)]
    assert all(wall_times(slots, day) == hours for day in expected_days)


# --- arbitrary rules -------------------------------------------------------------------------

counsellor_ids = st.from_regex(r"[A-Za-z0-9_]{1,24}", fullmatch=True)


@st.composite
def weekly_hours(draw: st.DrawFn) -> WeeklyHours:
    start = draw(st.integers(0, 94)) * 15
    end = draw(st.integers(start // 15 + 1, 95)) * 15
    return WeeklyHours(draw(st.integers(0, 6)), time(*divmod(start, 60)), time(*divmod(end, 60)))


@st.composite
def opening_rules(draw: st.DrawFn) -> OpeningRules:
    ids = draw(st.lists(counsellor_ids, min_size=1, max_size=3, unique=True))
    return OpeningRules(
        hours={cid: draw(st.lists(weekly_hours(), max_size=3)) for cid in ids},
        appointment_minutes=draw(st.sampled_from([15, 20, 30, 45, 60, 90])),
        buffer_minutes=draw(st.sampled_from([0, 5, 15])),
        horizon_days=draw(st.integers(0, 45)),
        notice_working_days=draw(st.integers(0, 3)),
        interpreter_notice_working_days=draw(st.integers(0, 4)),
        closure_days=frozenset(draw(st.lists(st.dates(date(2025, 1, 1), date(2029, 1, 31))))),
    )


@settings(deadline=None)
@given(rules=opening_rules(), now=moments, needs_interpreter=st.booleans())
def test_no_slot_breaks_holidays_closures_notice_or_horizon(
    rules: OpeningRules, now: datetime, needs_interpreter: bool
) -> None:
    """Check that for any rules and any moment every slot is bookable, in hours and well-formed."""
    slots = generate_slots(rules, now, needs_interpreter)
    today = now.astimezone(BERLIN).date()
    notice = (
        rules.interpreter_notice_working_days if needs_interpreter else rules.notice_working_days
    )
    length = timedelta(minutes=rules.appointment_minutes)
    for slot in slots:
        local = slot.start.astimezone(BERLIN)
        assert slot.start > now
        assert local.date() not in MUNICH_HOLIDAYS | CHRISTMAS_EVE_AND_NEW_YEARS_EVE
        assert local.date() not in rules.closure_days
        assert oracle_working_days_between(today, local.date(), rules.closure_days) >= notice
        assert local.date() <= today + timedelta(days=rules.horizon_days)
        assert slot.end - slot.start == length
        wall = local.replace(tzinfo=None)
        assert any(
            h.weekday == wall.weekday()
            and datetime.combine(wall.date(), h.start) <= wall
            and wall + length <= datetime.combine(wall.date(), h.end)
            for h in rules.hours[slot.counsellor_id]
        )


@settings(deadline=None)
@given(rules=opening_rules(), now=moments, needs_interpreter=st.booleans())
def test_keys_are_unique_short_ascii_and_name_the_berlin_start(
    rules: OpeningRules, now: datetime, needs_interpreter: bool
) -> None:
    """Check that slot keys are unique, ASCII, at most 40 bytes and stable for the same slot."""
    slots = generate_slots(rules, now, needs_interpreter)
    keys = [slot.key for slot in slots]
    assert len(set(keys)) == len(keys)
    for slot in slots:
        assert slot.key.isascii() and len(slot.key.encode()) <= 40
        assert slot.key == f"{slot.counsellor_id}-{slot.start.astimezone(BERLIN):%Y%m%d%H%M}"
    # The same slot seen a day later keeps its key.
    later = {slot.key: slot for slot in generate_slots(rules, now + timedelta(days=1), False)}
    assert all(later[slot.key] == slot for slot in slots if slot.key in later)


@settings(deadline=None)
@given(rules=opening_rules(), now=moments, needs_interpreter=st.booleans())
def test_slots_are_sorted_and_a_counsellor_is_never_offered_twice_at_once(
    rules: OpeningRules, now: datetime, needs_interpreter: bool
) -> None:
    """Check that slots come by start then counsellor and one counsellor's never overlap."""
    slots = generate_slots(rules, now, needs_interpreter)
    assert slots == sorted(slots, key=lambda slot: (slot.start, slot.counsellor_id))
    gap = timedelta(minutes=rules.buffer_minutes)
    for counsellor_id in rules.hours:
        own = [slot for slot in slots if slot.counsellor_id == counsellor_id]
        assert all(b.start >= a.end + gap for a, b in pairwise(own))


@settings(deadline=None)
@given(rules=opening_rules(), now=moments, data=st.data())
def test_blocking_offered_slots_removes_exactly_those(
    rules: OpeningRules, now: datetime, data: st.DataObject
) -> None:
    """Check that blocking some offered slots (booked ones) takes out those and no others."""
    slots = generate_slots(rules, now, False)
    booked = data.draw(st.lists(st.sampled_from(slots), unique=True) if slots else st.just([]))
    remaining = generate_slots(rules, now, False, blocked=booked)
    assert remaining == [slot for slot in slots if slot not in booked]


# --- extra and blocked slots -----------------------------------------------------------------


def slot_at(counsellor_id: str, start: datetime, minutes: int = 60) -> Slot:
    return Slot(
        counsellor_id, start.astimezone(UTC), (start + timedelta(minutes=minutes)).astimezone(UTC)
    )


def test_extra_slots_are_offered_on_the_same_conditions() -> None:
    """Check that a Saturday extra slot is offered, but not one on a holiday or before notice."""
    saturday = slot_at("c1", berlin(2026, 12, 5, 10))
    christmas = slot_at("c1", berlin(2026, 12, 25, 10))
    too_soon = slot_at("c1", berlin(2026, 11, 30, 18))
    slots = generate_slots(
        WEEKDAYS_9_TO_17, berlin(2026, 11, 30, 8), False, extra=[saturday, christmas, too_soon]
    )
    assert saturday in slots
    assert christmas not in slots
    assert too_soon not in slots


def test_an_extra_slot_overlapping_the_same_counsellor_is_left_out() -> None:
    """Check that an extra slot clashing with a weekly one of the same counsellor is dropped."""
    clash = slot_at("c1", berlin(2026, 12, 1, 10, 30))
    other_counsellor = slot_at("c2", berlin(2026, 12, 1, 10, 30))
    slots = generate_slots(
        WEEKDAYS_9_TO_17, berlin(2026, 11, 30, 8), False, extra=[clash, other_counsellor]
    )
    assert clash not in slots
    assert other_counsellor in slots
    assert wall_times(slots, date(2026, 12, 1)).count("10:00") == 1


def test_a_blocked_appointment_removes_every_slot_it_overlaps() -> None:
    """Check that a booking from 10:30 to 11:30 takes out the 10:00 and 11:00 slots only."""
    booking = slot_at("c1", berlin(2026, 12, 1, 10, 30))
    slots = generate_slots(WEEKDAYS_9_TO_17, berlin(2026, 11, 30, 8), False, blocked=[booking])
    afternoon = ["12:00", "13:00", "14:00", "15:00", "16:00"]
    assert wall_times(slots, date(2026, 12, 1)) == ["09:00", *afternoon]


def test_the_buffer_is_kept_around_a_blocked_appointment() -> None:
    """Check that a short booking at 09:45 also takes the slots within the buffer of it."""
    rules = OpeningRules(
        hours={"c1": [WeeklyHours(1, time(9), time(12))]}, appointment_minutes=45, buffer_minutes=15
    )
    booking = slot_at("c1", berlin(2026, 12, 1, 9, 45), minutes=15)
    slots = generate_slots(rules, berlin(2026, 11, 30, 8), False, blocked=[booking])
    assert wall_times(slots, date(2026, 12, 1)) == ["11:00"]


@pytest.mark.parametrize(
    ("minutes", "buffer", "expected"),
    [
        (60, 0, ["09:00", "10:00", "11:00"]),
        (45, 0, ["09:00", "09:45", "10:30", "11:15"]),
        (45, 15, ["09:00", "10:00", "11:00"]),
        (90, 30, ["09:00"]),
    ],
)
def test_appointment_length_and_buffer_set_the_grid(
    minutes: int, buffer: int, expected: list[str]
) -> None:
    """Check that slots follow one another by length plus buffer and end before closing."""
    rules = OpeningRules(
        hours={"c1": [WeeklyHours(1, time(9), time(12))]},
        appointment_minutes=minutes,
        buffer_minutes=buffer,
    )
    slots = generate_slots(rules, berlin(2026, 11, 30, 8), needs_interpreter=False)
    assert wall_times(slots, date(2026, 12, 1)) == expected


def test_several_counsellors_are_sorted_by_start_then_id() -> None:
    """Check that two counsellors' slots interleave by time, then by counsellor id."""
    rules = OpeningRules(
        hours={
            "zoe": [WeeklyHours(1, time(9), time(11))],
            "ali": [WeeklyHours(1, time(9, 30), time(11, 30))],
            "ben": [WeeklyHours(1, time(9), time(10))],
        },
        horizon_days=2,
    )
    slots = generate_slots(rules, berlin(2026, 11, 30, 8), needs_interpreter=False)
    assert [slot.key for slot in slots] == [
        "ben-202612010900",
        "zoe-202612010900",
        "ali-202612010930",
        "zoe-202612011000",
        "ali-202612011030",
    ]


# --- helpers and validation ------------------------------------------------------------------


def test_working_days_after_skips_weekends_and_closed_days() -> None:
    """Check that counting working days jumps the weekend and any closed day."""
    friday = date(2026, 11, 27)
    assert working_days_after(friday, 0, set()) == friday
    assert working_days_after(friday, 1, set()) == date(2026, 11, 30)
    assert working_days_after(friday, 2, {date(2026, 12, 1)}) == date(2026, 12, 2)


@pytest.mark.parametrize(
    "make",
    [
        lambda: generate_slots(WEEKDAYS_9_TO_17, datetime(2026, 11, 30, 8), False),
        lambda: OpeningRules(hours={"Beraterin Ö": []}),
        lambda: OpeningRules(hours={"c" * 25: []}),
        lambda: OpeningRules(hours={}, appointment_minutes=0),
        lambda: OpeningRules(hours={}, yearly_closures=frozenset({(2, 29)})),
        lambda: WeeklyHours(7, time(9), time(12)),
        lambda: WeeklyHours(1, time(12), time(9)),
        lambda: Slot("c1", berlin(2026, 12, 1, 9), berlin(2026, 12, 1, 10)),
        lambda: Slot("c1", NINE_UTC, NINE_UTC),
    ],
    ids=[
        "naive-now",
        "non-ascii-id",
        "long-id",
        "no-length",
        "29-feb",
        "weekday-7",
        "end-before-start",
        "berlin-slot",
        "empty-slot",
    ],
)
def test_invalid_input_is_refused(make: Callable[[], object]) -> None:
    """Check that a naive clock, bad ids, hours or slot times raise ValueError at once."""
    with pytest.raises(ValueError):
        make()
