"""The scripted client journey both benchmarks walk, and how our stack is built for them.

One journey is 13 updates: /start, language, privacy, the intake with a typed country and a typed
note, the summary confirmed, back at the menu (the same steps as the golden e2e transcript).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from telegram import Update

from bot.app import build_application, process_batch
from bot.assistant import Assistant
from bot.config import ROOT, Settings
from bot.demo import seed_demo_office
from storage.crypto import Keyring
from storage.db import Database
from storage.tables import conversations
from tests.e2e.fake_telegram import FakeBotAPI, UpdateFactory

TOKEN = "123456:BENCHMARK-TOKEN"
CLIENT_IDS = 7_300_000_000_000  # the simulated clients' Telegram ids start here
IDS_PER_CLIENT = 100  # update, message and callback ids one journey may use

# (name of the step's answer, how the client acts): the name keys the baseline's prompts.
JOURNEY: tuple[tuple[str, Callable[[UpdateFactory], dict[str, Any]]], ...] = (
    ("language", lambda u: u.message("/start")),
    ("privacy", lambda u: u.press("lang:de")),
    ("menu", lambda u: u.press("privacy:accept")),
    ("country", lambda u: u.press("m:intake")),
    ("adults", lambda u: u.message("Irak")),
    ("minors", lambda u: u.press("a:adults:2")),
    ("situation", lambda u: u.message("1")),
    ("stay", lambda u: u.press("a:situation:obliged")),
    ("interests", lambda u: u.press("a:stay:one_year_or_more")),
    ("interests_toggled", lambda u: u.press("a:interests:business")),
    ("note", lambda u: u.press("a:interests:done")),
    ("summary", lambda u: u.message("Wir brauchen einen Termin am Vormittag.")),
    ("confirmed", lambda u: u.press("sum:ok")),
)
MESSAGE_METHODS = ("sendMessage", "editMessageText", "sendDocument")


def journey_updates(client: int) -> list[dict[str, Any]]:
    """The 13 update dicts of client number `client` (ids unique across the whole run)."""
    factory = UpdateFactory(user_id=CLIENT_IDS + client, language_code="de")
    factory.next_id = 10_000_000 + client * IDS_PER_CLIENT
    return [act(factory) for _name, act in JOURNEY]


class OfflineBotAPI(FakeBotAPI):
    """The e2e tests' offline Bot API: answers at once; counts calls, records them only if asked."""

    def __init__(self, keep: bool = False) -> None:
        super().__init__()
        self.keep = keep
        self.count = 0

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        answer = await super().do_request(url, method, *args, **kwargs)
        self.count += len(self.calls)
        if not self.keep:
            self.calls.clear()
        return answer


def settings_for(database_url: str, keyring: Keyring, api_base: str | None = None) -> Settings:
    """Production-like settings: every language, the shipped support file, no staff chats."""
    base = {"telegram_api_base_url": api_base} if api_base else {}
    return Settings(
        database_url=database_url,
        keyring=keyring,
        telegram_token=TOKEN,
        locales_dir=ROOT / "locales",
        **base,
    )


def fresh_databases(folder: Path, postgres: str | None) -> dict[str, str]:
    """Our databases, emptied, migrated and seeded: SQLite in `folder` (a reused folder starts
    from an empty file) and, when given, the PostgreSQL database (the caller's throwaway one)."""
    for old in folder.glob("ours.db*"):
        old.unlink()
    urls = {"ours-sqlite": f"sqlite:///{folder / 'ours.db'}"}
    if postgres:
        reset_postgres(postgres)
        urls["ours-postgres"] = postgres
    for url in urls.values():
        prepare_database(url)
    return urls


def reset_postgres(url: str) -> None:
    """Empty the benchmark's PostgreSQL database (it is the caller's throwaway database)."""
    db = Database(url)
    with db.transaction() as tx:
        tx.execute(text("DROP SCHEMA public CASCADE"))
        tx.execute(text("CREATE SCHEMA public"))
    db.dispose()


def prepare_database(database_url: str) -> None:
    """Migrate and seed the demo roster (so the menu and booking queries have rows to read)."""
    db = Database(database_url)
    db.migrate()
    seed_demo_office(db, "muenchen")
    db.dispose()


async def capture(keyring: Keyring) -> tuple[dict[str, list[list[Any]]], dict[str, Any]]:
    """Walk one journey through our stack: the Bot API calls of each step, and the stored row.

    The calls become the baseline's prompts (same texts, same keyboards); the row is the model
    for pre-filled conversations.
    """
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'capture.db'}"
        prepare_database(url)
        assistant = Assistant.build(settings_for(url, keyring))
        api = OfflineBotAPI(keep=True)
        application, door = build_application(assistant, request=api)
        prompts: dict[str, list[list[Any]]] = {}
        async with application:
            for (name, _act), raw in zip(JOURNEY, journey_updates(-1), strict=True):
                await process_batch(door, [Update.de_json(raw, application.bot)])
                await door.queues.drain()
                prompts[name] = [
                    [method, params.get("text"), params.get("reply_markup")]
                    for method, params in api.calls
                    if method in MESSAGE_METHODS
                ]
                api.calls.clear()
        with assistant.db.transaction() as tx:
            row = tx.execute(select(conversations)).one()._asdict()
        assistant.db.dispose()
    model = {key: row[key] for key in ("state", "locale", "answers", "data")}
    check_walk(prompts, model)
    return prompts, model


class JourneyChanged(Exception):
    """The scripted journey no longer walks the flows as expected (the flows changed)."""


def check_walk(prompts: dict[str, list[list[Any]]], model: dict[str, Any]) -> None:
    """Every step must end with a message that has buttons, and the walk must end at the menu."""
    for name, calls in prompts.items():
        if not calls or not calls[-1][2]:
            raise JourneyChanged(f"step {name!r} no longer ends with a question: adapt JOURNEY")
    if model["state"] != "menu" or not model["data"].get("intake_done"):
        raise JourneyChanged(f"the journey ends in {model['state']!r}, not at the menu")


def write_capture(keyring: Keyring, folder: Path) -> tuple[Path, dict[str, Any]]:
    """Capture once and keep the prompts in a file the baseline processes read."""
    prompts, model = asyncio.run(capture(keyring))
    path = folder / "prompts.json"
    path.write_text(json.dumps(prompts, ensure_ascii=False), encoding="utf-8")
    return path, model
