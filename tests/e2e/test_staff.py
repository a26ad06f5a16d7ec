"""The office's side end to end: summaries to the staff chat and mailbox, staff commands, counts."""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import ROOT, Office, Settings, Smtp
from bot.demo import seed_demo_office
from bot.service import agenda, delivery, waiting_list
from storage.crypto import Keyring
from storage.db import Database
from storage.tables import appointments, audit_log
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory
from tests.e2e.staff_fixtures import Mailbox
from tests.e2e.test_booking import german_time
from tests.e2e.test_telegram import GOLDEN, database_dump, golden_text

STAFF_USER, STAFF_CHAT = 4400000001, -1007770001
SENTINELS = ("7300000001337", "Sentinelfirst", "Sentinellast", "sentinel_username")


@pytest.fixture
def settings(database: Database, keyring: Keyring, tmp_path: Path, mailbox: Mailbox) -> Settings:
    locales = tmp_path / "locales"
    for code in ("de", "ar"):
        shutil.copytree(ROOT / "locales" / code, locales / code)
    shutil.copy(ROOT / "locales" / "languages.toml", locales / "languages.toml")
    smtp = Smtp(
        host="127.0.0.1",
        port=mailbox.port,
        to="rueckkehr@example.org",
        sender="bot@example.org",
        cafile=str(mailbox.cafile),
    )
    office = Office(staff_chat_ids=(STAFF_CHAT,), staff_user_ids=(STAFF_USER,))
    return Settings(
        database_url=database.url.render_as_string(hide_password=False),
        keyring=keyring,
        locales_dir=locales,
        offices=(office,),
        smtp=smtp,
    )


@pytest.fixture
def staffer() -> UpdateFactory:
    factory = UpdateFactory(user_id=STAFF_USER, first="Staffer", last="Office", username="staffer")
    factory.next_id = 5000
    return factory


def in_staff_chat(update: dict[str, Any]) -> dict[str, Any]:
    update["message"]["chat"] = {
        "id": STAFF_CHAT,
        "type": "supergroup",
        "title": "Rückkehrberatung",
    }
    return update


async def book(telegram: Harness, user: UpdateFactory, locale: str = "de") -> str:
    seed_demo_office(telegram.assistant.db, "muenchen")
    for update in (
        user.message("/start"),
        user.press(f"lang:{locale}"),
        user.press("privacy:accept"),
        user.press("m:intake"),
        user.message("Irak"),
        user.press("a:adults:2"),
        user.press("a:minors:1"),
        user.press("a:situation:tolerated"),
        user.press("a:stay:one_year_or_more"),
        user.press("a:interests:medical"),
        user.press("a:interests:done"),
        user.message("Bitte vormittags"),
        user.press("sum:book"),
        user.press("b:int:none"),
    ):
        await telegram.send(update)
    offered = telegram.api.offered_slots()
    await telegram.send(user.press(offered[0]))
    await telegram.send(user.press("b:ok"))
    with telegram.assistant.db.transaction() as tx:
        return str(tx.execute(select(appointments.c.case_code)).scalar_one())


async def flush(telegram: Harness) -> None:
    await delivery.flush(telegram.assistant, telegram.door.sender(telegram.application.bot))


def to_staff(telegram: Harness) -> list[str]:
    return [
        p["text"]
        for m, p in telegram.api.calls
        if m == "sendMessage" and p["chat_id"] == STAFF_CHAT
    ]


async def test_a_booking_reaches_the_staff_chat_and_mailbox_in_german(
    telegram: Harness, user: UpdateFactory, mailbox: Mailbox
) -> None:
    """Check that a booking gives a German summary (golden file) in the staff chat and by e-mail."""
    code = await book(telegram, user)
    await flush(telegram)
    [summary] = to_staff(telegram)
    normalised = summary.replace(code, "CASECODE")
    golden = golden_text(GOLDEN / "staff_summary_de.txt", normalised + "\n")
    assert normalised + "\n" == golden
    [mail] = mailbox.received
    body = mail.get_payload(decode=True).decode()
    assert mail["To"] == "rueckkehr@example.org" and "Neuer Termin" in mail["Subject"]
    assert code in body and "Irak" in body and "Bitte vormittags" in body
    for sentinel in SENTINELS:
        assert sentinel not in summary and sentinel not in body


async def test_a_move_tells_staff_the_old_and_the_new_time(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that when a client moves the appointment, the staff summary names the time it had
    before and the time it has now (German, Berlin time), so nobody keeps the old one."""
    code = await book(telegram, user)
    [(old,)] = starts(telegram)
    for value in ("m:appt", "b:move"):
        await telegram.send(user.press(value))
    later = telegram.api.offered_slots()[-1]
    await telegram.send(user.press(later))
    await flush(telegram)
    telegram.take_calls()
    await telegram.send(user.press("b:ok"))
    await flush(telegram)
    [(new,)] = starts(telegram)
    [summary] = to_staff(telegram)
    assert summary.startswith("<b>Termin verschoben</b>") and code in summary
    assert f"Vorher: {german_time(old)}\nJetzt: {german_time(new)}\n" in summary


def starts(telegram: Harness) -> list[tuple[datetime]]:
    with telegram.assistant.db.transaction() as tx:
        rows = tx.execute(select(appointments.c.starts_at)).all()
    return [(start.replace(tzinfo=UTC),) for (start,) in rows]


async def test_staff_see_the_agenda_and_record_outcomes(
    telegram: Harness, user: UpdateFactory, staffer: UpdateFactory
) -> None:
    """Check that /agenda lists the case, /held records it, and each action is in the audit log."""
    code = await book(telegram, user)
    with telegram.assistant.db.transaction() as tx:
        start = tx.execute(select(appointments.c.starts_at)).scalar_one()
    telegram.take_calls()
    day = (start + timedelta(hours=1)).date().isoformat()
    await telegram.send(in_staff_chat(staffer.message(f"/agenda {day}")))
    await telegram.send(in_staff_chat(staffer.message(f"/held {code.lower()}")))
    texts = to_staff(telegram)
    assert code in texts[0] and "ohne Dolmetscher" in texts[0]
    assert texts[1] == f"Fall <code>{code}</code>: als stattgefunden vermerkt."
    with telegram.assistant.db.transaction() as tx:
        status = tx.execute(select(appointments.c.status)).scalar_one()
        audit = tx.execute(
            select(audit_log.c.action, audit_log.c.case_code, audit_log.c.staff_key)
        ).all()
    assert status == "held"
    assert [(a, c) for a, c, _ in audit] == [("held", code)]
    assert str(STAFF_USER) not in audit[0][2]


async def test_a_cancellation_by_staff_reaches_the_client_in_their_language(
    telegram: Harness, user: UpdateFactory, staffer: UpdateFactory
) -> None:
    """Check that /cancel CODE reason cancels and tells the client, in Arabic, with the staff's
    own words after an Arabic line saying they are the office's message in German."""
    code = await book(telegram, user, "ar")
    telegram.take_calls()
    await telegram.send(in_staff_chat(staffer.message(f"/cancel {code} Die Beraterin ist krank")))
    await flush(telegram)
    to_client = [
        p["text"]
        for m, p in telegram.api.calls
        if m == "sendMessage" and p["chat_id"] == 7300000001337
    ]
    assert (
        len(to_client) == 1 and code in to_client[0] and "Die Beraterin ist krank" in to_client[0]
    )
    assert re.search("[\u0600-\u06ff]", to_client[0])  # written in Arabic
    assert "رسالة من المكتب (بالألمانية): \u2068Die Beraterin ist krank\u2069" in to_client[0]
    with telegram.assistant.db.transaction() as tx:
        assert tx.execute(select(appointments.c.status)).scalar_one() == "cancelled"


async def test_a_preset_cancellation_reason_reaches_the_client_translated(
    telegram: Harness, user: UpdateFactory, staffer: UpdateFactory
) -> None:
    """Check that staff can cancel with a preset reason by button, and that the Arabic client
    reads the reason in Arabic, with no German in the message."""
    code = await book(telegram, user, "ar")
    telegram.take_calls()
    await telegram.send(staffer.press(f"s:cancel:{code}"))
    how = [p for m, p in telegram.api.calls if m == "sendMessage"][-1]
    buttons = [b for row in how["reply_markup"]["inline_keyboard"] for b in row]
    assert {b["callback_data"] for b in buttons} == {
        f"s:cx:{code}:{key}" for key in ("ill", "interpreter", "closed", "urgent")
    }
    assert "Beratung erkrankt" in {b["text"] for b in buttons}  # staff read German labels
    telegram.take_calls()
    await telegram.send(staffer.press(f"s:cx:{code}:ill"))
    await flush(telegram)
    to_client = [
        p["text"]
        for m, p in telegram.api.calls
        if m == "sendMessage" and p["chat_id"] == 7300000001337
    ]
    assert len(to_client) == 1 and "المستشار أو المستشارة مريض." in to_client[0]
    assert "Beratung" not in to_client[0] and "بالألمانية" not in to_client[0]
    with telegram.assistant.db.transaction() as tx:
        assert tx.execute(select(appointments.c.status)).scalar_one() == "cancelled"


async def test_staff_commands_from_anyone_else_reveal_nothing(
    telegram: Harness, user: UpdateFactory, staffer: UpdateFactory
) -> None:
    """Check that a non-staff /agenda reads like any unknown command, and staff buttons do nothing."""
    code = await book(telegram, user)
    telegram.take_calls()
    await telegram.send(user.message("/agenda"))
    agenda_answer = telegram.api.sent_texts()
    telegram.take_calls()
    await telegram.send(user.message("/frobnicate"))
    assert agenda_answer == telegram.api.sent_texts()
    telegram.take_calls()
    await telegram.send(user.press(f"s:held:{code}"))
    await telegram.send(
        staffer.message(
            f"/case {code}",
            forward_origin={
                "type": "hidden_user",
                "date": 1764000000,
                "sender_user_name": "someone",
            },
        )
    )
    everything = " ".join(telegram.api.sent_texts())
    assert code not in everything and to_staff(telegram) == []
    with telegram.assistant.db.transaction() as tx:
        assert tx.execute(select(appointments.c.status)).scalar_one() == "booked"


async def test_messages_go_only_to_the_client_and_the_staff_destinations(
    telegram: Harness, user: UpdateFactory, staffer: UpdateFactory, mailbox: Mailbox
) -> None:
    """Check that every outgoing message of a whole journey goes to the client or the staff chat."""
    code = await book(telegram, user)
    await telegram.send(in_staff_chat(staffer.message(f"/case {code}")))
    await telegram.send(user.press("m:appt"))
    await telegram.send(user.press("b:cancel"))
    await telegram.send(user.press("b:cancel:yes"))
    await flush(telegram)
    recipients = {p["chat_id"] for m, p in telegram.api.calls if "chat_id" in p}
    assert recipients == {7300000001337, STAFF_CHAT}
    assert {m["To"] for m in mailbox.received} == {"rueckkehr@example.org"}


async def test_a_failing_mail_server_loses_nothing_and_blocks_no_one(
    telegram: Harness, user: UpdateFactory, mailbox: Mailbox
) -> None:
    """Check that with the mail server down the client is answered and the summary waits."""
    telegram.assistant.settings = __import__("dataclasses").replace(
        telegram.assistant.settings,
        smtp=__import__("dataclasses").replace(telegram.assistant.settings.smtp, port=1),
    )  # nothing listens there
    code = await book(telegram, user)
    await flush(telegram)
    assert any(code in text for text in telegram.api.sent_texts())  # the client has the booking
    assert mailbox.received == [] and telegram.assistant.store.outbox.backlog() == 1
    telegram.assistant.settings = __import__("dataclasses").replace(
        telegram.assistant.settings,
        smtp=__import__("dataclasses").replace(telegram.assistant.settings.smtp, port=mailbox.port),
    )
    telegram.assistant.clock.now += timedelta(minutes=1)  # type: ignore[attr-defined]
    await flush(telegram)
    assert len(mailbox.received) == 1 and telegram.assistant.store.outbox.backlog() == 0


async def test_delete_withdraws_the_summary_still_waiting_for_the_mail_server(
    telegram: Harness, user: UpdateFactory, mailbox: Mailbox
) -> None:
    """Check that after booking with a note while mail is down, /delete leaves only the notice
    "Daten gelöscht" for the mailbox: the answers and the note never arrive."""
    assistant = telegram.assistant
    working = assistant.settings
    assistant.settings = dataclasses.replace(
        working, smtp=dataclasses.replace(working.smtp, port=1)
    )
    code = await book(telegram, user)
    await flush(telegram)
    assert mailbox.received == [] and assistant.store.outbox.backlog() == 1
    await telegram.send(user.message("/delete"))
    await telegram.send(user.press("del:yes"))
    assistant.settings = working  # the mail server is back
    assistant.clock.now += timedelta(minutes=1)  # type: ignore[attr-defined]
    await flush(telegram)
    [mail] = mailbox.received
    body = mail.get_payload(decode=True).decode() if not mail.is_multipart() else mail.as_string()
    assert code in body and "Daten gelöscht" in body
    assert "vormittags" not in mail.as_string() and "Irak" not in body
    assert assistant.store.outbox.backlog() == 0


async def test_statistics_survive_the_deletion_of_the_case(
    telegram: Harness, user: UpdateFactory, staffer: UpdateFactory
) -> None:
    """Check that held, persons and departures still count after the client deleted everything."""
    code = await book(telegram, user)
    await telegram.send(in_staff_chat(staffer.message(f"/held {code}")))
    await telegram.send(in_staff_chat(staffer.message(f"/departed {code} IQ")))
    await telegram.send(user.message("/delete"))
    await telegram.send(user.press("del:yes"))
    telegram.take_calls()
    await telegram.send(in_staff_chat(staffer.message("/stats 2026-01-01 2026-12-31")))
    [stats] = to_staff(telegram)
    assert "1 Ausreise in 1 Länder nach 1 Beratungen für 3 Personen." in stats
    assert "Irak: 1" in stats
    assert "Sentinel" not in database_dump(telegram)


async def test_a_client_who_deletes_everything_is_reported_without_details(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that /delete tells staff the case was cancelled by the client, with no intake details."""
    code = await book(telegram, user)
    await flush(telegram)
    telegram.take_calls()
    await telegram.send(user.message("/delete"))
    await telegram.send(user.press("del:yes"))
    await flush(telegram)
    [told] = to_staff(telegram)
    assert "Daten gelöscht" in told and code in told
    assert "Irak" not in told and "vormittags" not in told


async def test_the_waiting_list_tells_the_first_in_line_when_a_time_frees_up(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that with no interpreter the client can wait, and is told once one becomes available.

    (Here, where Arabic is shipped: the interpreter's language is one of the chat languages.)"""
    from datetime import time

    from flows.schedule import WeeklyHours
    from storage.roster import OfficeRoster

    roster = OfficeRoster(telegram.assistant.db, "muenchen")
    roster.set_hours("c1", range(5), [(time(9), time(12))])
    for update in (
        user.message("/start"),
        user.press("lang:de"),
        user.press("privacy:accept"),
        user.press("m:intake"),
        user.press("sum:ok"),
    ):
        await telegram.send(update)
    for slot in ("country", "adults", "minors", "situation", "stay", "interests"):
        await telegram.send(user.press(f"a:{slot}:skip"))
    await telegram.send(
        user.press("sum:book"),
        user.press("b:int:ar"),
    )
    assert "b:wait" in str(telegram.api.calls[-1][1]["reply_markup"])
    await telegram.send(user.press("b:wait"))
    telegram.take_calls()
    send = telegram.door.sender(telegram.application.bot)
    assert (
        await waiting_list.run(telegram.assistant, send) == 0
    )  # still no interpreter: nothing to tell
    roster.add_interpreter(
        "Dolmetscher Arabisch", ["ar"], [WeeklyHours(d, time(9), time(12)) for d in range(5)]
    )
    assert await waiting_list.run(telegram.assistant, send) == 1
    assert await waiting_list.run(telegram.assistant, send) == 0  # told once
    [news] = telegram.api.sent_texts()
    assert news.startswith("Gute Nachricht") and "Arabisch" in news


async def test_the_daily_agenda_arrives_once_on_working_days_after_half_past_seven(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that the agenda goes to the staff chat once a working day, not before 07:30 Berlin."""
    from datetime import datetime

    code = await book(telegram, user)
    with telegram.assistant.db.transaction() as tx:
        start = tx.execute(select(appointments.c.starts_at)).scalar_one()
    send = telegram.door.sender(telegram.application.bot)
    clock = telegram.assistant.clock
    day = start.date()
    telegram.take_calls()
    clock.now = datetime(day.year, day.month, day.day, 6, 0)  # type: ignore[attr-defined]  # 07:00 Berlin
    assert not await agenda.run(telegram.assistant, send)
    clock.now = datetime(day.year, day.month, day.day, 6, 31)  # type: ignore[attr-defined]
    assert await agenda.run(telegram.assistant, send)
    assert not await agenda.run(telegram.assistant, send)  # once a day, however often it is asked
    [listed] = [text for text in to_staff(telegram) if text.startswith("<b>Termine am")]
    assert code in listed
    clock.now = datetime(2026, 12, 26, 9, 0)  # type: ignore[attr-defined]  # a Saturday and holiday
    assert not await agenda.run(telegram.assistant, send)


async def test_staff_see_interpreters_free_times_and_confirm_requests(
    telegram: Harness, user: UpdateFactory, staffer: UpdateFactory
) -> None:
    """Check /interpreters, /slots and confirming a requested interpreter from the summary button."""
    seed_demo_office(telegram.assistant.db, "muenchen")
    await telegram.send(
        in_staff_chat(staffer.message("/interpreters")), in_staff_chat(staffer.message("/slots"))
    )
    roster_text, slots_text = to_staff(telegram)
    assert "Dolmetscher Arabisch/Kurdisch (Demo): ar, ckb, ku" in roster_text
    assert slots_text.count("2026") >= 5
    from storage.roster import OfficeRoster

    OfficeRoster(telegram.assistant.db, "muenchen").set_on_request("ar")
    for update in (
        user.message("/start"),
        user.press("lang:ar"),
        user.press("privacy:accept"),
        user.press("m:book"),
        user.press("b:int:ar"),
    ):
        await telegram.send(update)
    offered = telegram.api.offered_slots()
    await telegram.send(user.press(offered[0]), user.press("b:ok"))
    await flush(telegram)
    summary = [
        p for m, p in telegram.api.calls if m == "sendMessage" and p["chat_id"] == STAFF_CHAT
    ][-1]
    buttons = [
        b["callback_data"] for row in summary["reply_markup"]["inline_keyboard"] for b in row
    ]
    confirm = next(b for b in buttons if b.startswith("s:confirm:"))
    telegram.take_calls()
    await telegram.send(staffer.press(confirm))
    with telegram.assistant.db.transaction() as tx:
        assert tx.execute(select(appointments.c.interpreter_status)).scalar_one() == "confirmed"
