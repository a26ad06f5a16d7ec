"""Counselling slots from the office's opening rules.

Pure: times are Europe/Berlin wall-clock times, turned into UTC slots; the caller passes the clock
(`now`) and what is already taken (`blocked`), so the same input always gives the same slots.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import holidays

from flows.clock import BERLIN, berlin_day

# A key is the id plus "-YYYYMMDDHHMM": at most 37 ASCII bytes, safe inside callback_data.
_COUNSELLOR_ID = re.compile(r"[A-Za-z0-9_]{1,24}")


def _check_counsellor_id(counsellor_id: str) -> None:
    if not _COUNSELLOR_ID.fullmatch(counsellor_id):
        raise ValueError(f"counsellor id must be 1-24 of A-Z a-z 0-9 _: {counsellor_id!r}")


@dataclass(frozen=True)
class WeeklyHours:
    """Counselling hours on one weekday (0 = Monday), as Berlin wall-clock times."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday): {self.weekday}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("opening hours are wall-clock times without a time zone")
        if self.start >= self.end:
            raise ValueError(f"opening hours end before they start: {self.start}-{self.end}")


@dataclass(frozen=True)
class OpeningRules:
    """When one office offers counselling: hours per counsellor id, notice, horizon, closures.

    Notice counts working days (Monday to Friday, not a holiday or closure day) after today:
    1 means "from the next working day on". The horizon counts calendar days after today,
    inclusive. The holiday subdivision and categories are those of the `holidays` package: Munich
    is Catholic ("BY" with "catholic" adds 15 August); Nuremberg would drop "catholic".
    """

    hours: Mapping[str, Sequence[WeeklyHours]]
    appointment_minutes: int = 60
    buffer_minutes: int = 0
    horizon_days: int = 28
    notice_working_days: int = 1
    interpreter_notice_working_days: int = 2
    closure_days: frozenset[date] = frozenset()
    yearly_closures: frozenset[tuple[int, int]] = frozenset({(12, 24), (12, 31)})  # (month, day)
    holiday_subdivision: str = "BY"
    holiday_categories: tuple[str, ...] = ("public", "catholic")

    def __post_init__(self) -> None:
        for counsellor_id in self.hours:
            _check_counsellor_id(counsellor_id)
        if self.appointment_minutes <= 0:
            raise ValueError("appointments must last at least one minute")
        counts = (
            self.buffer_minutes,
            self.horizon_days,
            self.notice_working_days,
            self.interpreter_notice_working_days,
        )
        if min(counts) < 0:
            raise ValueError("buffer, horizon and notice cannot be negative")
        for month, day in self.yearly_closures:
            date(2001, month, day)  # raises ValueError for a day that is not in every year


@dataclass(frozen=True)
class Slot:
    """One appointment a counsellor can offer; start and end are aware UTC datetimes."""

    counsellor_id: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _check_counsellor_id(self.counsellor_id)
        for moment in (self.start, self.end):
            if moment.utcoffset() != timedelta(0):
                raise ValueError(f"slot times must be aware UTC datetimes: {moment!r}")
        if self.end <= self.start:
            raise ValueError("a slot ends after it starts")

    @property
    def key(self) -> str:
        """Stable ASCII id for buttons and storage, e.g. "c1-202611301000" (Berlin time)."""
        return f"{self.counsellor_id}-{self.start.astimezone(BERLIN):%Y%m%d%H%M}"


def closed_days(rules: OpeningRules, years: Iterable[int]) -> frozenset[date]:
    """Return the public holidays and closure days of the office in the given years."""
    years = tuple(years)
    public = holidays.country_holidays(
        "DE", subdiv=rules.holiday_subdivision, categories=rules.holiday_categories, years=years
    )
    yearly = {date(year, month, day) for year in years for month, day in rules.yearly_closures}
    return frozenset(public) | frozenset(yearly) | rules.closure_days


def is_closed(day: date, rules: OpeningRules) -> bool:
    """Tell whether the office is closed all day: a public holiday or a closure day."""
    return day in closed_days(rules, (day.year,))


def is_working_day(day: date, closed: Container[date]) -> bool:
    """Tell whether a day is Monday to Friday and not closed."""
    return day.weekday() < 5 and day not in closed


def working_days_after(day: date, n: int, closed: Container[date]) -> date:
    """Return the n-th working day after `day` (`day` itself when n is 0)."""
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day, closed):
            n -= 1
    return day


def generate_slots(
    rules: OpeningRules,
    now: datetime,
    needs_interpreter: bool,
    extra: Iterable[Slot] = (),
    blocked: Iterable[Slot] = (),
) -> list[Slot]:
    """Return the slots a client may book at `now`, sorted by start, then counsellor.

    `extra` single slots are offered on the same conditions as the weekly ones. A slot is left
    out when it clashes with a `blocked` one (booked or reserved) of the same counsellor, or
    with a slot offered before it, buffer included.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    today = berlin_day(now)
    last = today + timedelta(days=rules.horizon_days)
    closed = closed_days(rules, range(today.year, last.year + 2))
    notice = (
        rules.interpreter_notice_working_days if needs_interpreter else rules.notice_working_days
    )
    first = working_days_after(today, notice, closed)

    def bookable(slot: Slot) -> bool:
        local = slot.start.astimezone(BERLIN)
        # fold 1 is the second 02:xx of the autumn change: offered once, as fold 0.
        return (
            slot.start > now
            and first <= local.date() <= last
            and local.date() not in closed
            and local.fold == 0
        )

    gap = timedelta(minutes=rules.buffer_minutes)
    taken: defaultdict[str, list[Slot]] = defaultdict(list)
    for slot in blocked:
        taken[slot.counsellor_id].append(slot)
    offered: list[Slot] = []
    last_end: dict[str, datetime] = {}  # of the counsellor's latest offered slot
    for slot in sorted(filter(bookable, [*_weekly_slots(rules, first, last), *extra]), key=_order):
        previous = last_end.get(slot.counsellor_id)
        if previous is not None and slot.start < previous + gap:
            continue
        if any(_clash(slot, other, gap) for other in taken[slot.counsellor_id]):
            continue
        offered.append(slot)
        last_end[slot.counsellor_id] = slot.end
    return offered


def _order(slot: Slot) -> tuple[datetime, str]:
    return slot.start, slot.counsellor_id


def _clash(one: Slot, other: Slot, gap: timedelta) -> bool:
    return one.start < other.end + gap and other.start < one.end + gap


def _weekly_slots(rules: OpeningRules, first: date, last: date) -> Iterator[Slot]:
    length = timedelta(minutes=rules.appointment_minutes)
    step = length + timedelta(minutes=rules.buffer_minutes)
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        for counsellor_id, week in rules.hours.items():
            for hours in week:
                if hours.weekday != day.weekday():
                    continue
                wall, closing = datetime.combine(day, hours.start), datetime.combine(day, hours.end)
                while wall + length <= closing:
                    start = _berlin_to_utc(wall)
                    if start is not None:
                        yield Slot(counsellor_id, start, start + length)
                    wall += step


def _berlin_to_utc(wall: datetime) -> datetime | None:
    """Return the UTC time of a Berlin wall-clock time, or None if the spring change skips it."""
    start = wall.replace(tzinfo=BERLIN).astimezone(UTC)  # fold 0: the first of two 02:xx
    if start.astimezone(BERLIN).replace(tzinfo=None) != wall:
        return None
    return start
