"""The real python-telegram-bot Application, wired as in production, over an offline Bot API."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.app import build_application, process_batch
from bot.assistant import Assistant
from bot.config import ROOT, Settings
from storage.crypto import Keyring
from storage.db import Database
from tests.e2e.fake_telegram import FakeBotAPI, UpdateFactory
from tests.e2e.staff_fixtures import Mailbox, run_mail_server


class Harness:
    def __init__(self, application: Any, door: Any, api: FakeBotAPI, assistant: Assistant) -> None:
        self.application, self.door, self.api, self.assistant = application, door, api, assistant

    async def send(self, *updates: dict[str, Any]) -> set[int]:
        """Feed updates as the polling loop would (one batch), then wait for the replies that
        the door sends in the background; the ids of updates whose step failed."""
        failed = await process_batch(
            self.door, [Update.de_json(u, self.application.bot) for u in updates]
        )
        await self.door.queues.drain()
        return failed

    def take_calls(self) -> list[tuple[str, dict[str, Any]]]:
        calls, self.api.calls = self.api.calls, []
        return calls


@pytest.fixture
def settings(database: Database, keyring: Keyring, tmp_path: Path) -> Settings:
    """German and English only, so that the golden transcripts do not change with each new language."""
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales" / "de", locales / "de")
    shutil.copy(ROOT / "locales" / "languages.toml", locales / "languages.toml")
    return Settings(
        database_url=database.url.render_as_string(hide_password=False),
        keyring=keyring,
        locales_dir=locales,
    )


@pytest.fixture
async def telegram(assistant: Assistant) -> AsyncIterator[Harness]:
    assistant.settings = dataclasses.replace(assistant.settings, telegram_token="123456:TEST-TOKEN")
    api = FakeBotAPI()
    application, door = build_application(assistant, request=api)
    async with application:
        yield Harness(application, door, api, assistant)


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[Mailbox]:
    yield from run_mail_server(tmp_path)


@pytest.fixture
def user() -> UpdateFactory:
    return UpdateFactory()
