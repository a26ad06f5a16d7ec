"""The office's day: one rule for every clock, naive (UTC) or aware."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

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


def test_munichs_day_is_taken_in_one_place() -> None:
    """Check that no module of bot/, flows/ or storage/ but flows/clock.py turns a moment into
    Munich's day itself (`….astimezone(BERLIN).date()` or `berlin(…).date()`)."""
    own_day = re.compile(
        r"astimezone\(BERLIN\)\.date\(\)|\bberlin\((?:[^()]|\([^()]*\))*\)\.date\(\)"
    )
    root = Path(__file__).resolve().parents[2]
    found = sorted(
        f"{path.relative_to(root)}:{number}"
        for package in ("bot", "flows", "storage")
        for path in (root / package).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if own_day.search(line)
    )
    assert found == ["flows/clock.py:14"]
