"""The office's day: one rule for every clock, naive (UTC) or aware."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from flows.clock import berlin_day


def test_the_day_is_munichs_day_for_naive_and_aware_clocks() -> None:
    """Check that 22:30 UTC on the last of June is already the first of July in Munich, whether
    the clock is naive UTC, aware UTC or aware in another zone."""
    moment = datetime(2026, 6, 30, 22, 30)
    assert berlin_day(moment) == date(2026, 7, 1)
    assert berlin_day(moment.replace(tzinfo=UTC)) == date(2026, 7, 1)
    new_york = timezone(timedelta(hours=-4))
    assert berlin_day(moment.replace(tzinfo=UTC).astimezone(new_york)) == date(2026, 7, 1)
    assert berlin_day(datetime(2026, 12, 31, 22, 59)) == date(2026, 12, 31)  # CET: 23:59
