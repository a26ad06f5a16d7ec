"""The pacing of outgoing messages, on a clock the test moves: no test here depends on how fast
the machine is. Messages are counted per window the way benchmarks/http_load.py counts them."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from benchmarks.http_load import most_in_one_second
from bot.pacing import OVERALL, PacedRateLimiter

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class FakeTime:
    """Time that passes only when somebody sleeps; calls are stamped when Telegram gets them."""

    def __init__(self) -> None:
        self.now = 0.0
        self.calls: list[tuple[str, Any, float]] = []  # endpoint, chat id, arrival

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def limiter(fake: FakeTime) -> PacedRateLimiter:
    return PacedRateLimiter(clock=fake.clock, sleep=fake.sleep)


async def call(
    limiter: PacedRateLimiter,
    fake: FakeTime,
    endpoint: str,
    chat_id: Any,
    fail: list[int] | None = None,
) -> Any:
    """One Bot API call through the limiter; the fake Telegram takes 50 ms to answer."""

    async def telegram() -> bool:
        fake.calls.append((endpoint, chat_id, fake.now))
        if fail:
            fail.pop()
            raise RetryAfter(timedelta(seconds=3))
        await fake.sleep(0.05)
        return True

    return await limiter.process_request(telegram, (), {}, endpoint, {"chat_id": chat_id}, None)


def times(fake: FakeTime, chat_id: Any = None) -> list[float]:
    return [at for _, chat, at in fake.calls if chat_id is None or chat == chat_id]


async def test_one_private_chat_gets_at_most_one_message_a_second(
    limiter: PacedRateLimiter, fake: FakeTime
) -> None:
    """Check that five messages to one chat, asked for at once, reach it at least a second apart
    (a reply of two messages included)."""
    await asyncio.gather(*(call(limiter, fake, "sendMessage", 7001) for _ in range(5)))
    arrived = times(fake, 7001)
    assert len(arrived) == 5 and most_in_one_second(arrived) == 1
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(arrived))


async def test_many_chats_get_no_more_than_the_overall_limit_in_any_second(
    limiter: PacedRateLimiter, fake: FakeTime
) -> None:
    """Check that 200 chats answered at once get their messages spread out: never more than 28
    in one second overall, each chat still once a second."""
    chats = [7000 + n for n in range(200)]
    await asyncio.gather(*(call(limiter, fake, "sendMessage", chat) for chat in chats * 2))
    assert len(fake.calls) == 400
    assert most_in_one_second(times(fake)) <= OVERALL[0] < 30
    per_chat: dict[int, list[float]] = defaultdict(list)
    for _, chat, at in fake.calls:
        per_chat[chat].append(at)
    assert max(most_in_one_second(arrived) for arrived in per_chat.values()) == 1


async def test_a_group_chat_gets_at_most_20_messages_a_minute(
    limiter: PacedRateLimiter, fake: FakeTime
) -> None:
    """Check that the staff chat (a group) is sent 25 messages over more than a minute, never
    more than 20 inside 60 seconds."""
    await asyncio.gather(*(call(limiter, fake, "sendMessage", -100123) for _ in range(25)))
    arrived = times(fake)
    assert len(arrived) == 25
    assert max(sum(1 for t in arrived if start <= t < start + 60) for start in arrived) == 20


async def test_calls_that_are_not_messages_are_not_held_back(
    limiter: PacedRateLimiter, fake: FakeTime
) -> None:
    """Check that deleting messages in a chat does not wait for that chat's message pacing."""
    await asyncio.gather(
        call(limiter, fake, "sendMessage", 7001),
        call(limiter, fake, "sendMessage", 7001),
        call(limiter, fake, "deleteMessages", 7001),
    )
    arrived = {endpoint: at for endpoint, _, at in fake.calls}
    assert arrived["deleteMessages"] < 1.0 <= arrived["sendMessage"]


async def test_retry_after_pauses_every_call_then_retries(
    limiter: PacedRateLimiter, fake: FakeTime
) -> None:
    """Check that when Telegram answers "retry after 3 s" the call is made again after that
    pause, and another chat's message waits out the pause too."""
    failing = asyncio.create_task(call(limiter, fake, "sendMessage", 7001, fail=[1]))
    await asyncio.sleep(0)  # the first attempt has been refused
    assert await call(limiter, fake, "sendMessage", 7002) is True
    assert await failing is True
    first, other, retried = fake.calls
    assert first[1] == 7001 and first[2] == 0.0
    assert other[1] == 7002 and other[2] >= 3.0
    assert retried[1] == 7001 and retried[2] >= 3.0


async def test_retry_after_too_often_gives_up(limiter: PacedRateLimiter, fake: FakeTime) -> None:
    """Check that a call refused four times in a row fails (the outbox keeps the reply)."""
    with pytest.raises(RetryAfter):
        await call(limiter, fake, "sendMessage", 7001, fail=[1, 1, 1, 1])
    assert len(fake.calls) == 4
