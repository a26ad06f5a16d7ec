"""SQLite's writer: one thread with one connection runs the transactions of every step and mark.

Work that arrives while the writer is busy waits in its queue and then shares one transaction
and one commit, so steps of different clients arriving together pay one fsync between them
(group commit). Work runs in the order it was submitted: a door submits a client's next step
only once the previous one is committed, so each client's steps keep their order.

A failed piece of work is rolled back alone: the transaction is rolled back, the failure goes to
whoever submitted that work, and the rest of the batch runs again in a new transaction (it had
not committed). A batch whose BEGIN or COMMIT fails (the disk, another process holding the lock
for longer than the busy timeout) is run again one piece at a time, so that each failure reaches
its own submitter. Work must therefore be safe to run again after a rollback: it may touch the
database and its own local state, nothing else.

A mark (a message sent) need not commit at once: `defer` hands it over, and it waits for a ride
in the writer's next transaction (the next step of any client), or at most `DEFER_S` when none
comes, or until someone needs it committed (`urge`). A process killed in between loses those
marks, never a step: their messages are sent again (OPERATIONS.md says what may repeat). On
PostgreSQL no step runs here, so a mark waits for no ride: it commits as soon as the writer is
free, together with the marks queued meanwhile.

The event loop never waits here: it puts work in the queue and awaits a future. Only the
writer's thread waits, for the disk and for another process's write lock (a command-line
command, a second instance). The results of one transaction reach the event loop with one
wake-up (`waiter`): a wake-up per result costs the writer the interpreter's lock each time,
which the loop, woken by the first, holds while it handles it.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Connection], T]
MAX_BATCH = 64  # pieces of work in one transaction at most
DEFER_S = 0.02  # how long a deferred mark waits for a step to carry it before it commits alone


@dataclass(frozen=True)
class _Job:
    work: Work[Any]
    durable: bool
    future: Future[Any]
    deferred: bool = False  # a mark that may wait for the next transaction (`Writer.defer`)
    waiter: asyncio.Future[Any] | None = None  # the event loop's copy of `future`


class _Failed(Exception):
    """One piece of work raised inside the batch's transaction (which is then rolled back)."""

    def __init__(self, job: _Job, error: Exception) -> None:
        super().__init__()
        self.job, self.error = job, error


_STOP = object()


@dataclass(frozen=True)
class _Urge:
    """Commit the deferred marks now; `done`, if given, is set once they are committed."""

    done: Future[None] | None = None


class Writer:
    """Runs work on its own thread and connection; see the module's docstring. (PostgreSQL runs
    only the deferred marks here: its steps have transactions of their own, `Database.submit`.)"""

    def __init__(self, engine: Engine, lock: Any, rides: bool = True) -> None:
        # `lock`: the process's writer lock, held by every other transaction of this process too
        # (storage/db.py), so that they queue behind the writer instead of in SQLite's busy handler.
        # `rides`: deferred marks wait up to `DEFER_S` for a step to carry them. Without it
        # (PostgreSQL, whose steps commit elsewhere) no step ever comes: they commit as soon as
        # the writer is free, with whatever else was queued meanwhile.
        self.engine, self.lock, self.rides = engine, lock, rides
        self.queue: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self.connection: Connection | None = None
        self.finished: list[_Job] = []  # jobs done since the event loop was last told
        self.thread = threading.Thread(target=self._serve, name="sqlite-writer", daemon=True)
        self.thread.start()
        self.batches = 0  # transactions committed or tried (for tests and the benchmark)

    def submit(self, work: Work[T], durable: bool = True) -> Future[T]:
        """Queue `work` (called with the transaction's connection); its future gets the result.
        `durable=False`: a mark that may be redone; the commit then waits for the disk only if a
        durable piece of work shares it (see `Database.transaction`)."""
        return self._queue(work, durable, deferred=False)

    def defer(self, work: Work[None]) -> Future[None]:
        """Queue a mark (`durable=False` work) that may wait for the next transaction, or
        `DEFER_S` at most; its future says when it is committed."""
        return self._queue(work, False, deferred=True)

    def awaited(
        self, work: Work[T], durable: bool = True, deferred: bool = False
    ) -> asyncio.Future[T]:
        """`submit` (or with `deferred`, `defer`) from the event loop: the result comes as an
        asyncio future, handed over with the rest of its transaction's (see the module's
        docstring). Cancelling it drops the work if it has not started."""
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        future = self._queue(work, durable, deferred, waiter)
        waiter.add_done_callback(lambda done: future.cancel() if done.cancelled() else None)
        return waiter

    def _queue(
        self,
        work: Work[T],
        durable: bool,
        deferred: bool,
        waiter: asyncio.Future[T] | None = None,
    ) -> Future[T]:
        if threading.current_thread() is self.thread:
            raise RuntimeError("work inside the writer's transaction cannot wait for the writer")
        future: Future[T] = Future()
        self.queue.put(_Job(work, durable, future, deferred, waiter))
        return future

    def urge(self) -> Future[None]:
        """Commit the marks deferred so far without waiting for a ride (someone waits for them);
        the future is done once they are committed (or failed: each mark's own future says)."""
        done: Future[None] = Future()
        self.queue.put(_Urge(done))
        return done

    def close(self) -> None:
        """Finish what is queued and deferred, then end the thread and close the connection."""
        if self.thread.is_alive():
            self.queue.put(_STOP)
            self.thread.join()

    def _serve(self) -> None:
        deferred: list[_Job] = []  # marks waiting for a ride, oldest first
        due = 0.0  # when the oldest of them commits alone
        while True:
            timeout = max(0.0, due - time.monotonic()) if deferred else None
            try:
                first = self.queue.get(timeout=timeout)
            except queue.Empty:  # nothing came to carry them
                first = _Urge()
            if isinstance(first, _Job) and first.deferred:
                if not deferred:
                    due = time.monotonic() + (DEFER_S if self.rides else 0.0)
                deferred.append(first)
                continue
            # Anything else commits now (work, an urge, the stop), and takes along the deferred
            # marks (submitted before it, so they run before it) and whatever else was queued
            # meanwhile: the marks and urges of many chats sending at once share one commit.
            batch, deferred = deferred, []
            urged = [first.done] if isinstance(first, _Urge) and first.done is not None else []
            stop = first is _STOP
            if isinstance(first, _Job):
                batch.append(first)
            while not stop and len(batch) < MAX_BATCH:
                try:
                    more = self.queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                elif isinstance(more, _Job):
                    batch.append(more)
                elif isinstance(more, _Urge) and more.done is not None:
                    urged.append(more.done)
            self._start(batch)
            self._hand_back()
            for done in urged:
                done.set_result(None)
            if stop:
                break
        if self.connection is not None:
            self.connection.close()

    def _start(self, batch: list[_Job]) -> None:
        # work whose submitter gave up waiting before it started is dropped
        jobs = [job for job in batch if job.future.set_running_or_notify_cancel()]
        for start in range(0, len(jobs), MAX_BATCH):
            self._run(jobs[start : start + MAX_BATCH])

    def _run(self, jobs: list[_Job]) -> None:
        """One transaction for `jobs`; see the module's docstring for what happens on failure."""
        while jobs:
            try:
                results = self._attempt(jobs)
            except _Failed as failed:
                self._finish(failed.job, error=failed.error)
                jobs = [job for job in jobs if job is not failed.job]
                continue
            except Exception as error:  # BEGIN or COMMIT: nothing of the batch was committed
                self._reconnect()
                if len(jobs) == 1:
                    self._finish(jobs[0], error=error)
                else:
                    log.warning("a group commit failed; its steps run again one by one")
                    for job in jobs:
                        self._run([job])
                return
            for job, result in zip(jobs, results, strict=True):
                self._finish(job, result)
            return

    def _finish(self, job: _Job, result: Any = None, error: Exception | None = None) -> None:
        if error is None:
            job.future.set_result(result)
        else:
            job.future.set_exception(error)
        if job.waiter is not None:
            self.finished.append(job)

    def _hand_back(self) -> None:
        """Tell each event loop of its results, with one wake-up for all of them."""
        by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
        for job in self.finished:
            assert job.waiter is not None
            by_loop.setdefault(job.waiter.get_loop(), []).append(job)
        self.finished = []
        for loop, jobs in by_loop.items():
            try:
                loop.call_soon_threadsafe(_copy_results, jobs)
            except RuntimeError:  # the loop is closed: nobody waits any more
                log.debug("results for a closed event loop were dropped")

    def _attempt(self, jobs: list[_Job]) -> list[Any]:
        connection = self._connection()
        durable = any(job.durable for job in jobs)
        if connection.get_execution_options().get("durable", True) != durable:
            connection.execution_options(durable=durable)
        results = []
        self.batches += 1
        with self.lock, connection.begin():  # BEGIN IMMEDIATE (storage/db.py)
            if durable and connection.dialect.name == "postgresql":  # see `_connection`
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO ON")
            for job in jobs:
                try:
                    results.append(job.work(connection))
                except Exception as error:
                    raise _Failed(job, error) from error
        return results

    def _connection(self) -> Connection:
        if self.connection is None:
            self.connection = self.engine.connect()
            if self.connection.dialect.name == "postgresql":
                # PostgreSQL's writer commits marks (`durable=False`): not waiting for the disk
                # is set once for its connection, not with a statement in every transaction.
                # Detached from the pool, so that no step is ever handed this connection.
                self.connection.detach()
                self.connection.exec_driver_sql("SET synchronous_commit TO OFF")
                self.connection.commit()
        return self.connection

    def _reconnect(self) -> None:
        """After a failed BEGIN or COMMIT: a new connection, in case this one is broken."""
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception as error:  # already broken: nothing more to close
                log.debug("closing the writer's connection failed: %s", type(error).__name__)
            self.connection = None


def _copy_results(jobs: list[_Job]) -> None:
    """On the event loop: each job's result (or failure) into the future it awaits."""
    for job in jobs:
        waiter = job.waiter
        if waiter is None or waiter.done():  # cancelled meanwhile
            continue
        error = job.future.exception()
        if error is None:
            waiter.set_result(job.future.result())
        else:
            waiter.set_exception(error)
