"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set), keys, clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.assistant import Assistant
from bot.config import ROOT, Settings
from storage.crypto import Keyring, new_secret
from storage.db import Database
from storage.tables import metadata

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    return Keyring.from_text(new_secret(), f"k1:{new_secret()}")


@pytest.fixture(scope="session")
def _postgres() -> Iterator[Database]:
    """One PostgreSQL database for the session, migrated from empty."""
    db = Database(os.environ["TEST_DATABASE_URL"])
    with db.transaction() as tx:
        tx.execute(text("DROP SCHEMA public CASCADE"))
        tx.execute(text("CREATE SCHEMA public"))
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: a new SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'test.db'}")
        db.migrate()
        yield db
        db.dispose()
        return
    db = request.getfixturevalue("_postgres")
    with db.transaction() as tx:
        for table in reversed(metadata.sorted_tables):
            tx.execute(table.delete())
    yield db
    db.urge().result(30)  # no sent mark of this test lands in the next one


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 25, 9, 30))


@pytest.fixture
def settings(database: Database, keyring: Keyring) -> Settings:
    return Settings(
        database_url=str(database.url.render_as_string(hide_password=False)),
        keyring=keyring,
        locales_dir=ROOT / "locales",
    )


@pytest.fixture
def assistant(settings: Settings, database: Database, clock: Clock) -> Iterator[Assistant]:
    built = Assistant.build(settings, clock=clock, migrate=False)
    yield built
    built.db.dispose()
