"""The engine and the transaction helper: one writer at a time on SQLite, row locks on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from storage.erasure import Erasure
from storage.writer import Work, Writer

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 30000  # a step waits this long for another instance's write
CHECKPOINT_WAIT_MS = 50  # an erasure checkpoint never holds the write lock longer than this
# PostgreSQL steps of one process at once: the step threads, and as many pooled connections, so
# that a step never waits for one. Other transactions (marks, jobs, pages) use the overflow.
POSTGRES_STEPS = 10
POSTGRES_OVERFLOW = 10
IDLE_PING_S = 5.0  # a pooled PostgreSQL connection unused this long is tested before its use

T = TypeVar("T")


class Database:
    """Owns the engine; `transaction()` is the only way the application writes."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        # hide_parameters: no stored value (answers, sealed chat ids) ever appears in an error or log.
        options: dict[str, Any] = {"hide_parameters": True}
        if self.is_sqlite:
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if self.url.database:
                _private_files(Path(self.url.database))
        else:
            options.update(pool_size=POSTGRES_STEPS, max_overflow=POSTGRES_OVERFLOW)
        self.engine: Engine = create_engine(self.url, **options)
        if self.is_sqlite:
            _make_sqlite_serialisable(self.engine)
        else:
            _ping_when_idle(self.engine)
        self.erasure = Erasure(self.checkpoint)
        # SQLite admits one writer. Writers of this process queue here and start the moment the
        # lock is free, instead of in SQLite's busy handler, which sleeps 1, 2, 5 … 100 ms and
        # misses that moment. (Re-entrant: a nested transaction fails as before, it does not hang.)
        self._writers = threading.RLock() if self.is_sqlite else contextlib.nullcontext()
        self._started = threading.Lock()
        self._writer: Writer | None = None
        self._steps: ThreadPoolExecutor | None = None

    def submit(self, work: Work[T], durable: bool = True) -> Future[T]:
        """Run `work` (called with a connection inside a transaction) and commit; the future gets
        its result, or its exception with nothing of it committed.

        SQLite: on the writer's thread, sharing a transaction and its fsync with whatever else
        is submitted meanwhile (storage/writer.py; `work` may run again after a rollback, so it
        must touch nothing but the database and its own state). PostgreSQL: in a transaction of
        its own on a worker thread; steps of different clients run in parallel, and the server
        itself lets concurrent commits share one flush of its log. A shared transaction there
        would hold every batched client's row lock until the last step is done, and two instances
        locking the same clients in different orders would deadlock each other."""
        writer = self._started_writer()
        if self.is_sqlite:
            return writer.submit(work, durable)
        assert self._steps is not None
        return self._steps.submit(self._alone, work, durable)

    def defer(self, work: Work[None]) -> Future[None]:
        """A mark that may be redone (a message marked sent), committed without a wait for the
        disk of its own: with the next transaction of this process's writer (SQLite: the next
        step of any client), or `DEFER_S` later when none comes, or at once after `urge`. The
        future is done once it is committed. PostgreSQL: marks commit in transactions of their
        own, as soon as the writer is free, sharing one with the marks queued meanwhile (nothing
        would carry them: a step's transaction there holds its client's lock, and carrying other
        rows' marks in it could make two steps wait for each other)."""
        return self._started_writer().defer(work)

    def mark(self, work: Work[None]) -> asyncio.Future[None]:
        """`defer` from the event loop: an asyncio future, handed over with the rest of its
        transaction's results (storage/writer.py)."""
        return self._started_writer().awaited(work, durable=False, deferred=True)

    def urge(self) -> Future[None]:
        """Commit the deferred marks now; the future is done once they are."""
        return self._started_writer().urge()

    def _started_writer(self) -> Writer:
        with self._started:
            if self._writer is None:
                # PostgreSQL: a writer for the deferred marks only (`defer`); no step rides it.
                self._writer = Writer(self.engine, self._writers, rides=self.is_sqlite)
            if not self.is_sqlite and self._steps is None:
                self._steps = ThreadPoolExecutor(POSTGRES_STEPS, thread_name_prefix="step")
            return self._writer

    def write(self, work: Work[T], durable: bool = True) -> T:
        """`submit`, waiting for the result (from a thread that is not the event loop's)."""
        return self.submit(work, durable).result()

    async def run(self, work: Work[T], durable: bool = True) -> T:
        """`submit`, awaited: the event loop waits neither for the disk nor for any lock."""
        if self.is_sqlite:
            return await self._started_writer().awaited(work, durable)
        return await asyncio.wrap_future(self.submit(work, durable))

    def _alone(self, work: Work[T], durable: bool) -> T:
        with self.transaction(durable) as connection:
            return work(connection)

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[Connection]:
        """A transaction that commits when the block ends and rolls back on an exception.

        `durable=False` is for marks that may be redone (a message marked sent): the commit does
        not wait for the disk (SQLite: `synchronous=NORMAL` in WAL mode; PostgreSQL:
        `synchronous_commit=off`). It survives the process being killed, since the database
        file (or server) has it, and the next durable commit flushes it to disk with its own
        (SQLite's WAL is one file, PostgreSQL's WAL one stream), so it costs no fsync of its own;
        only a power cut or an operating-system crash before that can lose it."""
        with self._writers, self.engine.connect() as connection:
            if not durable:
                connection.execution_options(durable=False)
            with connection.begin():
                if not durable and not self.is_sqlite:
                    connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                yield connection

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            if not self.is_sqlite:  # several instances starting at once migrate one after another
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4242424242)")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def forget_old_pages(self) -> bool:
        """After a deletion on SQLite: fold the write-ahead log into the database and empty it,
        so that no old copy of a deleted row stays in the -wal file; at once, or in the background
        while a reader is in the way (`storage.erasure`). PostgreSQL: nothing to do here; its
        VACUUM reclaims dead rows (PRIVACY.md says what the deployment must do)."""
        return self.erasure.now_or_later() if self.is_sqlite else True

    def checkpoint(self) -> bool:
        """One TRUNCATE checkpoint that waits at most 50 ms for the write lock and for readers;
        True when the -wal file was emptied."""
        raw = self.engine.raw_connection()  # outside a transaction: a checkpoint needs that
        try:
            connection = raw.driver_connection
            if not isinstance(connection, sqlite3.Connection):
                raise TypeError("a checkpoint is SQLite's")
            connection.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
            try:
                busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            finally:
                connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            return bool(busy == 0)
        finally:
            raw.close()

    def dispose(self) -> None:
        """Commit what is queued and deferred, then close every connection."""
        with self._started:
            writer, steps, self._writer, self._steps = self._writer, self._steps, None, None
        if writer is not None:
            writer.close()
        if steps is not None:
            steps.shutdown()
        self.erasure.stop()
        self.engine.dispose()


def _private_files(database: Path) -> None:
    """The folder made for the service's user only; a database, -wal or -shm file left readable
    by others (made before umask 077 was set) is closed to them."""
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        file = database.with_name(database.name + suffix)
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def _ping_when_idle(engine: Engine) -> None:
    """A pooled connection that has not been used for `IDLE_PING_S` is tested before it is
    handed out, and replaced if the server closed it (a restart, a failover, an idle timeout).
    SQLAlchemy's own `pool_pre_ping` tests every checkout: one more round trip for every step."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < IDLE_PING_S:
            return  # new, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # gone: the pool connects anew and hands that one out
            raise exc.DisconnectionError("an idle connection was closed by the server") from error


def _make_sqlite_serialisable(engine: Engine) -> None:
    """pysqlite starts transactions lazily; take the write lock at BEGIN so steps never interleave."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Deleted rows are overwritten, not left in free pages: /delete really removes.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # FULL: the commit waits for the disk; NORMAL (WAL): it is written, and the next FULL
        # commit's fsync of the same WAL file makes it durable (see `Database.transaction`).
        # Both run on the sqlite3 connection itself: SQLAlchemy's execution of a statement
        # (a context, events, a result) costs more than these statements do.
        wanted = "FULL" if connection.get_execution_options().get("durable", True) else "NORMAL"
        driver = connection.connection.driver_connection
        assert driver is not None  # a connection checked out of the pool
        if connection.info.get("synchronous", "FULL") != wanted:
            driver.execute(f"PRAGMA synchronous={wanted}")
            connection.info["synchronous"] = wanted
        driver.execute("BEGIN IMMEDIATE")
