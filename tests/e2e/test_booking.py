"""Booking end to end: PTB Application, storage with the real appointment book, calendar files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
from sqlalchemy import select

from bot.config import ROOT, Office
from bot.demo import seed_demo_office
from bot.i18n import Catalogs
from bot.render import Renderer
from bot.service import delivery, reminders
from flows.model import When
from storage.booking import AppointmentBook
from storage.tables import appointments
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory


async def book_first_time(telegram: Harness, user: UpdateFactory) -> str:
    """Start in German, accept, book the first offered time; return the chosen slot key."""
    seed_demo_office(telegram.assistant.db, "muenchen")
    for update in (
        user.message("/start"),
        user.press("lang:de"),
        user.press("privacy:accept"),
        user.press("m:book"),
        user.press("b:int:none"),
    ):
        await telegram.send(update)
    first = telegram.api.offered_slots()[0]
    telegram.take_calls()
    await telegram.send(user.press(first))
    await telegram.send(user.press("b:ok"))
    return first.removeprefix("b:slot:")


def calendar_of(telegram: Harness) -> icalendar.Calendar:
    documents = [p["document"] for m, p in telegram.api.calls if m == "sendDocument"]
    assert len(documents) == 1 and documents[0]["filename"] == "appointment.ics"
    return icalendar.Calendar.from_ical(documents[0]["content"])


def booked(telegram: Harness) -> list[tuple[str, str, int]]:
    with telegram.assistant.db.transaction() as tx:
        rows = tx.execute(
            select(appointments.c.case_code, appointments.c.status, appointments.c.sequence)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_client_books_and_gets_a_calendar_file(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that booking on Telegram stores one appointment and sends a valid .ics in Berlin time."""
    await book_first_time(telegram, user)
    [(case_code, status, sequence)] = booked(telegram)
    assert status == "booked" and sequence == 0
    texts = telegram.api.sent_texts()
    assert any(case_code in text and "Termin ist gebucht" in text for text in texts)
    event = calendar_of(telegram).walk("VEVENT")[0]
    assert str(event["UID"]).startswith(case_code.lower()) and int(event["SEQUENCE"]) == 0
    assert (
        event["DTSTART"].dt.tzinfo is not None
        and event["DTSTART"].params["TZID"] == "Europe/Berlin"
    )
    assert "DTSTAMP" in event and calendar_of(telegram)["METHOD"] == "PUBLISH"


async def test_cancelling_sends_a_cancel_file_with_the_same_uid(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that cancelling marks the appointment cancelled and the .ics says CANCEL, SEQUENCE 1."""
    await book_first_time(telegram, user)
    first = calendar_of(telegram).walk("VEVENT")[0]
    telegram.take_calls()
    for value in ("m:appt", "b:cancel", "b:cancel:yes"):
        await telegram.send(user.press(value))
    cancel = calendar_of(telegram)
    assert cancel["METHOD"] == "CANCEL"
    event = cancel.walk("VEVENT")[0]
    assert event["UID"] == first["UID"] and int(event["SEQUENCE"]) == 1
    assert booked(telegram)[0][1:] == ("cancelled", 1)


async def test_delete_removes_the_booking_and_the_client(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that /delete cancels the client's appointment and leaves no link to them."""
    await book_first_time(telegram, user)
    await telegram.send(user.message("/delete"))
    await telegram.send(user.press("del:yes"))
    with telegram.assistant.db.transaction() as tx:
        rows = tx.execute(select(appointments.c.status, appointments.c.client_key)).all()
    assert [tuple(r) for r in rows] == [("cancelled", None)]


async def test_reminders_are_sent_once_in_the_clients_language(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that the 2-hour reminder reaches the client once, in German, and not twice."""
    await book_first_time(telegram, user)
    telegram.take_calls()
    with telegram.assistant.db.transaction() as tx:
        start = tx.execute(select(appointments.c.starts_at)).scalar_one()
    # Booked less than a day ahead: no 24-hour reminder, only the one two hours before.
    telegram.assistant.clock.now = start - timedelta(minutes=90)  # type: ignore[attr-defined]
    send = telegram.door.sender(telegram.application.bot)
    assert await reminders.run(telegram.assistant, send) == 1
    assert await reminders.run(telegram.assistant, send) == 0
    [text] = telegram.api.sent_texts()
    assert text.startswith("<b>Erinnerung: Ihr Beratungstermin ist in zwei Stunden.</b>")


async def test_a_reminder_still_queued_when_its_appointment_is_cancelled_is_not_sent(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that a reminder still waiting in the outbox (queued, not yet sent) is dropped, not
    sent, once its appointment was cancelled."""
    await book_first_time(telegram, user)
    telegram.take_calls()
    assistant = telegram.assistant
    with assistant.db.transaction() as tx:
        case_code, start = tx.execute(
            select(appointments.c.case_code, appointments.c.starts_at)
        ).one()
    assistant.clock.now = start - timedelta(minutes=90)  # type: ignore[attr-defined]
    assert reminders.enqueue(assistant.store, assistant.clock()) == 1
    with assistant.db.transaction() as tx:
        AppointmentBook(tx, "muenchen").cancel(case_code, None, assistant.clock())
    send = telegram.door.sender(telegram.application.bot)
    assert await delivery.flush(assistant, send) == 0
    assert telegram.api.sent_texts() == [] and assistant.store.outbox.backlog() == 0


def german_time(moment: datetime) -> str:
    """A moment as the client reads it in German (Babel, Europe/Berlin), as the bot formats it."""
    return Renderer(Catalogs(ROOT / "locales"), Office()).when(When(moment), "de")


def starts(telegram: Harness) -> list[tuple[str, datetime]]:
    with telegram.assistant.db.transaction() as tx:
        rows = tx.execute(select(appointments.c.status, appointments.c.starts_at)).all()
    return [(status, start.replace(tzinfo=UTC)) for status, start in rows]


async def test_moving_names_both_times_and_leaves_one_appointment(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that moving on Telegram asks "will be moved from <old> to <new>" (both times in
    German, Berlin time), then says "is moved", and leaves exactly one booked appointment, at
    the new time, whose calendar file replaces the old one (same UID, SEQUENCE 1)."""
    await book_first_time(telegram, user)
    [(_, old)] = starts(telegram)
    for value in ("m:appt", "b:move"):
        await telegram.send(user.press(value))
    assert f"bleibt am {german_time(old)}" in telegram.api.sent_texts()[-1]
    later = telegram.api.offered_slots()[-1]
    telegram.take_calls()
    await telegram.send(user.press(later))
    asked = telegram.api.sent_texts()[-1]
    assert [status for status, _ in starts(telegram)] == ["booked"]  # nothing moved yet
    telegram.take_calls()
    await telegram.send(user.press("b:ok"))
    [(status, new)] = starts(telegram)
    assert status == "booked" and new != old
    assert f"wird verschoben: von {german_time(old)} auf {german_time(new)}." in asked
    done = telegram.api.sent_texts()[0]
    assert f"ist verschoben: von {german_time(old)} auf {german_time(new)}." in done
    assert booked(telegram)[0][1:] == ("booked", 1)
    assert int(calendar_of(telegram).walk("VEVENT")[0]["SEQUENCE"]) == 1


async def test_delete_names_the_appointment_and_confirms_its_cancellation(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that the /delete question names the appointment it will cancel, and the goodbye
    says it is cancelled."""
    await book_first_time(telegram, user)
    [(_, start)] = starts(telegram)
    await telegram.send(user.message("/delete"))
    asked = telegram.api.sent_texts()[-1]
    assert f"Ihr Termin am {german_time(start)} wird dann auch abgesagt." in asked
    [before] = [p["document"]["content"] for m, p in telegram.api.calls if m == "sendDocument"]
    telegram.take_calls()
    await telegram.send(user.press("del:yes"))
    goodbye = telegram.api.sent_texts()[-1]
    assert f"Ihr Termin am {german_time(start)} ist abgesagt." in goodbye
    # The file cancels the event the booking's file put in the client's calendar.
    booked_event = icalendar.Calendar.from_ical(before).walk("VEVENT")[0]
    cancel = calendar_of(telegram)
    [event] = cancel.walk("VEVENT")
    assert cancel["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert event["UID"] == booked_event["UID"]
    assert int(event["SEQUENCE"]) == int(booked_event["SEQUENCE"]) + 1
