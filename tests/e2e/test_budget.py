"""The budget of a stressed client on a phone, through the real PTB door in all seventeen languages:
how many taps to an appointment with an interpreter of another language (straight away, and after
the whole intake), and how long the longest message on the way is.

The table it measures is in README.md; `UPDATE_README=1 .venv/bin/pytest tests/e2e/test_budget.py`
writes it again (the test fails while README shows other figures)."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import ROOT, Settings
from bot.demo import seed_demo_office
from bot.readme import README, render
from storage.crypto import Keyring
from storage.db import Database
from storage.tables import appointments
from tests.bot.test_bidi import check_lines
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory

FASTEST_BUDGET, INTAKE_BUDGET = 8, 15  # taps, counting /start, the language and the privacy step
LENGTH = {"en": 600}  # characters a client reads in one message; 900 in every other language
OTHER_LENGTH = 900
RTL = ("ar", "fa", "fa_AF", "ps", "ur", "ckb")
INVISIBLE = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f"))
USERS = count(7300000005000)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """SQLite only: the walk is about the client's budget, not the database (seconds, not minutes)."""
    db = Database(f"sqlite:///{tmp_path / 'budget.db'}")
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def settings(database: Database, keyring: Keyring) -> Settings:
    """Every shipped language."""
    return Settings(
        database_url=database.url.render_as_string(hide_password=False),
        keyring=keyring,
        locales_dir=ROOT / "locales",
    )


def client() -> UpdateFactory:
    """A new Telegram user whose update ids no other client of the test uses."""
    user_id = next(USERS)
    user = UpdateFactory(user_id, language_code=None)
    user.next_id = (user_id % 1000) * 10_000
    return user


def shown(text: str) -> str:
    """A message as the client reads it: no tags, entities as characters, no invisible marks."""
    return html.unescape(re.sub(r"<[^>]+>", "", text)).translate(INVISIBLE)


@dataclass
class Walk:
    """One client's way through the door: taps made, and what came back."""

    telegram: Harness
    code: str
    user: UpdateFactory = field(default_factory=lambda: client())
    taps: int = 0
    texts: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)  # the values shown with the last message

    async def tap(self, value: str) -> None:
        """Press a button the client can see (or send /start), and keep what comes back."""
        if value != "/start":
            assert value in self.buttons, (self.code, value, self.buttons)
            update = self.user.press(value)
        else:
            update = self.user.message(value)
        failed = await self.telegram.send(update)
        assert not failed, (self.code, value)
        self.taps += 1
        rtl = self.code in RTL and self.taps > 1  # the language list comes before the language
        for method, params in self.telegram.take_calls():
            if method not in ("sendMessage", "editMessageText"):
                continue
            self.texts.append(params["text"])
            if rtl:
                check_lines(shown_with_marks(params["text"]), f"{self.code}: after {value}")
            rows = params.get("reply_markup", {}).get("inline_keyboard", [])
            if rows:
                self.buttons = [button["callback_data"] for row in rows for button in row]
                if rtl:
                    for row in rows:
                        for button in row:
                            check_lines(button["text"], f"{self.code}: button", button=True)

    def first(self, prefix: str) -> str:
        return next(value for value in self.buttons if value.startswith(prefix))

    @property
    def longest(self) -> int:
        return max(len(shown(text)) for text in self.texts)


def shown_with_marks(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def other_language(code: str) -> str:
    """An interpreter language that is neither the chat's nor one the office speaks itself."""
    return "fa" if code == "ar" else "ar"


async def start(walk: Walk) -> None:
    await walk.tap("/start")
    await walk.tap(f"lang:{walk.code}")
    await walk.tap("privacy:accept")


async def book(walk: Walk) -> None:
    """From the interpreter question: another language, the first time offered, confirmed."""
    await walk.tap(f"b:int:{other_language(walk.code)}")
    await walk.tap(walk.first("b:slot:"))
    await walk.tap("b:ok")


async def fastest(telegram: Harness, code: str) -> Walk:
    walk = Walk(telegram, code)
    await start(walk)
    await walk.tap("m:book")
    await book(walk)
    return walk


async def with_intake(telegram: Harness, code: str) -> Walk:
    """Every question answered: a country, two adults, one child, a situation, the length of
    stay, one interest (and Done); no note, which the summary invites as typed text."""
    walk = Walk(telegram, code)
    await start(walk)
    await walk.tap("m:intake")
    for value in (
        "a:country:IQ",
        "a:adults:2",
        "a:minors:1",
        "a:situation:tolerated",
        "a:stay:one_year_or_more",
        "a:interests:travel",
        "a:interests:done",
        "sum:book",
    ):
        await walk.tap(value)
    await book(walk)
    return walk


def booked_languages(telegram: Harness) -> list[str]:
    with telegram.assistant.db.transaction() as tx:
        rows = tx.execute(select(appointments.c.language).order_by(appointments.c.id)).scalars()
        return list(rows)


def table(rows: list[tuple[str, Walk, Walk]], names: dict[str, str]) -> str:
    lines = [
        "| language | taps: booking with an interpreter of another language | taps: whole intake, then booking | longest message (characters) | limit |",
        "|---|---|---|---|---|",
    ]
    for code, quick, full in rows:
        longest = max(quick.longest, full.longest)
        limit = LENGTH.get(code, OTHER_LENGTH)
        lines.append(
            f"| {names[code]} (`{code}`) | {quick.taps} | {full.taps} | {longest} | {limit} |"
        )
    return "\n".join(lines)


async def test_every_language_books_within_the_tap_and_length_budget(
    telegram: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that a client of each of the seventeen languages books an interpreter of another
    language in at most 8 taps, and after the whole intake in at most 15, and that
    no message on the way is longer than 600 characters in English or 900 in another language."""
    seed_demo_office(telegram.assistant.db, "muenchen")
    codes = list(telegram.assistant.catalogs.codes)
    assert len(codes) == 17
    rows = []
    for code in codes:
        quick = await fastest(telegram, code)
        full = await with_intake(telegram, code)
        rows.append((code, quick, full))
    assert booked_languages(telegram) == [other_language(c) for c in codes for _ in (1, 2)]
    names = telegram.assistant.catalogs.names
    measured = table(rows, {c: names.get(c, c) for c in codes})
    with capsys.disabled():
        print(f"\n{measured}")
    for code, quick, full in rows:
        assert quick.taps <= FASTEST_BUDGET, (code, quick.taps)
        assert full.taps <= INTAKE_BUDGET, (code, full.taps)
        limit = LENGTH.get(code, OTHER_LENGTH)
        for text in quick.texts + full.texts:
            assert len(shown(text)) <= limit, (code, len(shown(text)), shown(text)[:80])
    block = {"budget": measured}
    if os.environ.get("UPDATE_README"):
        README.write_text(render(README.read_text(encoding="utf-8"), block), encoding="utf-8")
    current = README.read_text(encoding="utf-8")
    assert "<!-- budget:start -->" in current
    assert render(current, block) == current, (
        "README's budget table is out of date: UPDATE_README=1 .venv/bin/pytest tests/e2e/test_budget.py"
    )
