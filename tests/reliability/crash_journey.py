"""Drives the real bot process (`python -m bot run`) through a scripted journey and kills it.

The journey is fed one update at a time through the fake Bot API server; a step is done when the
bot has confirmed the update (a later `getUpdates` offset) and the outbox is empty. At chosen steps
the process gets SIGKILL at a chosen point (see `Kill`) and is started again; the lease of replies
left in the outbox by the dead process is moved into the past (what 15 seconds of waiting would
do), so the restarted process sends them at its first outbox flush.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select, text, update

from bot.config import ROOT
from storage.crypto import Keyring
from storage.db import Database
from storage.tables import (
    appointments,
    conversations,
    daily_counts,
    outbox,
    processed_updates,
    reminders,
    waiting_list,
)
from tests.e2e.fake_telegram import UpdateFactory
from tests.reliability.fake_bot_api_server import SENDING, Call, FakeBotApiServer

TOKEN = "123456:TEST-TOKEN"
USER_ID = 7300000001337
STEP_TIMEOUT = 15.0  # seconds a step may take, restarts included, before the test fails
START_TIMEOUT = 20.0
LONG_AGO = datetime(2000, 1, 1)

# The client's journey: (kind, value). "press" finds the newest message carrying that button,
# "slot" presses the first offered time, "again" presses the previous button once more.
SCRIPT: tuple[tuple[str, str], ...] = (
    ("text", "/start"),
    ("press", "lang:de"),
    ("press", "privacy:accept"),
    ("press", "m:intake"),
    ("text", "Irak"),
    ("press", "a:adults:2"),
    ("text", "1"),
    ("press", "a:situation:obliged"),
    ("press", "a:stay:one_year_or_more"),
    ("press", "a:interests:business"),
    ("press", "a:interests:travel"),
    ("press", "a:interests:done"),
    ("text", "Vormittags bitte."),
    ("press", "sum:book"),
    ("press", "b:int:none"),
    ("slot", ""),
    ("press", "b:ok"),
    ("again", ""),
    ("text", "/menu"),
    ("press", "m:appt"),
    ("text", "/delete"),
    ("press", "del:yes"),
)
STEP = {
    "typed country": 4,
    "typed note": 12,
    "interest toggle": 9,
    "privacy": 1,
    "book now": 13,  # the intake confirmed, then the interpreter question: two messages
    "booking": 16,
    "/delete": 20,
    "deletion": 21,
}

# Where a kill lands:
#   before_commit    the update was handed out; the step waits for the database (SQLite: for its
#                    BEGIN IMMEDIATE; PostgreSQL: with the conversation written, for its outbox
#                    row): kill
#   mid_transaction  (PostgreSQL) the booking has inserted its appointment and waits, inside its
#                    transaction, to insert its reminders: kill
#   after_commit     committed, no reply sent yet (a button press: while it is being answered;
#                    a text: its first reply is lost on the way to Telegram): kill
#   mid_send         committed, sending call number `n` of the step has reached Telegram,
#                    unanswered: kill (after the restart only that message may come twice)
#   unmarked         committed, the step's last sending call (number `n`) answered, and its sent
#                    mark held back: the test holds the write lock it needs (SQLite: BEGIN
#                    IMMEDIATE; PostgreSQL: the outbox locked), as if no step had come to carry
#                    it yet: kill (after the restart only that message may come twice; the marks
#                    of the calls before it were committed before it went out)
#   random           `delay` seconds after the update was offered: kill, wherever the bot is
KINDS = ("before_commit", "mid_transaction", "after_commit", "mid_send", "unmarked", "random")
NO_DUPLICATES = ("before_commit", "mid_transaction", "after_commit")


@dataclass(frozen=True)
class Kill:
    kind: str
    n: int = 0  # mid_send: which sending call of the step is held (0 = first)
    delay: float = 0.0  # random: seconds after the update was offered

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind


@dataclass
class Outcome:
    """What a run left behind: the messages per step, and the database."""

    messages: list[list[tuple[Any, ...]]]
    answered: list[int]  # answerCallbackQuery calls per step
    kills: dict[int, list[Kill]]
    final: dict[str, Any]


class BotProcess:
    """`python -m bot run` against the fake server; SIGKILL and restart on demand. Each process
    gets its own base URL, so the server knows which process made a call."""

    def __init__(self, server: FakeBotApiServer, env: dict[str, str], logs: Path) -> None:
        self.server, self.env, self.logs = server, env, logs
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        """Start a new process and wait until it polls."""
        assert self.process is None
        self.starts += 1
        number = self.starts
        env = {**self.env, "TELEGRAM_API_BASE_URL": self.server.url_for(number)}
        with (self.logs / f"bot-{number}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while self.server.polls.get(number, 0) == 0:
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited at start:\n{self.log_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start polling:\n{self.log_text()}")
            time.sleep(0.01)

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        code = self.process.wait(10)
        assert code == -signal.SIGKILL, f"the bot ended with {code} before it was killed"
        self.process = None

    def stop(self) -> None:
        """Teardown: kill the process if it still runs (only the one this object started)."""
        if self.process is not None:
            _kill(self.process)
        self.process = None

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"the bot process died on its own:\n{self.log_text()}")

    def log_text(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.logs.glob("bot-*.log"))
        )


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def bot_env(database_url: str, data_dir: Path, pepper: str, chat_key: str) -> dict[str, str]:
    """Only what the bot needs: no proxies (only loopback traffic), our secrets, our database.
    The fake Bot API's address is added per process (`BotProcess`)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        "LANG": "C.UTF-8",
        "NO_PROXY": "*",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "COMEHOME_DATABASE_URL": database_url,
        "COMEHOME_DATA_DIR": str(data_dir),
        "COMEHOME_PEPPER": pepper,
        "COMEHOME_CHAT_KEYS": f"k1:{chat_key}",
        "COMEHOME_LOG_LEVEL": "INFO",
        # The fake server keeps no limits, and pacing (tested in tests/bot/test_pacing.py) would
        # only make each journey last a second per message.
        "COMEHOME_TELEGRAM_PACING": "0",
    }


class Journey:
    """One client's scripted journey through one bot process, with kills where the plan says."""

    def __init__(
        self, server: FakeBotApiServer, bot: BotProcess, db: Database, keyring: Keyring
    ) -> None:
        self.server, self.bot, self.db, self.keyring = server, bot, db, keyring
        self.user = UpdateFactory(user_id=USER_ID)
        self.last_press: dict[str, Any] | None = None
        self.before_delete: dict[str, Any] = {}

    # --- the script ------------------------------------------------------------------------------

    def update_for(self, kind: str, value: str) -> dict[str, Any]:
        if kind == "text":
            return self.user.message(value)
        if kind == "again":
            assert self.last_press is not None
            query = self.last_press["callback_query"]
            return self.user.press(query["data"], message_id=query["message"]["message_id"])
        if kind == "slot":
            value = self.newest_button(lambda data: data.startswith("b:slot:"))
        message_id = self.message_with(value)
        self.last_press = self.user.press(value, message_id=message_id)
        return self.last_press

    def sent(self) -> list[Call]:
        """Every sending call, also those lost on the way (they count for `hold_nth_send`)."""
        return [c for c in self.server.snapshot() if c.method in SENDING]

    def newest_button(self, wanted: Callable[[str], bool]) -> str:
        for call in reversed(self.sent()):
            for data in buttons(call):
                if wanted(data):
                    return data
        raise AssertionError("no message offered the button to press")

    def message_with(self, data: str) -> int:
        for call in reversed(self.sent()):
            if data in buttons(call) and call.message_id is not None and not call.lost:
                return call.message_id
        raise AssertionError(f"no message carries the button {data!r}")

    # --- running ---------------------------------------------------------------------------------

    def run(self, plan: dict[int, list[Kill]]) -> Outcome:
        self.bot.start()
        for index, (kind, value) in enumerate(SCRIPT):
            if index == STEP["/delete"]:  # what the journey built, before it is deleted
                self.before_delete = self.database()
            self.server.tag = index
            update = self.update_for(kind, value)
            kills = plan.get(index, [])
            if not kills:
                self.server.add_update(update)
            for number, kill in enumerate(kills):
                self.crash(kill, update, first=number == 0)
            if kills:
                self.bot.start()
            self.wait_done(update["update_id"], index)
        return self.outcome(plan)

    def crash(self, kill: Kill, update: dict[str, Any], first: bool) -> None:
        """Arm the kill point, offer the update (or restart the bot, which fetches it again), let the
        bot reach the point, SIGKILL, disarm; the caller restarts the bot."""
        update_id = update["update_id"]
        step = self.server.tag
        if kill.kind in ("before_commit", "mid_transaction"):
            assert first, "a database lock can only be armed before the step is first offered"
            # PostgreSQL: the table the step waits to write to, and one it has written already.
            waits, wrote = {
                "before_commit": ("outbox", "conversations"),
                "mid_transaction": ("reminders", "appointments"),
            }[kill.kind]
            with self.blocking(waits, wrote, update_id) as reached:
                self.server.add_update(update)
                reached()
                self.bot.kill()
            assert not self.committed(update_id), "the step committed although it was blocked"
            if kill.kind == "mid_transaction":
                assert self.count(appointments) == 0, "a booking outlived its killed transaction"
        elif kill.kind == "unmarked":
            seen = sum(1 for c in self.sent() if c.tag == step)
            hold = self.server.hold_nth_send(step, seen + kill.n)
            if first:
                self.server.add_update(update)
            else:
                self.bot.start()
            if not hold.reached.wait(STEP_TIMEOUT):
                raise AssertionError(
                    f"step {step}: {kill} was never reached\n{self.bot.log_text()}"
                )
            assert self.committed(update_id), "a reply was on its way before the step committed"
            with self.marks_held_back() as sent_parts:
                hold.released.set()  # the answer reaches the bot; its mark cannot commit
                assert sent_parts() == [kill.n], "not only the last call of the reply was unmarked"
                self.bot.kill()
        elif kill.kind in ("after_commit", "mid_send"):
            seen = sum(1 for c in self.sent() if c.tag == step)
            if kill.kind == "mid_send":
                hold = self.server.hold_nth_send(step, seen + kill.n)
            elif SCRIPT[step][0] == "text":
                hold = self.server.hold_nth_send(step, seen, lost=True)
            else:
                hold = self.server.hold("answerCallbackQuery", lambda c: c.tag == step)
            if first:
                self.server.add_update(update)
            else:
                self.bot.start()
            if not hold.reached.wait(STEP_TIMEOUT):
                raise AssertionError(
                    f"step {step}: {kill} was never reached\n{self.bot.log_text()}"
                )
            assert self.committed(update_id), "a reply was on its way before the step committed"
            if kill.kind == "after_commit":
                assert self.count(outbox) >= 1, "the step committed without its replies"
            self.bot.kill()
            hold.released.set()
        else:  # random
            if first:
                self.server.add_update(update)
            else:
                self.bot.start()
            time.sleep(kill.delay)
            self.bot.kill()
        self.expire_leases()

    @contextlib.contextmanager
    def blocking(self, table: str, wrote: str, update_id: int) -> Iterator[Callable[[], None]]:
        """Hold a lock that stops the bot's step inside its transaction, before it can commit.

        SQLite: our own BEGIN IMMEDIATE (the step's BEGIN IMMEDIATE waits for it). PostgreSQL: an
        EXCLUSIVE lock on `table`, which the step writes to; `reached()` returns once a backend
        waits for it with that very INSERT, holding a write lock on `wrote` (the step is half
        done)."""
        if self.db.is_sqlite:
            writer = sqlite3.connect(str(self.db.url.database), isolation_level=None)
            writer.execute("BEGIN IMMEDIATE")

            def reached() -> None:
                self.wait_for(lambda: update_id in self.server.handed_out, "the update to fetch")
                time.sleep(0.3)  # it now waits for the write lock (busy_timeout 30 s)

            try:
                yield reached
            finally:
                writer.rollback()
                writer.close()
            return
        with self.db.engine.connect() as connection:
            connection.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))

            def reached() -> None:
                self.wait_for(
                    lambda: waiting_insert(self.db, table, wrote),
                    f"a step that wrote {wrote} and waits on {table}",
                )

            try:
                yield reached
            finally:
                connection.rollback()

    @contextlib.contextmanager
    def marks_held_back(self) -> Iterator[Callable[[], list[int]]]:
        """Hold the write lock a sent mark needs; yields a function that waits until the bot has
        had the answer and its mark waits for the lock, then returns `sent_parts` of the outbox
        rows (read under the held lock)."""
        if self.db.is_sqlite:
            holder = sqlite3.connect(str(self.db.url.database), isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")

            def parts() -> list[int]:
                time.sleep(0.3)  # the answer arrives; the mark waits for the lock (busy_timeout)
                rows = holder.execute("SELECT sent_parts FROM outbox ORDER BY id").fetchall()
                return [int(row[0]) for row in rows]

            try:
                yield parts
            finally:
                holder.rollback()
                holder.close()
            return
        with self.db.engine.connect() as connection:
            connection.execute(text("LOCK TABLE outbox IN EXCLUSIVE MODE"))

            def parts() -> list[int]:
                self.wait_for(
                    lambda: waiting_statement(self.db, "DELETE FROM outbox"),
                    "the last sent mark to wait for the outbox",
                )
                rows = connection.execute(text("SELECT sent_parts FROM outbox ORDER BY id"))
                return [int(value) for value in rows.scalars()]

            try:
                yield parts
            finally:
                connection.rollback()

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT
        while not condition():
            self.bot.check_alive()
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}\n{self.bot.log_text()}")
            time.sleep(0.01)

    def wait_done(self, update_id: int, step: int) -> None:
        """The bot confirmed the update to Telegram, committed its step, and sent its replies."""
        self.wait_for(
            lambda: (
                self.server.confirmed > update_id
                and self.committed(update_id)
                and self.count(outbox) == 0
            ),
            f"step {step} to be confirmed, committed and its replies sent",
        )

    def expire_leases(self) -> None:
        """The killed process can confirm nothing any more: let its leases run out now."""
        with self.db.transaction() as tx:
            tx.execute(update(outbox).values(next_attempt_at=LONG_AGO))

    def committed(self, update_id: int) -> bool:
        with self.db.transaction() as tx:
            return (
                tx.execute(
                    select(processed_updates.c.update_id).where(
                        processed_updates.c.update_id == update_id
                    )
                ).first()
                is not None
            )

    def count(self, table: Any) -> int:
        with self.db.transaction() as tx:
            return int(tx.execute(select(func.count()).select_from(table)).scalar_one())

    # --- the result ------------------------------------------------------------------------------

    def database(self) -> dict[str, Any]:
        with self.db.transaction() as tx:
            return snapshot(tx, self.keyring.client_key("telegram", str(USER_ID)))

    def outcome(self, plan: dict[int, list[Kill]]) -> Outcome:
        calls = self.server.snapshot()
        final = {"before /delete": self.before_delete, "at the end": self.database()}
        codes = final["before /delete"].pop("case_codes")  # new ones each run
        final["at the end"].pop("case_codes")
        messages: list[list[tuple[Any, ...]]] = [[] for _ in SCRIPT]
        answered = [0 for _ in SCRIPT]
        for call in calls:
            if call.tag is None or call.lost:
                continue
            if call.method == "answerCallbackQuery":
                answered[call.tag] += 1
            elif call.method in (*SENDING, "deleteMessages"):
                assert int(call.params["chat_id"]) == USER_ID, "a reply went to another chat"
                messages[call.tag].append(normalise(call, codes))
        return Outcome(messages, answered, plan, final)


def waiting_insert(db: Database, table: str, wrote: str) -> bool:
    """Whether a backend waits to insert into `table` in a transaction that wrote to `wrote`."""
    with db.engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity AS a JOIN pg_locks AS l ON l.pid = a.pid "
                "JOIN pg_class AS c ON c.oid = l.relation "
                "WHERE a.wait_event_type = 'Lock' AND a.query ILIKE :query "
                "AND a.datname = current_database() AND l.granted "
                "AND l.mode = 'RowExclusiveLock' AND c.relname = :wrote"
            ),
            {"query": f"INSERT INTO {table}%", "wrote": wrote},
        ).scalar_one()
    return bool(waiting)


def waiting_statement(db: Database, statement: str) -> bool:
    """Whether a backend waits for a lock to run a statement that starts with `statement`."""
    with db.engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query ILIKE :query AND datname = current_database()"
            ),
            {"query": f"{statement}%"},
        ).scalar_one()
    return bool(waiting)


def buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [
        button.get("callback_data", "")
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def normalise(call: Call, case_codes: list[str]) -> tuple[Any, ...]:
    """A sent message as the client sees it; case codes and the calendar's DTSTAMP vary per run."""

    def scrub(value: str) -> str:
        for number, code in enumerate(case_codes):
            for shown in {code, f"{code[:4]}-{code[4:]}", f"{code[:4]} {code[4:]}"}:
                value = re.sub(re.escape(shown), f"<case {number}>", value, flags=re.IGNORECASE)
        return value

    if call.method == "deleteMessages":  # which ids depends on what earlier crashes repeated
        return ("deleteMessages", "", "")
    if call.method == "sendDocument":
        document = call.params["document"]
        content = document["content"].decode()
        content = re.sub(r"DTSTAMP[^\r\n]*\r?\n", "", content)
        return ("sendDocument", document["filename"], scrub(content))
    markup = call.params.get("reply_markup")
    return (call.method, scrub(call.params.get("text", "")), scrub(repr(markup)))


def snapshot(tx: Connection, client_key: str) -> dict[str, Any]:
    """The database after a journey, without what differs between runs (ids, times, codes)."""
    conversation = tx.execute(
        select(
            conversations.c.state,
            conversations.c.locale,
            conversations.c.answers,
            conversations.c.data,
            conversations.c.version,
        ).where(conversations.c.client_key == client_key)
    ).all()
    booked = tx.execute(
        select(
            appointments.c.status,
            appointments.c.counsellor_id,
            appointments.c.starts_at,
            appointments.c.language,
            appointments.c.interpreter_status,
            appointments.c.sequence,
            appointments.c.client_key == client_key,
        ).order_by(appointments.c.id)
    ).all()
    codes = list(tx.execute(select(appointments.c.case_code).order_by(appointments.c.id)).scalars())
    counted: Counter[str] = Counter()
    for metric, value in tx.execute(select(daily_counts.c.metric, daily_counts.c.count)):
        if metric != "agenda_sent":
            counted[metric] += int(value)
    return {
        "conversation": [tuple(row) for row in conversation],
        "appointments": [tuple(row) for row in booked],
        "case_codes": codes,
        "reminders": int(tx.execute(select(func.count()).select_from(reminders)).scalar_one()),
        "waiting_list": int(
            tx.execute(select(func.count()).select_from(waiting_list)).scalar_one()
        ),
        "processed_updates": int(
            tx.execute(select(func.count()).select_from(processed_updates)).scalar_one()
        ),
        "outbox": int(tx.execute(select(func.count()).select_from(outbox)).scalar_one()),
        "counts": dict(counted),
    }


def repeated_in_flight(actual: list[Any], expected: list[Any], at_most: int) -> bool:
    """Whether `actual` is `expected` with at most `at_most` of its messages twice in a row:
    the message a killed process had in flight (it reached Telegram, the answer did not reach
    the process, so the restarted one sends it again). Every message before it went out once."""
    if actual == expected:
        return True
    if at_most == 0 or len(actual) <= len(expected):
        return False
    return any(
        actual[: index + 1] == expected[: index + 1]
        and actual[index + 1] == expected[index]
        and repeated_in_flight(actual[index + 1 :], expected[index:], at_most - 1)
        for index in range(min(len(expected), len(actual) - 1))
    )
