"""SQLite's writer (storage/writer.py): group commit, failures rolled back alone, order kept, an
event loop that never waits for another process's write lock, and sent marks that ride the next
step's transaction (on PostgreSQL, where the writer carries only the marks, they commit at once)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select

from storage import writer as writer_module
from storage.db import POSTGRES_STEPS, Database
from storage.tables import processed_updates
from tests.storage.test_conversations import NOW


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'writer.db'}")
    db.migrate()
    yield db
    db.dispose()


def claim(update_id: int, fail: bool = False, seen: list[int] | None = None):  # type: ignore[no-untyped-def]
    """Work that records an update id (and where it ran), or fails after writing it."""

    def work(tx: Connection) -> int:
        tx.execute(insert(processed_updates).values(update_id=update_id, processed_at=NOW))
        if seen is not None:
            seen.append(update_id)
        if fail:
            raise ValueError("this step fails (test)")
        return update_id

    return work


def stored(db: Database) -> list[int]:
    with db.transaction() as tx:
        rows = tx.execute(select(processed_updates.c.update_id).order_by("update_id"))
        return [int(value) for value in rows.scalars()]


def busy_writer(db: Database) -> threading.Event:
    """Occupy the writer until the returned event is set, so that what follows queues up."""
    entered, release = threading.Event(), threading.Event()

    def hold(_tx: Connection) -> None:
        entered.set()
        release.wait(10)

    db.submit(hold)
    assert entered.wait(10)
    return release


def test_steps_that_arrive_together_share_one_commit(sqlite_db: Database) -> None:
    """Check that steps queued while the writer is busy commit in one transaction, in the order
    they were submitted."""
    release = busy_writer(sqlite_db)
    seen: list[int] = []
    futures = [sqlite_db.submit(claim(n, seen=seen)) for n in range(1, 17)]
    writer = sqlite_db._writer
    assert writer is not None
    before = writer.batches
    release.set()
    assert [future.result(10) for future in futures] == list(range(1, 17))
    assert writer.batches == before + 1
    assert seen == list(range(1, 17)) and stored(sqlite_db) == list(range(1, 17))


def test_a_failed_step_is_rolled_back_alone(sqlite_db: Database) -> None:
    """Check that a step failing inside a shared transaction loses nothing of the others, and
    leaves nothing of itself."""
    release = busy_writer(sqlite_db)
    futures = [sqlite_db.submit(claim(n, fail=n == 5)) for n in range(1, 10)]
    release.set()
    with pytest.raises(ValueError, match="this step fails"):
        futures[4].result(10)
    others = [n for n in range(1, 10) if n != 5]
    assert [futures[n - 1].result(10) for n in others] == others
    assert stored(sqlite_db) == [1, 2, 3, 4, 6, 7, 8, 9]


def test_work_inside_the_writer_cannot_wait_for_the_writer(sqlite_db: Database) -> None:
    """Check that work which would wait for its own writer fails at once instead of hanging."""

    def nested(_tx: Connection) -> None:
        sqlite_db.write(claim(1))

    with pytest.raises(RuntimeError, match="cannot wait for the writer"):
        sqlite_db.write(nested)


async def test_the_event_loop_runs_while_another_process_holds_the_write_lock(
    sqlite_db: Database,
) -> None:
    """Check that a step waiting for another process's write lock (a command, a second instance)
    leaves the event loop free, and commits once the lock is released."""
    assert sqlite_db.url.database is not None
    other = sqlite3.connect(sqlite_db.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    step = asyncio.create_task(sqlite_db.run(claim(1)))
    # 0.2 s of the loop's own work while the lock is held. Were the step waiting on the loop's
    # thread, these sleeps could not run until its busy timeout gave up, and the step would be
    # done (failed) by now; waiting on the writer's thread, it is still pending.
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert not step.done()
    other.execute("COMMIT")
    other.close()
    assert await asyncio.wait_for(step, 10) == 1
    assert stored(sqlite_db) == [1]


async def test_the_results_of_one_transaction_wake_the_event_loop_once(
    sqlite_db: Database, marks_wait: None
) -> None:
    """Check that steps and marks committed together reach the event loop with one wake-up (each
    wake-up costs the writer the interpreter's lock), that a failed step's error arrives with
    them, and that a cancelled step that had not started is not run."""
    loop = asyncio.get_running_loop()
    wakes: list[object] = []
    real = loop.call_soon_threadsafe

    def counted(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "sqlite-writer":
            wakes.append(args[0])
        return real(*args, **kwargs)

    loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
    release = busy_writer(sqlite_db)
    seen: list[int] = []
    steps = [asyncio.ensure_future(sqlite_db.run(claim(n, n == 3, seen))) for n in range(1, 9)]
    marks = [sqlite_db.mark(claim(n, seen=seen)) for n in range(20, 24)]
    dropped = asyncio.ensure_future(sqlite_db.run(claim(99, seen=seen)))
    await asyncio.sleep(0)  # every step queued
    dropped.cancel()
    release.set()
    results = await asyncio.gather(*steps, *marks, return_exceptions=True)
    assert isinstance(results[2], ValueError)
    assert results[:2] + results[3:] == [1, 2, 4, 5, 6, 7, 8, 20, 21, 22, 23]
    assert 99 not in seen and stored(sqlite_db) == [1, 2, 4, 5, 6, 7, 8, 20, 21, 22, 23]
    assert len(wakes) == 1


@pytest.fixture
def marks_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deferred marks wait 10 s for a ride instead of 20 ms: nothing but a ride or an urge (or
    the end of the test) commits them while a test looks."""
    monkeypatch.setattr(writer_module, "DEFER_S", 10.0)


def test_a_deferred_mark_rides_the_next_steps_commit(sqlite_db: Database, marks_wait: None) -> None:
    """Check that a mark handed over is not committed on its own, and that the next step that
    comes carries it in its own transaction (one commit), before the step's own work."""
    seen: list[int] = []
    marked = sqlite_db.defer(claim(1, seen=seen))
    writer = sqlite_db._writer
    assert writer is not None and not _done_within(marked, 0.2) and stored(sqlite_db) == []
    before = writer.batches
    assert sqlite_db.write(claim(2, seen=seen)) == 2
    assert marked.done() and marked.exception() is None
    assert writer.batches == before + 1
    assert seen == [1, 2] and stored(sqlite_db) == [1, 2]


def test_a_deferred_mark_commits_alone_when_no_step_comes(database: Database) -> None:
    """Check that a mark nothing carries is committed by itself, a moment later."""
    marked = database.defer(claim(1))
    marked.result(5)
    assert stored(database) == [1]


def test_an_urged_mark_commits_at_once(sqlite_db: Database, marks_wait: None) -> None:
    """Check that a mark someone waits for is committed without waiting for a ride."""
    marked = sqlite_db.defer(claim(1))
    assert not _done_within(marked, 0.1)
    sqlite_db.urge().result(5)
    assert marked.done() and stored(sqlite_db) == [1]


def test_on_postgresql_a_mark_waits_for_no_ride(database: Database, marks_wait: None) -> None:
    """Check that on PostgreSQL, where no step commits in the writer's transactions, a mark is
    committed as soon as the writer is free (a chat's next message need not urge it), and that
    marks queued while it is busy share one commit."""
    if database.is_sqlite:
        pytest.skip("on SQLite a mark waits for the next step to carry it")
    assert _done_within(database.defer(claim(1)), 2)
    release = busy_writer(database)
    writer = database._writer
    assert writer is not None
    marks = [database.defer(claim(n)) for n in range(2, 6)]
    before = writer.batches
    release.set()
    for marked in marks:
        assert marked.exception(5) is None
    assert writer.batches == before + 1 and stored(database) == [1, 2, 3, 4, 5]


def test_on_postgresql_only_the_writers_connection_skips_the_wait_for_the_disk(
    database: Database,
) -> None:
    """Check that on PostgreSQL the writer's marks commit with `synchronous_commit=off`, set once
    on its connection, and that durable work there, and every step's transaction, still waits for
    the disk, also after the writer's connection was replaced (it never goes back to the pool)."""
    if database.is_sqlite:
        pytest.skip("SQLite: see test_marks_alone_commit_without_waiting_for_the_disk…")

    def level(tx: Connection) -> str:
        return str(tx.exec_driver_sql("SHOW synchronous_commit").scalar_one())

    writer = database._started_writer()
    levels: list[str] = []
    database.defer(lambda tx: levels.append(level(tx))).result(5)
    assert levels == ["off"]
    assert writer.submit(level).result(5) == "on"  # durable work on the writer
    writer._reconnect()  # its connection closed, as after a failed commit
    database.defer(lambda tx: levels.append(level(tx))).result(5)
    assert levels == ["off", "off"]
    with ThreadPoolExecutor(2 * POSTGRES_STEPS) as pool:
        steps = list(pool.map(lambda _: database.write(level), range(4 * POSTGRES_STEPS)))
    assert set(steps) == {"on"}


def test_a_stop_commits_the_deferred_marks(tmp_path: Path, marks_wait: None) -> None:
    """Check that marks still waiting for a ride when the database is closed are committed."""
    db = Database(f"sqlite:///{tmp_path / 'stop.db'}")
    db.migrate()
    marked = db.defer(claim(1))
    db.dispose()
    assert marked.done() and marked.exception() is None
    reopened = Database(f"sqlite:///{tmp_path / 'stop.db'}")
    assert stored(reopened) == [1]
    reopened.dispose()


def test_marks_urged_by_many_chats_at_once_share_one_commit(
    sqlite_db: Database, marks_wait: None
) -> None:
    """Check that marks and urges queued together (sixteen chats each sending the next message of
    a reply) are committed in one transaction, not one each."""
    release = busy_writer(sqlite_db)
    writer = sqlite_db._writer
    assert writer is not None
    marks, urges = [], []
    for n in range(1, 17):
        marks.append(sqlite_db.defer(claim(n)))
        urges.append(sqlite_db.urge())
    before = writer.batches
    release.set()
    for done in (*marks, *urges):
        assert done.exception(5) is None
    assert writer.batches == before + 1
    assert stored(sqlite_db) == list(range(1, 17))


def test_a_failing_mark_fails_alone(database: Database, marks_wait: None) -> None:
    """Check that a mark that fails inside a shared transaction takes neither the other marks nor
    the step (SQLite) with it."""
    failing, good = database.defer(claim(1, fail=True)), database.defer(claim(2))
    if database.is_sqlite:
        assert database.write(claim(3)) == 3
    else:  # PostgreSQL: the marks share a transaction of their own
        database.urge().result(5)
    with pytest.raises(ValueError, match="this step fails"):
        failing.result(5)
    assert good.exception(5) is None
    assert stored(database) == ([2, 3] if database.is_sqlite else [2])


def _done_within(future: Future[None], seconds: float) -> bool:
    try:
        future.result(seconds)
    except TimeoutError:
        return False
    return True


def test_marks_alone_commit_without_waiting_for_the_disk_and_steps_with_it(
    sqlite_db: Database,
) -> None:
    """Check that a transaction of marks only runs with `synchronous=NORMAL` (no fsync of its
    own) and one with a step with `synchronous=FULL`, set on the writer's own connection."""

    def level(tx: Connection) -> int:
        return int(tx.exec_driver_sql("PRAGMA synchronous").scalar_one())

    seen: list[int] = []

    def mark(tx: Connection) -> None:
        seen.append(level(tx))

    sqlite_db.defer(mark)
    sqlite_db.urge().result(5)
    assert sqlite_db.write(level) == 2  # FULL, with the step
    sqlite_db.defer(mark)
    sqlite_db.urge().result(5)
    assert seen == [1, 1]  # NORMAL, marks alone
