"""Keeps outgoing messages within Telegram's limits: one a second to a private chat, 20 a minute
to a group, and no more than 28 in any one second overall (the FAQ's "about 30").

A limit counts a message from the moment its call starts until one window after its answer came
back. Telegram receives a message between those two moments, so however the calls are delayed
on the way, no window of Telegram's clock can hold more messages than the limit allows (PTB's
token bucket, by contrast, lets a burst of 30 through on top of the rate). `RetryAfter` pauses
every call for the time Telegram asks, then the call is tried again.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

# What Telegram counts as a message (the benchmarks count the same); other calls go unpaced.
MESSAGE_ENDPOINTS = frozenset(
    {"sendMessage", "editMessageText", "sendDocument", "sendPhoto", "copyMessage"}
)
OVERALL = (28, 1.0)  # messages per seconds, all chats together
PRIVATE_CHAT = (1, 1.0)
GROUP_CHAT = (20, 60.0)
MAX_RETRIES = 3

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Result = bool | dict[str, Any] | list[dict[str, Any]]


@dataclass
class Window:
    """At most `limit` messages in any `seconds`: those in flight plus those answered lately."""

    limit: int
    seconds: float
    in_flight: int = 0
    answered: deque[float] = field(default_factory=deque)  # when each answer came back

    def wait(self, now: float) -> float | None:
        """Seconds until one more may start; 0 now; None: only when a call in flight ends."""
        while self.answered and self.answered[0] <= now - self.seconds:
            self.answered.popleft()
        over = self.in_flight + len(self.answered) - self.limit + 1
        if over <= 0:
            return 0.0
        if over > len(self.answered):
            return None
        return self.answered[over - 1] + self.seconds - now


class PacedRateLimiter(BaseRateLimiter[int]):
    """PTB's hook for every Bot API call (except getUpdates): paces messages per chat and
    overall, and waits out `RetryAfter`."""

    def __init__(self, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.clock, self.sleep = clock, sleep
        self.overall = Window(*OVERALL)
        self.chats: dict[int | str, Window] = {}
        self.paused_until = 0.0
        self.ended = asyncio.Event()  # replaced after each call: wakes who waits for one

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def windows(self, endpoint: str, data: dict[str, Any]) -> list[Window]:
        if endpoint not in MESSAGE_ENDPOINTS:
            return []
        chat_id = data.get("chat_id")
        if chat_id is None:
            return [self.overall]
        key: int | str = chat_id if isinstance(chat_id, int | str) else str(chat_id)
        window = self.chats.get(key)
        if window is None:
            # Groups and channels have negative ids (a channel may also be given as "@name").
            group = str(key).startswith(("-", "@"))
            window = self.chats[key] = Window(*(GROUP_CHAT if group else PRIVATE_CHAT))
        return [window, self.overall]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        retries = rate_limit_args if rate_limit_args is not None else MAX_RETRIES
        for attempt in range(retries + 1):
            windows = self.windows(endpoint, data)
            await self.acquire(windows)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == retries:
                    raise
                seconds = retry_seconds(error)
                log.warning("Telegram asked to wait %.0f s; all calls pause", seconds)
                self.paused_until = max(self.paused_until, self.clock() + seconds + 0.1)
            finally:
                self.release(windows)
        raise AssertionError("unreachable")  # pragma: no cover

    async def acquire(self, windows: list[Window]) -> None:
        """Wait until every window has room, then take a place in each (no await in between)."""
        while True:
            now = self.clock()
            waits = [w.wait(now) for w in windows] + [max(0.0, self.paused_until - now)]
            if all(wait == 0 for wait in waits):
                for window in windows:
                    window.in_flight += 1
                self.forget_idle_chats(now)
                return
            if None in waits:
                await self.ended.wait()
            else:
                await self.sleep(max(w for w in waits if w is not None))

    def release(self, windows: list[Window]) -> None:
        now = self.clock()
        for window in windows:
            window.in_flight -= 1
            window.answered.append(now)
        self.ended.set()
        self.ended = asyncio.Event()

    def forget_idle_chats(self, now: float) -> None:
        """Chats with nothing in their window are dropped, so the map does not grow for ever."""
        if len(self.chats) < 1000:
            return
        for key, window in list(self.chats.items()):
            if window.in_flight == 0 and window.wait(now) == 0 and not window.answered:
                del self.chats[key]


def retry_seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait (PTB gives seconds now, a timedelta in a later version)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return float(wait) if isinstance(wait, int | float) else wait.total_seconds()
