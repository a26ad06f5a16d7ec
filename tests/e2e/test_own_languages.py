"""The languages an office counsels in without an interpreter come from its office file alone:
an office that sets them differently gets prompts and slots that agree, end to end."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import ROOT, Settings, load_offices
from bot.demo import seed_demo_office
from storage.crypto import Keyring
from storage.db import Database
from storage.tables import appointments
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory

ENGLISH_ONLY = """
[office]
name = "Coming Home – Büro für Rückkehrhilfen"
languages_without_interpreter = ["en"]
"""


def office_settings(database: Database, keyring: Keyring, tmp_path: Path, office: str) -> Settings:
    """Settings for the Munich office as `office` (an office file's text) describes it, with the
    German catalog and the language list."""
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales" / "de", locales / "de")
    shutil.copy(ROOT / "locales" / "languages.toml", locales / "languages.toml")
    office_file = tmp_path / "office.toml"
    office_file.write_text(office, encoding="utf-8")
    return Settings(
        database_url=database.url.render_as_string(hide_password=False),
        keyring=keyring,
        locales_dir=locales,
        offices=load_offices(office_file, locales),
    )


@pytest.fixture
def settings(database: Database, keyring: Keyring, tmp_path: Path) -> Settings:
    """The Munich office, but one that counsels without an interpreter in English only."""
    return office_settings(database, keyring, tmp_path, ENGLISH_ONLY)


def buttons(telegram: Harness) -> list[str]:
    return [
        button["callback_data"]
        for method, params in telegram.api.calls
        if method == "sendMessage"
        for row in params.get("reply_markup", {}).get("inline_keyboard", [])
        for button in row
    ]


async def start_booking(telegram: Harness, user: UpdateFactory) -> None:
    seed_demo_office(telegram.assistant.db, "muenchen")
    for update in (user.message("/start"), user.press("lang:de"), user.press("privacy:accept")):
        await telegram.send(update)
    telegram.take_calls()
    await telegram.send(user.press("m:book"))


async def test_the_prompt_names_the_configured_language_and_offers_german_an_interpreter(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that a German-speaking client of an office that counsels only English without an
    interpreter is asked about an interpreter for German, and told that without one the
    counselling is in English."""
    await start_booking(telegram, user)
    assert buttons(telegram)[:2] == ["b:int:de", "b:int:none"]
    [asked] = telegram.api.sent_texts()
    assert "Ohne Dolmetscher berät das Büro auf Englisch" in asked


async def test_slots_without_an_interpreter_are_in_the_configured_language(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that declining the interpreter offers slots and books them in English, with no
    interpreter, as the prompt said."""
    await start_booking(telegram, user)
    await telegram.send(user.press("b:int:none"))
    first = telegram.api.offered_slots()[0]
    await telegram.send(user.press(first))
    await telegram.send(user.press("b:ok"))
    with telegram.assistant.db.transaction() as tx:
        booked = tx.execute(
            select(appointments.c.language, appointments.c.interpreter_status)
        ).one()
    assert tuple(booked) == ("en", "none")


async def test_german_now_needs_an_interpreter_for_its_slots_too(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that asking for German counselling looks for a German interpreter: the demo roster
    has none, so no slot is offered and the waiting list is, as for any other language."""
    await start_booking(telegram, user)
    telegram.take_calls()
    await telegram.send(user.press("b:int:de"))
    assert telegram.api.offered_slots() == []
    assert "b:wait" in buttons(telegram)
    assert any("kein Termin für eine Beratung auf Deutsch" in t for t in telegram.api.sent_texts())


def test_the_office_file_is_the_only_source(settings: Settings, database: Database) -> None:
    """Check that the roster is given the office file's languages at start, replacing what an
    earlier start with another office file stored."""
    from bot.assistant import Assistant
    from storage.roster import OfficeRoster
    from storage.roster_view import read_roster

    OfficeRoster(database).set_languages_without_interpreter(["de", "en"])  # an earlier start
    assistant = Assistant.build(settings, migrate=False)
    with database.transaction() as tx:
        assert read_roster(tx, "muenchen").languages_without_interpreter == ("en",)
    assistant.db.dispose()
    default = dataclasses.replace(
        settings,
        offices=(dataclasses.replace(settings.office, languages_without_interpreter=("de", "en")),),
    )
    Assistant.build(default, migrate=False).db.dispose()
    with database.transaction() as tx:
        assert read_roster(tx, "muenchen").languages_without_interpreter == ("de", "en")
