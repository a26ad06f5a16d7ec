"""The office's time zone, in one place (and light to import: no holiday calendars)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
