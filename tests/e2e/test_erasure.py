"""Deleted means gone from the files: the database, its -wal and -shm are read byte by byte."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.service import retention
from storage.db import Database
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

NOTE = "Quittengelee am Vormittag"  # passes the scrubber; nothing else in the database says it
MARKER = b"Quittengelee"


def files(db: Database) -> dict[str, bytes]:
    path = Path(str(db.url.database))
    found = {}
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        found[suffix or "db"] = file.read_bytes() if file.exists() else b""
    return found


def holding(db: Database) -> list[str]:
    """The files that still hold the note."""
    return [name for name, content in files(db).items() if MARKER in content]


async def intake_with_note(telegram: Harness, user: UpdateFactory) -> None:
    for update in (
        user.message("/start"),
        user.press("lang:de"),
        user.press("privacy:accept"),
        user.press("m:intake"),
        *(user.press(f"a:{slot}:skip") for slot in ("country", "adults", "minors")),
        *(user.press(f"a:{slot}:skip") for slot in ("situation", "stay", "interests")),
        user.message(NOTE),  # typed on the summary, which invites the note
    ):
        await telegram.send(update)


@pytest.fixture
def reader(telegram: Harness) -> Iterator[sqlite3.Connection]:
    """A reader with a transaction open, as an online backup keeps one."""
    connection = sqlite3.connect(str(telegram.assistant.db.url.database), isolation_level=None)
    yield connection
    connection.close()


async def test_delete_leaves_no_copy_of_the_note_in_any_file(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that after /delete the note is in none of the database, -wal and -shm files."""
    await intake_with_note(telegram, user)
    assert holding(telegram.assistant.db)  # the test can see the note while it is stored
    await telegram.send(user.message("/delete"))
    await telegram.send(user.press("del:yes"))
    assert holding(telegram.assistant.db) == []


async def test_a_reader_delays_the_erasure_but_no_other_client(
    telegram: Harness,
    user: UpdateFactory,
    reader: sqlite3.Connection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Check that with a reader open /delete and another client's step finish at once, the
    erasure is logged as waiting, and the note is gone from every file once the reader ends."""
    await intake_with_note(telegram, user)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM conversations").fetchone()
    caplog.set_level(logging.INFO, logger="storage.erasure")
    started = time.monotonic()
    await telegram.send(user.message("/delete"))
    await telegram.send(user.press("del:yes"))
    assert time.monotonic() - started < 2  # no 30-second busy wait
    other = UpdateFactory(user_id=4242)
    other.next_id = 9000
    started = time.monotonic()
    await telegram.send(other.message("/start"))
    assert time.monotonic() - started < 0.2
    assert "a reader keeps the database busy" in caplog.text
    reader.execute("COMMIT")
    assert telegram.assistant.db.erasure.wait(10)
    assert "checkpoint done" in caplog.text
    assert holding(telegram.assistant.db) == []


async def test_the_silence_purge_leaves_no_copy_of_the_note_in_any_file(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that when retention deletes a silent intake, its note is in no file any more."""
    await intake_with_note(telegram, user)
    assert holding(telegram.assistant.db)
    telegram.assistant.clock.now += timedelta(days=31)  # type: ignore[attr-defined]
    await retention.run(telegram.assistant)
    assert holding(telegram.assistant.db) == []
