"""End-to-end load over real HTTP: 200 clients write at once to a bot in long polling against a
local fake Bot API that answers every call after 50 ms (loopback only).

    .venv/bin/python -m benchmarks.http_load [--clients 200] [--latency 0.05] [--postgres URL]
                                             [--output results.md]

Each system runs as its own process against the same fake server: ours is `python -m bot run`
(bot/app.py's `poll` with `build_application(assistant)`, TELEGRAM_API_BASE_URL pointing at the
fake), on SQLite with `--stored` conversations pre-filled (and on PostgreSQL when `--postgres` is
given; that database is emptied first); PTB's default is the ConversationHandler journey under
`Application.run_polling` (one update at a time). A client writes its next step a think time
after the step's last message (the one with buttons) arrived. The run stops by itself after
`--journeys` journeys per client or `--duration` seconds, whichever comes first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.fake_api import BotAPIState, Sent, serve
from benchmarks.measure import OtherLoad, machine, markdown, peak_rss_mb, percentile
from benchmarks.script import CLIENT_IDS, JOURNEY, TOKEN, journey_updates
from storage.crypto import Keyring, new_secret

TARGETS = """Targets (issue 8): ≥ 25 updates/s sustained, never more than 30 messages/s overall or
1/s to one chat, p99 time from update to reply ≤ 300 ms."""


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.http_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=TARGETS,
    )
    parser.add_argument("--clients", type=int, default=200, help="clients writing at once")
    parser.add_argument("--journeys", type=int, default=1, help="journeys per client (13 updates)")
    parser.add_argument("--duration", type=float, default=120.0, help="cap per system, seconds")
    parser.add_argument("--latency", type=float, default=0.05, help="the fake API's answer delay")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument("--stored", type=int, default=10_000, help="pre-filled conversations")
    parser.add_argument(
        "--postgres", metavar="URL", help="also run ours on this PostgreSQL database"
    )
    parser.add_argument("--skip", default="", help="systems to leave out: ours-sqlite, ptb-default")
    parser.add_argument(
        "--workdir", help="where databases and logs go (default: a temporary folder)"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="before each system, wait up to this many seconds for other processes to go quiet",
    )
    parser.add_argument("--output", help="also write the Markdown tables to this file")
    parser.add_argument("--ptb-bot", help=argparse.SUPPRESS)  # internal: run the PTB baseline bot
    return parser.parse_args(argv)


@dataclass
class Step:
    """One update a client wrote, and when the bot's reply reached the server."""

    written: float
    index: int  # which step of the journey: 0 is /start, all clients' first write at once
    first_reply: float = float("nan")
    answered: float = float("nan")  # the step's last message: the one with buttons


@dataclass
class Clients:
    """The simulated clients: each walks its journeys, waiting for each step's reply."""

    state: BotAPIState
    count: int
    journeys: int
    think: float
    deadline: float
    steps: list[Step] = field(default_factory=list)
    waiting: dict[int, tuple[Step, asyncio.Event]] = field(default_factory=dict)

    def on_message(self, sent: Sent) -> None:
        entry = self.waiting.get(sent.chat_id)
        if entry is None:
            return
        step, answered = entry
        if step.first_reply != step.first_reply:  # NaN: the first message of this step
            step.first_reply = sent.at
        if sent.has_buttons:
            step.answered = sent.at
            del self.waiting[sent.chat_id]
            answered.set()

    async def walk(self, number: int) -> None:
        """One client: its journeys one after another, each as a new Telegram user."""
        rng = random.Random(number)
        for journey in range(self.journeys):
            client = number + journey * self.count
            for index, raw in enumerate(journey_updates(client)):
                if time.perf_counter() > self.deadline:
                    return
                step, answered = Step(time.perf_counter(), index), asyncio.Event()
                self.waiting[CLIENT_IDS + client] = (step, answered)  # chat id = user id
                self.state.enqueue(raw)
                self.steps.append(step)
                try:
                    await asyncio.wait_for(answered.wait(), self.deadline - time.perf_counter())
                except TimeoutError:
                    return
                await asyncio.sleep(rng.uniform(0.5, 1.5) * self.think)

    async def run(self) -> None:
        self.state.on_message = self.on_message
        await asyncio.gather(*(self.walk(n) for n in range(self.count)))


@dataclass
class BotProcess:
    """A bot under test in its own process, its output in a log file."""

    name: str
    process: subprocess.Popen[bytes]
    started: float

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def stop(self, state: BotAPIState) -> None:
        self.process.send_signal(signal.SIGTERM)
        state.release()  # a held getUpdates returns at once, so the bot sees the stop


def our_environment(
    base_url: str, database_url: str, secrets: dict[str, str], folder: Path
) -> dict[str, str]:
    """`comehome run` configured by its environment, as an operator would."""
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
        "COMEHOME_DATABASE_URL": database_url,
        "COMEHOME_PEPPER": secrets["pepper"],
        "COMEHOME_CHAT_KEYS": secrets["chat_keys"],
        "COMEHOME_DATA_DIR": str(folder),
        "COMEHOME_LOG_LEVEL": "INFO",
    }


def start_bot(name: str, base_url: str, run: Run) -> BotProcess:
    """ours-*: `python -m bot run`; ptb-default: this module's PTB baseline under run_polling."""
    if name == "ptb-default":
        spec = json.dumps({"base_url": base_url, "prompts": str(run.prompts)})
        command = [sys.executable, "-m", "benchmarks.http_load", "--ptb-bot", spec]
        env = dict(os.environ)
    else:
        command = [sys.executable, "-m", "bot", "run"]
        env = our_environment(base_url, run.urls[name], run.secrets, run.folder)
    log = (run.folder / f"{name}.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    return BotProcess(name, process, time.perf_counter())


def ptb_bot(spec_text: str) -> None:
    """The baseline bot: PTB's defaults (Updater, one update at a time), logging as its example."""
    import logging
    import warnings

    from telegram.warnings import PTBUserWarning

    from benchmarks.baseline import build_baseline
    from bot.logs import quiet_libraries

    spec = json.loads(spec_text)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    quiet_libraries()
    warnings.filterwarnings("ignore", category=PTBUserWarning)
    application, _ = build_baseline(Path(spec["prompts"]), base_url=spec["base_url"])
    application.run_polling(allowed_updates=["message", "edited_message", "callback_query"])


class Run:
    """The work folder, the keys, the captured prompts and the pre-filled databases."""

    def __init__(self, args: argparse.Namespace) -> None:
        from benchmarks.prefill import fill_database
        from benchmarks.script import fresh_databases, write_capture
        from storage.db import Database

        self.args = args
        self.folder = Path(args.workdir or tempfile.mkdtemp(prefix="comehome-http-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.secrets = {"pepper": new_secret(), "chat_keys": f"k1:{new_secret()}"}
        keyring = Keyring.from_text(self.secrets["pepper"], self.secrets["chat_keys"])
        self.prompts, model = write_capture(keyring, self.folder)
        self.urls = fresh_databases(self.folder, args.postgres)
        for url in self.urls.values():
            db = Database(url)
            fill_database(db, 0, args.stored, model, keyring)
            db.dispose()


async def measure(name: str, run: Run) -> dict[str, Any]:
    """Start the fake API and the bot, let the clients walk, stop the bot, return the figures."""
    args = run.args
    state = BotAPIState(latency=args.latency)
    server, base_url = serve(state)
    bot = start_bot(name, base_url, run)
    try:
        await asyncio.wait_for(state.first_poll.wait(), 120)
        ready, cpu_at_start = time.perf_counter() - bot.started, bot.cpu_seconds()
        others = OtherLoad()
        clients = Clients(
            state, args.clients, args.journeys, args.think, time.perf_counter() + args.duration
        )
        await clients.run()
        cpu, rss = bot.cpu_seconds() - cpu_at_start, peak_rss_mb(bot.process.pid)
        figures = summarise(clients.steps, state, others.share(running_child_seconds=cpu))
        steps_file = run.folder / f"{name}-steps.json"  # raw data for a closer look
        steps_file.write_text(json.dumps([asdict(step) for step in clients.steps]))
    finally:
        bot.stop(state)
        await asyncio.to_thread(bot.process.wait, 30)
        server.stop()
    window = figures.pop("window")
    steps = logged_steps(run.folder / f"{name}.log")
    return {
        "name": name,
        "ready_s": ready,
        "bot_cpu": cpu / window,
        "bot_rss_mb": rss,
        "step_p50_ms": percentile(steps, 0.5),
        "step_p99_ms": percentile(steps, 0.99),
        **figures,
    }


def logged_steps(path: Path) -> list[float]:
    """How long our bot's steps took by its own log ("step Pressed a -> b in 1.8 ms"): the
    worker-thread transaction including the wait for a thread and for the database lock."""
    found = re.findall(r" step \w+ \S+ -> \S+ in ([\d.]+) ms", path.read_text(errors="replace"))
    return [float(ms) for ms in found]


def most_in_one_second(times: list[float]) -> int:
    """The largest number of events inside any one-second window."""
    ordered, most, first = sorted(times), 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def reply_ms(steps: list[Step], share: float) -> float:
    """A percentile of the time from a client's update to the first message of the reply."""
    return percentile([s.first_reply - s.written for s in steps], share) * 1000


PERIOD = 15.0  # seconds


def periods(steps: list[Step], began: float) -> list[tuple[float, int, float, float]]:
    """Reply times through the run: (start s, updates, p50 ms, p99 ms) per period in which the
    updates were written."""
    by_period: dict[int, list[Step]] = defaultdict(list)
    for step in steps:
        by_period[int((step.written - began) // PERIOD)].append(step)
    return [
        (n * PERIOD, len(group), reply_ms(group, 0.5), reply_ms(group, 0.99))
        for n, group in sorted(by_period.items())
    ]


def periods_table(results: list[dict[str, Any]]) -> str:
    """Update → first reply through the run, one row per period and system."""
    rows = [
        [LABELS[r["name"]], f"{start:.0f}–{start + PERIOD:.0f}", count, p50, p99]
        for r in results
        for start, count, p50, p99 in r["periods"]
    ]
    header = ["system", "written at, s", "updates", "first reply p50 ms", "p99 ms"]
    return markdown(header, rows)


def seconds_over(offsets: list[float], limit: int) -> int:
    """How many of the run's whole seconds (counted from its start) held more than `limit`."""
    per_second: dict[int, int] = defaultdict(int)
    for offset in offsets:
        per_second[int(offset)] += 1
    return sum(1 for count in per_second.values() if count > limit)


def summarise(steps: list[Step], state: BotAPIState, others: float) -> dict[str, Any]:
    """Rates over the run's active window (first write to last reply) and reply times."""
    answered = [s for s in steps if s.answered == s.answered]
    began = min(s.written for s in steps)
    window = max(s.answered for s in answered) - began
    per_chat: dict[int, list[float]] = defaultdict(list)
    for sent in state.sent:
        per_chat[sent.chat_id].append(sent.at)
    return {
        "window": window,
        "answered": len(answered),
        "unanswered": len(steps) - len(answered),
        "updates_per_s": len(answered) / window,
        "messages_per_s": len(state.sent) / window,
        "messages_max_1s": most_in_one_second([s.at for s in state.sent]),
        "seconds_over_30": seconds_over([s.at - began for s in state.sent], 30),
        "chat_max_1s": max(most_in_one_second(times) for times in per_chat.values()),
        "messages_per_update": len(state.sent) / max(1, len(answered)),
        "calls_per_s": sum(n for m, n in state.calls.items() if m != "getUpdates") / window,
        "per_get_updates": len(answered) / max(1, state.calls.get("getUpdates", 0)),
        "first_p50_ms": reply_ms(answered, 0.5),
        "first_p99_ms": reply_ms(answered, 0.99),
        "start_p99_ms": reply_ms([s for s in answered if s.index == 0], 0.99),
        "second_half_p99_ms": reply_ms(
            [s for s in answered if s.written > began + window / 2], 0.99
        ),
        "periods": periods(answered, began),
        "last_p99_ms": percentile([s.answered - s.written for s in answered], 0.99) * 1000,
        "others_cpu": others,
    }


LABELS = {
    "ours-sqlite": "ours, SQLite",
    "ours-postgres": "ours, PostgreSQL",
    "ptb-default": "PTB default (run_polling)",
}


def results_table(results: list[dict[str, Any]]) -> str:
    """Two tables: what the bot got through and sent; how long clients waited and why."""
    throughput = [
        [
            LABELS[r["name"]],
            f"{r['answered']:,} ({r['unanswered']})",
            r["updates_per_s"],
            r["messages_per_s"],
            r["messages_max_1s"],
            r["seconds_over_30"],
            r["chat_max_1s"],
            r["messages_per_update"],
            r["per_get_updates"],
        ]
        for r in results
    ]
    waiting = [
        [
            LABELS[r["name"]],
            r["first_p50_ms"],
            r["first_p99_ms"],
            r["start_p99_ms"],
            r["second_half_p99_ms"],
            r["last_p99_ms"],
            r["step_p50_ms"],
            r["step_p99_ms"],
            r["bot_cpu"],
            r["bot_rss_mb"],
            r["ready_s"],
            r["others_cpu"],
        ]
        for r in results
    ]
    return "\n\n".join(
        [
            markdown(THROUGHPUT, throughput),
            markdown(WAITING, waiting),
        ]
    )


THROUGHPUT = [
    "system",
    "updates answered (unanswered at stop)",
    "updates/s",
    "messages/s mean",
    "messages in the busiest second (sliding)",
    "seconds with more than 30",
    "most messages to one chat in 1 s",
    "messages/update",
    "updates per getUpdates",
]
WAITING = [
    "system",
    "update → first reply p50 ms",
    "p99 ms",
    "p99 ms of /start (the opening burst)",
    "p99 ms, second half of the run",
    "update → last message p99 ms",
    "step in the bot p50 ms",
    "p99 ms",
    "bot CPU (share of one core)",
    "bot peak RSS MB",
    "ready after s",
    "other processes, CPUs",
]


def target_rows(result: dict[str, Any], clients: int, think: float) -> list[list[object]]:
    """The issue's four targets against one system's figures. Throughput is decided only when
    the bot was the bottleneck (a client's cycle well above its think time)."""
    label = LABELS[result["name"]]

    def row(target: str, value: float, limit: float, at_least: bool, unit: str) -> list[object]:
        met = value >= limit if at_least else value <= limit
        how = "met" if met else f"**missed** ({value / limit:.2f}× the limit)"
        return [label, target, f"{value:,.1f} {unit}", how]

    throughput = row("≥ 25 updates/s sustained", result["updates_per_s"], 25, True, "updates/s")
    if clients / result["updates_per_s"] < 1.5 * think:
        throughput[2:] = [
            f"{result['updates_per_s']:.1f} updates/s offered",
            "not decided: the clients offered less and the bot kept up",
        ]
    return [
        throughput,
        row(
            "≤ 30 messages/s overall", result["messages_max_1s"], 30, False, "in the busiest second"
        ),
        row("≤ 1 message/s to one chat", result["chat_max_1s"], 1, False, "in one second"),
        row("p99 update → reply ≤ 300 ms", result["first_p99_ms"], 300, False, "ms"),
        row(
            "the same, second half of the run",
            result["second_half_p99_ms"],
            300,
            False,
            "ms",
        ),
    ]


def bounds_table(results: list[dict[str, Any]], clients: int, think: float) -> str:
    """What caps each result: the message budget, and Little's law for a closed loop of clients."""
    header = [
        "system",
        "messages/update",
        "most updates/s 30 messages/s allow",
        "cycle per client = clients ÷ updates/s, s",
        "of which thinking, s",
    ]
    rows = [
        [
            LABELS[r["name"]],
            r["messages_per_update"],
            30 / r["messages_per_update"],
            clients / r["updates_per_s"],
            think,
        ]
        for r in results
    ]
    return markdown(header, rows)


def report(run: Run, results: list[dict[str, Any]]) -> str:
    args = run.args
    targets = [
        row
        for r in results
        if r["name"].startswith("ours")
        for row in target_rows(r, args.clients, args.think)
    ]
    return "\n\n".join(
        [
            f"Machine: {machine()}",
            f"{args.clients} clients × {args.journeys} journey(s) of {len(JOURNEY)} updates, "
            f"writing at once, think time {args.think:.1f} s (uniform ±50 %), fake Bot API "
            f"answering after {args.latency * 1000:.0f} ms, {args.stored:,} stored conversations, "
            f"each system capped at {args.duration:.0f} s.",
            results_table(results),
            "Update → first reply through the run, by when the update was written:",
            periods_table(results),
            bounds_table(results, args.clients, args.think),
            markdown(["system", "target", "measured", "verdict"], targets),
        ]
    )


async def measure_all(run: Run) -> list[dict[str, Any]]:
    from benchmarks.measure import wait_until_quiet

    skip = set(filter(None, run.args.skip.split(",")))
    results = []
    for name in [*run.urls, "ptb-default"]:
        if name in skip:
            continue
        print(f"  {LABELS[name]} …", file=sys.stderr, flush=True)
        await asyncio.to_thread(wait_until_quiet, patience=run.args.quiet_wait)
        results.append(await measure(name, run))
    return results


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.ptb_bot:
        ptb_bot(args.ptb_bot)
        return 0
    run = Run(args)
    text = report(run, asyncio.run(measure_all(run)))
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
