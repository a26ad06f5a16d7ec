"""The office's time zone, in one place (and light to import: no holiday calendars)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def berlin_day(now: datetime) -> date:
    """The day it is in Munich at `now` (a naive `now` is UTC, as the clocks give it)."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(BERLIN).date()
