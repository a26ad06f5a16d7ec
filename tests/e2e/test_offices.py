"""Two offices in one installation, end to end through python-telegram-bot: each client at their
office (notice, contact, slots, calendar file), each office's staff told only of their own cases."""

from __future__ import annotations

import shutil
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import ROOT, Office, Settings, Smtp
from bot.demo import seed_demo_office
from bot.service import delivery
from bot.support_file import SupportFile
from storage.crypto import Keyring
from storage.db import Database
from storage.tables import appointments, conversations
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory
from tests.e2e.staff_fixtures import Mailbox

MUNICH_CHAT, AUGSBURG_CHAT = -1007770001, -1007770002
AUGSBURG_STAFF = 4400000002
AUGSBURG = Office(
    id="augsburg",
    name="Rückkehrberatung Augsburg",
    organisation="Stadt Augsburg",
    address=("Beispielweg 2", "86150 Augsburg"),
    short_name="Augsburg",
    districts=("Augsburg", "Aichach-Friedberg"),
    postcodes=((86150, 86199),),
    staff_chat_ids=(AUGSBURG_CHAT,),
    staff_user_ids=(AUGSBURG_STAFF,),
    mailbox="augsburg@example.org",
)


@pytest.fixture
def settings(database: Database, keyring: Keyring, tmp_path: Path, mailbox: Mailbox) -> Settings:
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales" / "de", locales / "de")
    shutil.copy(ROOT / "locales" / "languages.toml", locales / "languages.toml")
    munich = Office(postcodes=((80331, 81929),), staff_chat_ids=(MUNICH_CHAT,))
    return Settings(
        database_url=database.url.render_as_string(hide_password=False),
        keyring=keyring,
        locales_dir=locales,
        offices=(munich, AUGSBURG),
        smtp=Smtp(
            host="127.0.0.1",
            port=mailbox.port,
            to="rueckkehr@example.org",
            sender="bot@example.org",
            cafile=str(mailbox.cafile),
        ),
    )


def client(number: int) -> UpdateFactory:
    factory = UpdateFactory(user_id=7300000001000 + number, first=f"Client{number}")
    factory.next_id = 1000 * number
    return factory


def texts_to(telegram: Harness, chat_id: int) -> list[str]:
    return [
        p["text"] for m, p in telegram.api.calls if m == "sendMessage" and p["chat_id"] == chat_id
    ]


async def begin(telegram: Harness, user: UpdateFactory, office_answer: dict[str, Any]) -> None:
    """/start, German, the office answer (button, postcode or place): what it answers stays."""
    await telegram.send(user.message("/start"))
    await telegram.send(user.press("lang:de"))
    telegram.take_calls()
    await telegram.send(office_answer)


async def book(telegram: Harness, user: UpdateFactory) -> str:
    """From the privacy notice to a booked appointment; returns the case code."""
    await telegram.send(user.press("privacy:accept"))
    await telegram.send(user.press("m:book"))
    await telegram.send(user.press("b:int:none"))
    offered = telegram.api.offered_slots(user.user["id"])
    await telegram.send(user.press(offered[-1]))
    await telegram.send(user.press("b:ok"))
    with telegram.assistant.db.transaction() as tx:
        return str(
            tx.execute(select(appointments.c.case_code).order_by(appointments.c.id.desc()))
            .scalars()
            .first()
        )


async def test_each_client_is_served_by_their_office_and_each_staff_told_of_their_own(
    telegram: Harness, mailbox: Mailbox
) -> None:
    """Check routing by postcode and by button, per-office notice, slots, calendar, staff and mail."""
    seed_demo_office(telegram.assistant.db, "muenchen", "c1")
    seed_demo_office(telegram.assistant.db, "augsburg", "c2")
    munich_client, augsburg_client = client(1), client(2)

    await telegram.send(munich_client.message("/start"))
    await telegram.send(munich_client.press("lang:de"))
    [question] = texts_to(telegram, munich_client.user["id"])[-1:]
    assert "Rückkehrberatung Augsburg" in question and "Aichach-Friedberg" in question
    telegram.take_calls()
    await telegram.send(munich_client.message("Meine Postleitzahl ist 81541"))
    notice = " ".join(texts_to(telegram, munich_client.user["id"]))
    assert "Coming Home" in notice and "Augsburg" not in notice
    munich_code = await book(telegram, munich_client)

    await begin(telegram, augsburg_client, augsburg_client.press("office:augsburg"))
    notice = " ".join(texts_to(telegram, augsburg_client.user["id"]))
    assert "Rückkehrberatung Augsburg" in notice and "Coming Home" not in notice
    augsburg_code = await book(telegram, augsburg_client)
    [(calendar_name, calendar)] = [
        (p["document"]["filename"], p["document"]["content"])
        for m, p in telegram.api.calls
        if m == "sendDocument"
    ]
    assert b"Beispielweg 2" in calendar and calendar_name.endswith(".ics")

    with telegram.assistant.db.transaction() as tx:
        booked = dict(tx.execute(select(appointments.c.case_code, appointments.c.office_id)).all())
        kept = set(tx.execute(select(conversations.c.office_id)).scalars())
    assert booked == {munich_code: "muenchen", augsburg_code: "augsburg"}
    assert kept == {"muenchen", "augsburg"}

    await delivery.flush(telegram.assistant, telegram.door.sender(telegram.application.bot))
    to_munich, to_augsburg = texts_to(telegram, MUNICH_CHAT), texts_to(telegram, AUGSBURG_CHAT)
    assert len(to_munich) == len(to_augsburg) == 1
    assert munich_code in to_munich[0] and augsburg_code not in to_munich[0]
    assert augsburg_code in to_augsburg[0] and munich_code not in to_augsburg[0]
    mailed = {m["To"]: m.get_payload(decode=True).decode() for m in mailbox.received}
    assert augsburg_code in mailed["augsburg@example.org"]
    assert munich_code in mailed["rueckkehr@example.org"]
    assert augsburg_code not in mailed["rueckkehr@example.org"]
    subjects = {str(make_header(decode_header(m["Subject"]))) for m in mailbox.received}
    assert {subject.split(":")[0] for subject in subjects} == {"München", "Augsburg"}


async def test_staff_see_and_change_only_their_own_office_s_cases(telegram: Harness) -> None:
    """Check that Augsburg's staff find their case, and Munich's case is unknown to them."""
    seed_demo_office(telegram.assistant.db, "muenchen", "c1")
    seed_demo_office(telegram.assistant.db, "augsburg", "c2")
    munich_client, augsburg_client = client(1), client(2)
    await begin(telegram, munich_client, munich_client.message("80331"))
    munich_code = await book(telegram, munich_client)
    await begin(telegram, augsburg_client, augsburg_client.message("Augsburg"))
    augsburg_code = await book(telegram, augsburg_client)
    staffer = UpdateFactory(user_id=AUGSBURG_STAFF, first="Staff")
    staffer.next_id = 9000
    telegram.take_calls()

    def in_chat(update: dict[str, Any]) -> dict[str, Any]:
        update["message"]["chat"] = {"id": AUGSBURG_CHAT, "type": "supergroup", "title": "A"}
        return update

    await telegram.send(in_chat(staffer.message(f"/case {augsburg_code}")))
    await telegram.send(in_chat(staffer.message(f"/cancel {munich_code} Versehen")))
    found, refused = texts_to(telegram, AUGSBURG_CHAT)
    assert augsburg_code in found and refused == "Kein Fall mit diesem Fallcode."
    with telegram.assistant.db.transaction() as tx:
        statuses = dict(tx.execute(select(appointments.c.case_code, appointments.c.status)).all())
        start = tx.execute(
            select(appointments.c.starts_at).where(appointments.c.case_code == augsburg_code)
        ).scalar_one()
    assert statuses == {munich_code: "booked", augsburg_code: "booked"}
    day = (start + timedelta(hours=1)).date().isoformat()
    telegram.take_calls()
    await telegram.send(in_chat(staffer.message(f"/agenda {day}")))
    [agenda] = texts_to(telegram, AUGSBURG_CHAT)
    assert augsburg_code in agenda and munich_code not in agenda


async def test_an_office_with_its_own_catalogue_shows_only_its_own_programmes(
    telegram: Harness, tmp_path: Path
) -> None:
    """Check that Munich's own business grant is not offered to a client of an office without it."""
    text = (ROOT / "support.toml").read_text(encoding="utf-8")
    start = text.index("[programmes.coming_home_business]")
    own = tmp_path / "support-augsburg.toml"
    own.write_text(text[:start] + text[text.index("# --- Bavarian return") :], encoding="utf-8")
    offices = telegram.assistant.settings.offices
    telegram.assistant.office_support = {"augsburg": SupportFile(own)}
    assert len(offices) == 2
    estimates = {}
    for number, answer in ((1, "office:muenchen"), (2, "office:augsburg")):
        person = client(number)
        await begin(telegram, person, person.press(answer))
        await telegram.send(person.press("privacy:accept"))
        await telegram.send(person.press("m:intake"))
        await telegram.send(person.message("Irak"))
        for value in ("adults:1", "minors:0", "situation:skip", "stay:one_year_or_more"):
            await telegram.send(person.press(f"a:{value}"))
        await telegram.send(person.press("a:interests:done"))
        telegram.take_calls()
        await telegram.send(person.press("sum:ok"))
        estimates[answer] = " ".join(texts_to(telegram, person.user["id"]))
    assert "3.000" in estimates["office:muenchen"]
    assert (
        "3.000" not in estimates["office:augsburg"]
        and "Reisebeihilfe" in estimates["office:augsburg"]
    )
