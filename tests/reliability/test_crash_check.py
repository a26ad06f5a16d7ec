"""The crash tests' judge, on made-up runs: it accepts only what a correct bot can show after a
SIGKILL (the one message in flight twice) and rejects each way a broken delivery shows itself."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reliability.crash_journey import SCRIPT, STEP, Kill, Outcome
from tests.reliability.test_crash import check

PRIVACY = STEP["privacy"]
FIRST, SECOND, THIRD = ("sendMessage", "a"), ("sendMessage", "b"), ("sendMessage", "c")


def run(privacy: list[Any], kills: list[Kill], booked: int = 1) -> Outcome:
    """A run whose privacy step got `privacy`, every other step one message."""
    messages: list[list[Any]] = [[("sendMessage", str(step))] for step in range(len(SCRIPT))]
    messages[PRIVACY] = privacy
    final = {
        "before /delete": {"appointments": [("booked",)] * booked, "outbox": 0},
        "at the end": {"conversation": [], "outbox": 0},
    }
    return Outcome(messages, [1] * len(SCRIPT), {PRIVACY: kills} if kills else {}, final)


REFERENCE = run([FIRST, SECOND, THIRD], [])
IN_FLIGHT = [Kill("mid_send", n=1)]


def test_the_message_in_flight_may_come_twice() -> None:
    """Check that the judge accepts a run without repeats, and the message that was in flight at
    the kill sent again."""
    check(run([FIRST, SECOND, THIRD], IN_FLIGHT), REFERENCE)
    check(run([FIRST, SECOND, SECOND, THIRD], IN_FLIGHT), REFERENCE)


@pytest.mark.parametrize(
    ("privacy", "kills", "booked", "broken"),
    [
        ([FIRST, SECOND, FIRST, SECOND, THIRD], IN_FLIGHT, 1, "the whole reply sent again"),
        ([FIRST, SECOND, SECOND, THIRD], [], 1, "a repeat without a kill"),
        ([FIRST, SECOND, THIRD, FIRST], IN_FLIGHT, 1, "an earlier message sent again"),
        ([FIRST, SECOND, SECOND, SECOND, THIRD], IN_FLIGHT, 1, "in flight sent three times"),
        ([FIRST, THIRD], IN_FLIGHT, 1, "a message lost"),
        ([FIRST, THIRD, SECOND], IN_FLIGHT, 1, "messages out of order"),
        ([FIRST, SECOND, SECOND, THIRD], [Kill("after_commit")], 1, "a repeat, nothing in flight"),
        ([FIRST, SECOND, THIRD], IN_FLIGHT, 2, "booked twice"),
    ],
)
def test_each_broken_delivery_is_caught(
    privacy: list[Any], kills: list[Kill], booked: int, broken: str
) -> None:
    """Check that the judge fails a run that shows a broken bot (`broken` says how)."""
    with pytest.raises(AssertionError):
        check(run(privacy, kills, booked), REFERENCE)
