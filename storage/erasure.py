"""Deleted means gone from the files: after a deletion, SQLite's write-ahead log is folded into the
database file and truncated, so no old copy of a deleted row stays in `-wal`.

The checkpoint never waits for a reader (an online backup, `sqlite3` in a shell): it is tried at
once with a short busy timeout, and when a reader is in the way it is retried in a background
thread, with a warning each time, until it succeeds. A client's step never waits for it.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

RETRY_AFTER = (0.5, 2.0, 10.0, 30.0, 60.0)  # seconds; then every minute until it succeeds


class Erasure:
    """Runs `checkpoint` (True when the log was emptied) now, or later until it succeeds."""

    def __init__(
        self, checkpoint: Callable[[], bool], retry_after: Sequence[float] = RETRY_AFTER
    ) -> None:
        self.checkpoint = checkpoint
        self.retry_after = tuple(retry_after)
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._retrying: threading.Thread | None = None

    def now_or_later(self) -> bool:
        """Try at once; True when done, False when it will be retried in the background."""
        if self.checkpoint():
            return True
        with self._guard:
            if self._retrying is None or not self._retrying.is_alive():
                log.warning(
                    "erasure: a reader keeps the database busy; old copies of deleted rows stay "
                    "in the -wal file until the checkpoint succeeds (retrying in the background)"
                )
                self._stop.clear()
                self._retrying = threading.Thread(target=self._retry, name="erasure", daemon=True)
                self._retrying.start()
        return False

    @property
    def pending(self) -> bool:
        """Whether a checkpoint is still waiting for a reader to finish."""
        return self._retrying is not None and self._retrying.is_alive()

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a pending checkpoint; True when none is pending."""
        retrying = self._retrying
        if retrying is not None:
            retrying.join(timeout)
        return not self.pending

    def stop(self) -> None:
        """Stop retrying (the process ends); logged when the log could not be emptied."""
        self._stop.set()
        if self._retrying is not None:
            self._retrying.join(5)

    def _retry(self) -> None:
        delays = itertools.chain(self.retry_after, itertools.repeat(self.retry_after[-1]))
        for attempt, delay in enumerate(delays, start=1):
            if self._stop.wait(delay):
                log.warning("erasure: stopped before the checkpoint succeeded (%d tries)", attempt)
                return
            if self.checkpoint():
                log.info("erasure: checkpoint done after %d background tries", attempt)
                return
            log.warning("erasure: checkpoint still busy after %d background tries", attempt)
