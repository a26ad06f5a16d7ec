"""Crash tests: the real bot process, SIGKILLed at chosen and at random points of a journey.

Each test walks one client from /start through the intake to a booked appointment, kills the bot
where it says, restarts it, and compares what the client received, step by step, and what the
database holds with an uninterrupted run of the same journey. Runs on SQLite and, when
TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo import seed_demo_office
from storage.crypto import Keyring, new_secret
from storage.db import Database
from tests.reliability.crash_journey import (
    NO_DUPLICATES,
    SCRIPT,
    STEP,
    TOKEN,
    BotProcess,
    Journey,
    Kill,
    Outcome,
    bot_env,
    repeated_in_flight,
)
from tests.reliability.fake_bot_api_server import FakeBotApiServer

PEPPER, CHAT_KEY = new_secret(), new_secret()
KEYRING = Keyring.from_text(PEPPER, f"k1:{CHAT_KEY}")


class Rig:
    """A fake Bot API server and a bot process on one database, torn down whatever happens."""

    def __init__(self, db: Database, tmp: Path) -> None:
        seed_demo_office(db, "muenchen")
        self.db = db
        self.server = FakeBotApiServer(TOKEN, tmp / "calls.jsonl").start()
        url = db.url.render_as_string(hide_password=False)
        env = bot_env(url, tmp, PEPPER, CHAT_KEY)
        self.bot = BotProcess(self.server, env, tmp)

    def run(self, plan: dict[int, list[Kill]]) -> Outcome:
        return Journey(self.server, self.bot, self.db, KEYRING).run(plan)

    def close(self) -> None:
        self.bot.stop()
        self.server.stop()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    """The journey once without a crash, on its own SQLite database: what the client should get."""
    tmp = tmp_path_factory.mktemp("reference")
    db = Database(f"sqlite:///{tmp / 'reference.db'}")
    db.migrate()
    rig = Rig(db, tmp)
    try:
        outcome = rig.run({})
    finally:
        rig.close()
        db.dispose()
    built = outcome.final["before /delete"]
    assert built["appointments"][0][0] == "booked" and built["conversation"]  # it really books
    assert outcome.final["at the end"]["conversation"] == []  # and really deletes
    yield outcome


@pytest.fixture
def rig(database: Database, tmp_path: Path) -> Iterator[Rig]:
    built = Rig(database, tmp_path)
    yield built
    built.close()


def short(messages: list[tuple[str, ...]]) -> list[str]:
    return [f"{method} {text[:60]!r}" for method, text, *_ in messages]


def check(outcome: Outcome, reference: Outcome, note: str = "") -> None:
    """Same database as without a crash; per step the same replies, in order, each once, except
    that the message a killed process had in flight may come twice (one per such kill)."""
    for step, (actual, expected) in enumerate(
        zip(outcome.messages, reference.messages, strict=True)
    ):
        kills = outcome.kills.get(step, [])
        may_repeat = sum(1 for kill in kills if kill.kind not in NO_DUPLICATES)
        assert repeated_in_flight(actual, expected, may_repeat), (
            f"{note}step {step} {SCRIPT[step]} with kills {kills}: "
            f"the client got {len(actual)} messages, expected {len(expected)}:\n"
            f"got      {short(actual)}\nexpected {short(expected)}"
        )
        if SCRIPT[step][0] != "text":
            assert outcome.answered[step] >= 1, f"{note}button of step {step} never answered"
    assert outcome.final == reference.final, note
    built = outcome.final["before /delete"]
    booked = [row for row in built["appointments"] if row[0] == "booked"]
    assert len(booked) == 1, f"{note}{len(booked)} booked appointments"


def test_a_kill_between_receipt_and_commit_loses_no_step(rig: Rig, reference: Outcome) -> None:
    """Check that a step killed after the bot fetched it, before it committed, is fetched again by
    the restarted bot and applied once."""
    check(rig.run({STEP["typed country"]: [Kill("before_commit")]}), reference)


def test_a_kill_between_commit_and_send_sends_every_reply_once(
    rig: Rig, reference: Outcome
) -> None:
    """Check that replies committed but not yet sent when the bot dies (after a typed answer, an
    edited question, the last words after /delete) are sent once after the restart, and the
    update Telegram delivers again is not applied twice."""
    plan = {
        STEP["typed note"]: [Kill("after_commit")],
        STEP["interest toggle"]: [Kill("after_commit")],
        STEP["deletion"]: [Kill("after_commit")],
    }
    outcome = rig.run(plan)
    check(outcome, reference)
    for step in (STEP["interest toggle"], STEP["deletion"]):
        assert outcome.answered[step] == 2  # Telegram delivered the press again


def test_a_kill_between_two_replies_repeats_only_the_one_in_flight(
    rig: Rig, reference: Outcome
) -> None:
    """Check that a bot killed after its second message reached Telegram, before it heard back,
    sends that message again after the restart and never the first one twice."""
    outcome = rig.run({STEP["book now"]: [Kill("mid_send", n=1)]})
    check(outcome, reference)
    book_now = reference.messages[STEP["book now"]]
    assert len(book_now) == 2  # the thanks for the intake, then the interpreter question
    assert outcome.messages[STEP["book now"]] == book_now + book_now[1:]


def test_a_kill_before_the_last_mark_commits_repeats_only_the_last_message(
    rig: Rig, reference: Outcome
) -> None:
    """Check that a bot killed after the last message of a reply was answered, while that
    message's sent mark still waited for a ride in the next transaction, sends only that message
    again after the restart: the earlier messages' marks were committed before it went out."""
    plan = {
        STEP["book now"]: [Kill("unmarked", n=1)],
        STEP["booking"]: [Kill("unmarked", n=2)],
    }
    outcome = rig.run(plan)
    check(outcome, reference)
    book_now = reference.messages[STEP["book now"]]  # the thanks, then the interpreter question
    assert outcome.messages[STEP["book now"]] == book_now + book_now[1:]
    booking = reference.messages[STEP["booking"]]  # confirmation, calendar file, menu
    assert len(booking) == 3
    assert outcome.messages[STEP["booking"]] == booking + booking[2:]


def test_a_kill_during_a_booking_books_once(rig: Rig, reference: Outcome) -> None:
    """Check that a booking killed inside its transaction, then again while its confirmation and
    calendar file go out, leaves exactly one appointment and a client who has it confirmed."""
    inside = Kill("before_commit") if rig.db.is_sqlite else Kill("mid_transaction")
    outcome = rig.run({STEP["booking"]: [inside, Kill("mid_send", n=1)]})
    check(outcome, reference)
    booking = reference.messages[STEP["booking"]]  # confirmation, calendar file, menu
    assert outcome.messages[STEP["booking"]] == booking[:2] + booking[1:]  # the file twice
    built = outcome.final["before /delete"]
    assert built["reminders"] == reference.final["before /delete"]["reminders"] > 0


def test_kills_at_random_points_lose_nothing(rig: Rig, reference: Outcome) -> None:
    """Check that SIGKILL at random moments of random steps loses no step and no reply."""
    seed = int(os.environ.get("COMEHOME_TEST_SEED") or random.SystemRandom().randrange(10**9))
    print(f"COMEHOME_TEST_SEED={seed}")
    chance = random.Random(seed)
    steps = sorted(chance.sample(range(len(SCRIPT)), 3))
    plan = {step: [Kill("random", delay=round(chance.uniform(0, 0.05), 3))] for step in steps}
    check(rig.run(plan), reference, note=f"COMEHOME_TEST_SEED={seed} plan={plan}: ")
