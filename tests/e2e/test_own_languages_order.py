"""The languages an office counsels in without an interpreter keep the office file's order: the
prompt names them in that order, and a client who wants no interpreter is counselled in the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.demo import seed_demo_office
from storage.crypto import Keyring
from storage.db import Database
from storage.tables import appointments
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory
from tests.e2e.test_own_languages import office_settings

TURKISH_FIRST = """
[office]
name = "Coming Home – Büro für Rückkehrhilfen"
languages_without_interpreter = ["tr", "de"]
"""


@pytest.fixture
def settings(database: Database, keyring: Keyring, tmp_path: Path) -> Settings:
    """The Munich office, but one that counsels in Turkish first, then German, without one."""
    return office_settings(database, keyring, tmp_path, TURKISH_FIRST)


async def test_the_prompt_names_the_languages_in_the_office_files_order_and_books_the_first(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that an English-speaking client is told that without an interpreter the office
    counsels in Turkish and German, in that order, and that declining one books Turkish."""
    seed_demo_office(telegram.assistant.db, "muenchen")
    for update in (user.message("/start"), user.press("lang:en"), user.press("privacy:accept")):
        await telegram.send(update)
    telegram.take_calls()
    await telegram.send(user.press("m:book"))
    [asked] = telegram.api.sent_texts()
    assert "Without one, the office counsels in Turkish and German." in asked
    await telegram.send(user.press("b:int:none"))
    first = telegram.api.offered_slots()[0]
    await telegram.send(user.press(first))
    await telegram.send(user.press("b:ok"))
    with telegram.assistant.db.transaction() as tx:
        booked = tx.execute(
            select(appointments.c.language, appointments.c.interpreter_status)
        ).one()
    assert tuple(booked) == ("tr", "none")
