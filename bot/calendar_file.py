"""Calendar files (RFC 5545) for appointments, so a client can keep the time in their phone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import icalendar

from flows.clock import BERLIN
from flows.model import CalendarEvent
from flows.text import t
from storage.times import aware, utc_now

if TYPE_CHECKING:
    from bot.config import Office
    from bot.render import Renderer


def calendar_file(
    event: CalendarEvent, renderer: Renderer, locale: str, office: Office
) -> tuple[str, bytes]:
    """The .ics file: same UID for every version, SEQUENCE counting changes, METHOD:CANCEL to cancel."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//comehome//Coming Home intake assistant//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if event.cancelled else "PUBLISH")
    entry = icalendar.Event()
    entry.add("uid", event.uid)
    entry.add("dtstamp", aware(utc_now()))
    entry.add("sequence", event.sequence)
    entry.add("dtstart", event.start.astimezone(BERLIN))
    entry.add("dtend", event.end.astimezone(BERLIN))
    entry.add(
        "summary",
        renderer.label(t("Counselling appointment: {office}", office=office.name), locale),
    )
    entry.add("location", ", ".join((office.name, *office.address)))
    entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return "appointment.ics", calendar.to_ical()
