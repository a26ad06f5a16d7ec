"""PostgreSQL: every step running at once holds a pooled connection, so none waits for one."""

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
