"""The web door keeps nothing of a client in memory: pages and reminders live in the outbox,
so a restart loses nothing and two instances on one database show the same page."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.assistant import Assistant
from bot.service import reminders, retention
from bot.web.app import WebDoor, WebSettings, build_app
from bot.web.screens import Screen
from bot.web.session import COOKIE
from flows.model import Reply
from flows.text import t
from storage.booking import AppointmentBook
from storage.outbox import SHOWN, WEB, Delivery, put
from storage.tables import appointments, outbox
from storage.web_pages import PAGE_KEPT
from tests.web.client import WebClient
from tests.web.test_web_door import _main, counts, to_booking

REMINDER = "Reminder: your counselling appointment is in two hours."


@pytest.fixture
def instance(assistant: Assistant, web: WebClient) -> Iterator[WebClient]:
    """A second instance of the door (its own process state) on the same database, holding
    the same browser's cookie, as a proxy in front of both would send it."""
    other = WebDoor(assistant, WebSettings(overall=10_000, per_session=100))
    with TestClient(build_app(other), headers={"accept-language": "en"}) as client:
        second = WebClient(client)
        yield second


def same_browser(web: WebClient, other: WebClient) -> None:
    token = web.client.cookies.get(COOKIE)
    assert token is not None
    other.client.cookies.set(COOKIE, token)


def book(web: WebClient) -> None:
    to_booking(web)
    web.press(web.buttons()[0].label)
    web.press("Yes, book this time")
    assert "Your appointment is booked." in web.text


def waiting(assistant: Assistant) -> tuple[int, int]:
    """(rows waiting to be shown or sent, pages shown) in the outbox."""
    with assistant.db.transaction() as tx:
        rows = tx.execute(select(outbox.c.attempts)).scalars().all()
    return sum(a >= 0 for a in rows), sum(a == SHOWN for a in rows)


def test_two_instances_show_the_same_page_and_apply_a_form_once(
    web: WebClient, instance: WebClient, door: WebDoor
) -> None:
    """Check that a page, a form posted to the other instance, a reload there and the calendar
    file all behave as if there were one door."""
    to_booking(web)
    web.press(web.buttons()[0].label)
    same_browser(web, instance)
    instance.open()
    assert _main(instance.page) == _main(web.page)  # the same question, the same buttons
    confirm = web.button("Yes, book this time")
    instance.post(confirm.action, confirm.fields)  # the form of one, posted to the other
    assert "Your appointment is booked." in instance.text
    web.post(confirm.action, confirm.fields)  # and again to the first: applied once
    assert _main(web.page) == _main(instance.page)
    assert counts(door)[2] == 1
    for client in (web, instance):
        calendar = client.client.get("/calendar.ics")
        assert calendar.status_code == 200 and b"BEGIN:VCALENDAR" in calendar.content


def test_a_reminder_waits_in_the_database_for_the_next_visit_after_a_restart(
    web: WebClient, assistant: Assistant, app: object
) -> None:
    """Check that a reminder queued for a web client survives a restart of the door, is shown
    on any instance at the next visit, above the page, and is gone after the next step."""
    book(web)
    with assistant.db.transaction() as tx:
        start = tx.execute(select(appointments.c.starts_at)).scalar_one()
    assistant.clock.now = start - timedelta(minutes=90)  # type: ignore[attr-defined]
    web.press("My appointment")
    page = web.text.split(">", 1)[1].strip()  # (after the <main> tag's attributes)
    assert reminders.enqueue(assistant.store, assistant.clock()) == 1
    assert waiting(assistant)[0] == 1
    restarted = WebDoor(assistant, WebSettings(overall=10_000, per_session=100))
    with TestClient(build_app(restarted), headers={"accept-language": "en"}) as client:
        after = WebClient(client)
        same_browser(web, after)
        after.open()
    shown = after.text
    assert REMINDER in shown and page in shown
    assert shown.index(REMINDER) < shown.index(page)  # the news above the page it was on
    web.open()  # the first instance: the same page, the reminder not lost nor doubled
    assert web.text.count(REMINDER) == 1 and _main(web.page) == _main(after.page)
    assert waiting(assistant) == (0, 1)
    web.post("/", {**web.hidden("text"), "c": "menu"})
    assert REMINDER not in web.text
    assert reminders.enqueue(assistant.store, assistant.clock()) == 0


def test_delete_removes_the_page_and_the_news_waiting_for_it(
    web: WebClient, assistant: Assistant
) -> None:
    """Check that /delete leaves no page and no queued reminder of the client in the outbox."""
    book(web)
    with assistant.db.transaction() as tx:
        start = tx.execute(select(appointments.c.starts_at)).scalar_one()
    assistant.clock.now = start - timedelta(minutes=90)  # type: ignore[attr-defined]
    assert reminders.enqueue(assistant.store, assistant.clock()) == 1
    web.post("/", {**web.hidden("text"), "c": "delete"})  # the reminder is shown above it
    assert REMINDER in web.text
    web.press("Yes, delete everything")
    with assistant.db.transaction() as tx:
        assert tx.execute(select(func.count()).select_from(outbox)).scalar_one() == 0


async def test_a_page_is_forgotten_after_two_hours_and_the_client_resumes_at_their_place(
    web: WebClient, assistant: Assistant
) -> None:
    """Check that the retention job forgets pages nobody asked for within PAGE_KEPT, and that
    a client coming back then is asked again where they left off (the times to choose from, in
    English), not sent to the menu or the start."""
    to_booking(web)
    question, times = heading(web.page), [b.label for b in web.buttons()]
    assert waiting(assistant)[1] == 1
    assistant.clock.now += PAGE_KEPT + timedelta(minutes=1)  # type: ignore[attr-defined]
    await retention.run(assistant)
    assert waiting(assistant) == (0, 0)
    web.open()
    assert heading(web.page) == question and [b.label for b in web.buttons()][:3] == times[:3]
    assert "What would you like to do?" not in web.text


def heading(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert found is not None
    return found.group(1)


def web_rows(assistant: Assistant) -> list[int]:
    """The `attempts` of the web door's rows in the outbox (-1: a page shown)."""
    with assistant.db.transaction() as tx:
        query = select(outbox.c.attempts).where(outbox.c.channel == WEB).order_by(outbox.c.id)
        return list(tx.execute(query).scalars())


def test_the_goodbye_after_delete_is_never_stored(
    web: WebClient, door: WebDoor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that the goodbye after /delete goes straight into the response: a door stopped
    between the deletion's commit and its answer leaves no row of it (nor anything else of the
    client) behind, and the answer clears the cookie."""
    book(web)
    web.press("Delete my data")
    confirm = web.button("Yes, delete everything")
    shows = door.screen

    def stopped(delivery: Delivery) -> Screen:
        if delivery.final:
            raise RuntimeError("the door stopped")
        return shows(delivery)

    monkeypatch.setattr(door, "screen", stopped)
    with pytest.raises(RuntimeError):
        web.post(confirm.action, confirm.fields)
    assert counts(door)[0] == 0 and web_rows(door.assistant) == []
    monkeypatch.undo()
    web.client.cookies.set(COOKIE, "x" * 22)  # another session deletes, answered in full
    web.open()
    web.press("English")
    web.post("/", {**web.hidden("text"), "c": "delete"})
    goodbye = web.client.post("/", data=web.button("Yes, delete everything").fields)
    assert "Everything stored about you has been deleted" in goodbye.text
    assert COOKIE in goodbye.headers["set-cookie"] and "Max-Age=0" in goodbye.headers["set-cookie"]
    assert web_rows(door.assistant) == []


async def test_retention_forgets_web_rows_without_a_conversation(
    web: WebClient, assistant: Assistant
) -> None:
    """Check that the retention job deletes web rows that no conversation stands behind (a
    goodbye an older door left, news for a session that is gone) and keeps a live page."""
    to_booking(web)
    now = assistant.clock()
    with assistant.db.transaction() as tx:
        for client, final in (("0" * 64, False), ("", True)):
            put(
                tx,
                assistant.settings.keyring,
                chat_id="web:" + "0" * 32,
                channel=WEB,
                locale="en",
                replies=(Reply(t("Nothing is stored about you.")),),
                due=now,
                final=final,
                client=client,
            )
    assert web_rows(assistant) == [SHOWN, 0, 0]
    await retention.run(assistant)
    assert web_rows(assistant) == [SHOWN]
    web.open()
    assert "No interpreter" not in web.text and web.buttons()  # the live page is still there


async def test_the_code_to_continue_is_given_after_the_page_was_forgotten(
    web: WebClient, assistant: Assistant, app: object
) -> None:
    """Check that a client asking for a code to continue after their page was forgotten gets
    the code on their page, and that it brings another browser to the same conversation."""
    book(web)
    ask = web.button("Get a code to continue")
    assistant.clock.now += PAGE_KEPT + timedelta(minutes=1)  # type: ignore[attr-defined]
    await retention.run(assistant)
    assert waiting(assistant) == (0, 0)
    web.post(ask.action, ask.fields)
    assert web.status == 200 and "Your code to continue" in web.text
    code = re.search(r'<code dir="ltr">([0-9A-Z]{5}-[0-9A-Z]{5})</code>', web.page)
    assert code is not None and web.buttons()
    with TestClient(app, headers={"accept-language": "en"}) as other:  # type: ignore[arg-type]
        phone = WebClient(other)
        phone.open()
        phone.open("/resume")
        phone.post("/resume", {**phone.hidden("code"), "code": code.group(1)})
        phone.press("My appointment")
        assert "Your counselling appointment" in phone.text and "Case code" in phone.text


def test_web_rows_waiting_for_the_browser_are_no_sending_backlog(
    web: WebClient, assistant: Assistant
) -> None:
    """Check that the outbox backlog (the metric an alert watches) counts nothing of the web
    door, neither a page nor a reminder waiting for the next visit, while a reply waiting to be
    sent to a chat still counts."""
    book(web)
    with assistant.db.transaction() as tx:
        start = tx.execute(select(appointments.c.starts_at)).scalar_one()
    assistant.clock.now = start - timedelta(minutes=90)  # type: ignore[attr-defined]
    assert reminders.enqueue(assistant.store, assistant.clock()) == 1
    assert waiting(assistant) == (1, 1)
    assert assistant.store.outbox.backlog() == 0
    assert b"comehome_outbox_backlog 0.0" in assistant.metrics.render(
        assistant.store.outbox.backlog()
    )
    with assistant.db.transaction() as tx:
        put(
            tx,
            assistant.settings.keyring,
            chat_id="12345",
            channel="telegram",
            locale="en",
            replies=(Reply(t("Nothing is stored about you.")),),
            due=assistant.clock(),
        )
    assert assistant.store.outbox.backlog() == 1


def office_moves_or_cancels(assistant: Assistant, move: bool) -> datetime:
    """The office moves the booked appointment to a later free time, or cancels it, without a
    word to the client (as a staff member at the command line may); the start it has then."""
    now = assistant.clock()
    with assistant.db.transaction() as tx:
        book = AppointmentBook(tx, assistant.settings.office.id)
        case_code = tx.execute(select(appointments.c.case_code)).scalar_one()
        if move:
            later = book.free_slots(now, "en", limit=10)[-1]
            return book.reschedule(case_code, None, later.key, now).start.replace(tzinfo=None)
        return book.cancel(case_code, None, now).appointment.start.replace(tzinfo=None)


def test_a_reminder_of_an_appointment_moved_or_cancelled_since_is_not_shown(
    web: WebClient, assistant: Assistant
) -> None:
    """Check that a reminder waiting for the client's visit is dropped when its appointment was
    moved meanwhile, that the reminder of the new time is shown, and that a page showing it
    does not show it again once the appointment is cancelled."""
    book(web)
    with assistant.db.transaction() as tx:
        start = tx.execute(select(appointments.c.starts_at)).scalar_one()
    assistant.clock.now = start - timedelta(minutes=90)  # type: ignore[attr-defined]
    assert reminders.enqueue(assistant.store, assistant.clock()) == 1
    moved_to = office_moves_or_cancels(assistant, move=True)
    web.open()
    assert REMINDER not in web.text and web.buttons()
    assert waiting(assistant) == (0, 1)
    assistant.clock.now = moved_to - timedelta(minutes=90)  # type: ignore[attr-defined]
    web.open()  # a page of now, that the next reminder is shown above
    assert reminders.enqueue(assistant.store, assistant.clock()) >= 1  # (24 h ago too, if far)
    web.open()
    assert REMINDER in web.text  # the reminder of the time it has now
    office_moves_or_cancels(assistant, move=False)
    web.open()
    assert REMINDER not in web.text and web.buttons()


def test_a_failing_housekeeping_round_is_logged_with_its_traceback(
    door: WebDoor, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Check that when the web door runs alone and its retention round fails, the operator gets
    the traceback (through the redacting formatter: frames, not the message) and the door goes on
    serving."""
    from bot.logs import RedactingFormatter

    written = "Sentinel" + "first"  # what a client wrote, never in a line of code

    async def failing_round(assistant: Assistant) -> None:
        raise RuntimeError(f"a message quoting {written}")

    monkeypatch.setattr(retention, "run", failing_round)
    with caplog.at_level(logging.ERROR), TestClient(build_app(door, housekeeping=True)) as client:
        assert client.get("/").status_code == 200
        for _ in range(200):  # the first round runs as the door starts
            if caplog.records:
                break
            time.sleep(0.01)
    [failed] = caplog.records
    assert failed.exc_info is not None and failed.exc_info[0] is RuntimeError
    failed.exc_text = None  # as caplog's own formatter left it
    shown = RedactingFormatter().format(failed)
    assert "in failing_round" in shown and "RuntimeError (message withheld)" in shown
    assert written not in shown
