"""How the jobs beside the doors run (reminders, waiting list, agenda, retention, the outbox):
now and then every so many seconds, a failure logged with its traceback and never fatal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(seconds: float, stop: asyncio.Event, job: Callable[[], Awaitable[object]]) -> None:
    """Run `job` now and then every `seconds` until `stop`; a failure is logged (the redacting
    formatter keeps its traceback and drops its message), and the next round tries again."""
    while not stop.is_set():
        try:
            await job()
        except Exception as error:
            log.error("background job failed", exc_info=error)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
