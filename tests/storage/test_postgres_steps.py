"""PostgreSQL: every step running at once holds a pooled connection, so none waits for one; a
connection the server closed while it sat idle in the pool is replaced before a step gets it."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import Connection, QueuePool, text

import storage.db
from storage.db import Database

URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.mark.skipif(not URL, reason="PostgreSQL only: set TEST_DATABASE_URL")
@pytest.mark.parametrize("steps", [3, 12])
def test_the_pool_holds_a_connection_for_every_step_at_once(
    monkeypatch: pytest.MonkeyPatch, steps: int
) -> None:
    """Check that with POSTGRES_STEPS steps running together (fewer or more than the pool's old
    fixed ten) each has a connection from the pool itself, none from the overflow."""
    monkeypatch.setattr(storage.db, "POSTGRES_STEPS", steps)
    database = Database(URL)
    running = threading.Barrier(steps + 1, timeout=30)
    release = threading.Event()

    def step(tx: Connection) -> int:
        running.wait()  # every step holds its connection at once
        release.wait(30)
        return int(tx.execute(text("SELECT 1")).scalar_one())

    try:
        done = [database.submit(step) for _ in range(steps)]
        running.wait()
        pool = database.engine.pool
        assert isinstance(pool, QueuePool)
        held = (pool.size(), pool.checkedout(), pool.overflow())
        release.set()
        assert [future.result(30) for future in done] == [1] * steps
        assert held == (steps, steps, 0)
    finally:
        release.set()
        database.dispose()


@pytest.mark.skipif(not URL, reason="PostgreSQL only: set TEST_DATABASE_URL")
def test_a_connection_closed_by_the_server_while_idle_is_replaced_not_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Check that a pooled connection the server terminated (a restart, an idle timeout) is
    tested and replaced once it has been idle, so the step still commits, while a connection in
    steady use is not tested at each step (a round trip each time)."""
    database = Database(URL)
    pings: list[object] = []
    real = database.engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return bool(real(dbapi_connection))

    monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
    try:
        for _ in range(3):
            with database.transaction() as tx:
                pid = int(tx.execute(text("SELECT pg_backend_pid()")).scalar_one())
        assert pings == []  # used a moment ago, each time
        other = Database(URL)
        with other.transaction() as tx:
            tx.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.dispose()
        monkeypatch.setattr(storage.db, "IDLE_PING_S", 0.0)
        with database.transaction() as tx:
            assert int(tx.execute(text("SELECT pg_backend_pid()")).scalar_one()) != pid
        assert len(pings) == 1
    finally:
        database.dispose()
