"""Whole-stack benchmark: our bot against python-telegram-bot's usual ways, in the same run.

    .venv/bin/python -m benchmarks.journey [--sizes 1000,10000,100000] [--postgres URL]
                                           [--output results.md]

For each number of stored conversations, every system runs in a process of its own with an
offline Bot API that answers at once: ours on SQLite (WAL, synchronous=FULL) and on PostgreSQL
when `--postgres` is given; PTB's ConversationHandler in memory, with PicklePersistence (default
60-second flush) and with PicklePersistence flushed after every update. Each walks the same
13-update journey, first one client at a time, then K clients at once. The database named by
`--postgres` is emptied first.

`--unsynced` also runs ours on SQLite with commits that do not wait for the disk
(synchronous=NORMAL: a step survives the process being killed, not a power cut or an operating
system crash). That is the durability PicklePersistence has, which writes its file without an
fsync; it shows what the fsync costs. The assistant itself never commits a step so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.cases import Case, run
from benchmarks.measure import OtherLoad, fsync_ms, log_to, machine, markdown, wait_until_quiet
from benchmarks.script import JOURNEY
from storage.crypto import Keyring, new_secret

TARGETS = """Targets (issues 8 and 18): ours ≥ 1/3 of PTB in memory; ≥ 60× PTB+Pickle flushed every
update at 10k stored; p99 ≤ 3 ms on SQLite one at a time; 16 at once faster than one at a time
with p99 ≤ 20 ms on SQLite; PostgreSQL within 2× of SQLite; throughput and RSS within 1.2× from
the smallest to the largest size; start-up ≤ 1 s at the largest size."""
FLUSH_RATIO = 60  # ours ÷ PTB + Pickle flushed every update, at 10k stored (issue 18)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.journey",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=TARGETS,
    )
    parser.add_argument(
        "--sizes",
        default="1000,10000,100000",
        help="stored conversations, "
        "comma-separated (1000000 is supported; its pre-fill takes about a minute)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also measure ours on this PostgreSQL "
        "database (emptied first), e.g. postgresql+psycopg://postgres@127.0.0.1/comehome_bench",
    )
    parser.add_argument(
        "--clients", type=int, default=100, help="clients per pass (13 updates each)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="K: clients at once in the second pass"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=20.0, help="cap per pass (slow baselines stop early)"
    )
    parser.add_argument("--skip", default="", help="systems to leave out, e.g. ptb-pickle-flush")
    parser.add_argument(
        "--workdir", help="where databases and pickle files go (default: a temporary folder)"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="before each case, wait up to this many seconds for other processes to go quiet",
    )
    parser.add_argument(
        "--unsynced",
        action="store_true",
        help="also ours on SQLite with commits not waiting for the disk (Pickle's durability)",
    )
    parser.add_argument("--output", help="also write the Markdown tables to this file")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case in this process
    return parser.parse_args(argv)


def run_child(case: Case, folder: Path, patience: float) -> dict[str, Any]:
    """Run one case in a fresh interpreter (once the machine is quiet) and read its figures."""
    case_file = folder / f"case-{case.first_client}.json"
    case_file.write_text(json.dumps(asdict(case)))
    wait_until_quiet(patience=patience)
    others = OtherLoad()
    subprocess.run(
        [sys.executable, "-m", "benchmarks.journey", "--case", str(case_file)], check=True
    )
    figures: dict[str, Any] = json.loads(case_file.with_suffix(".out.json").read_text())
    return {**figures, "others_cpu": others.share()}


def child(case_file: str) -> None:
    path = Path(case_file)
    log_to(path.parent / "bench.log")
    case = Case(**json.loads(path.read_text()))
    path.with_suffix(".out.json").write_text(json.dumps(asyncio.run(run(case))))


SYSTEMS = {
    "ours-sqlite": ("ours", "ours, SQLite"),
    "ours-postgres": ("ours", "ours, PostgreSQL"),
    "ours-sqlite-unsynced": ("ours-unsynced", "ours, SQLite, commits not waiting for the disk"),
    "ptb-memory": ("ptb-memory", "PTB in memory"),
    "ptb-pickle": ("ptb-pickle", "PTB + Pickle, 60 s flush"),
    "ptb-pickle-flush": ("ptb-pickle-flush", "PTB + Pickle, flush every update"),
}


class Bench:
    """One run: the work folder, the keys, the captured prompts, and the databases it grows."""

    def __init__(self, args: argparse.Namespace) -> None:
        from benchmarks.script import fresh_databases, write_capture

        self.args = args
        self.folder = Path(args.workdir or tempfile.mkdtemp(prefix="comehome-bench-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        log_to(self.folder / "bench.log")
        secrets = {"pepper": new_secret(), "chat_keys": f"k1:{new_secret()}"}
        self.secrets = self.folder / "secrets.json"
        self.secrets.write_text(json.dumps(secrets))
        self.keyring = Keyring.from_text(secrets["pepper"], secrets["chat_keys"])
        self.prompts, self.model = write_capture(self.keyring, self.folder)
        self.urls = fresh_databases(self.folder, args.postgres)
        self.stored = 0
        self.cases = 0

    def fill(self, size: int) -> dict[str, Any]:
        """Grow the databases to `size` stored conversations and write a pickle file of `size`."""
        from benchmarks.baseline import MENU
        from benchmarks.prefill import fill_database, fill_pickle
        from storage.db import Database

        figures: dict[str, Any] = {"stored": size}
        for name, url in self.urls.items():
            began, db = time.perf_counter(), Database(url)
            fill_database(db, self.stored, size, self.model, self.keyring)
            db.dispose()
            figures[name] = time.perf_counter() - began
        began = time.perf_counter()
        fill_pickle(self.folder / "stored.pickle", size, self.model, MENU)
        figures["pickle"] = time.perf_counter() - began
        figures["pickle_mb"] = (self.folder / "stored.pickle").stat().st_size / 2**20
        figures["sqlite_mb"] = (self.folder / "ours.db").stat().st_size / 2**20
        self.stored = size
        return figures

    def case(self, name: str, size: int) -> Case:
        system, label = SYSTEMS[name]
        self.cases += 1
        pickle_file = ""
        if system.startswith("ptb-pickle"):
            pickle_file = str(self.folder / f"{name}.pickle")
            shutil.copyfile(self.folder / "stored.pickle", pickle_file)
        return Case(
            system=system,
            label=label,
            stored=size,
            first_client=self.cases * 100_000,
            clients=self.args.clients,
            concurrency=self.args.concurrency,
            max_seconds=self.args.max_seconds,
            secrets=str(self.secrets),
            prompts=str(self.prompts),
            database_url=self.url(name),
            pickle_file=pickle_file,
        )

    def url(self, name: str) -> str:
        """The database a system of ours runs on ("" for PTB's, or a database not asked for)."""
        if name == "ours-sqlite-unsynced":
            return self.urls["ours-sqlite"] if self.args.unsynced else ""
        return self.urls.get(name, "") if name.startswith("ours") else ""

    def measure(self, size: int) -> list[dict[str, Any]]:
        skip = set(filter(None, self.args.skip.split(",")))
        names = [n for n in SYSTEMS if n not in skip and (n.startswith("ptb") or self.url(n))]
        results = []
        for name in names:
            print(f"  {SYSTEMS[name][1]} with {size:,} stored …", file=sys.stderr, flush=True)
            case = self.case(name, size)
            results.append({"name": name, **run_child(case, self.folder, self.args.quiet_wait)})
        return results


def results_table(results: list[dict[str, Any]], concurrency: int) -> str:
    header = [
        "system",
        "stored",
        "start-up s",
        "updates/s, 1 at a time",
        "p50 ms",
        "p99 ms",
        f"updates/s, {concurrency} at once",
        f"p99 ms, {concurrency} at once",
        "peak RSS MB",
        "Bot API calls/update",
        "other processes, CPUs",
    ]
    rows = [
        [
            r["label"],
            f"{r['stored']:,}",
            r["startup_s"],
            r["alone_per_s"],
            r["alone_p50_ms"],
            r["alone_p99_ms"],
            r["together_per_s"],
            r["together_p99_ms"],
            r["peak_rss_mb"],
            r["calls_per_update"],
            r["others_cpu"],
        ]
        for r in results
    ]
    return markdown(header, rows)


def time_table(results: list[dict[str, Any]]) -> str:
    """Where an update's time goes in our stack, one client at a time (means per update)."""
    header = [
        "system",
        "stored",
        "per update ms",
        "step transaction ms",
        "of it: flow step ms",
        "waiting for sent marks ms",
        "rendering ms",
        "rest ms (PTB, Bot API calls, thread hops)",
    ]
    rows = []
    for r in results:
        if r["name"].startswith("ours"):
            parts = [r.get(f"{part}_ms", math.nan) for part in ("step", "flow", "sent", "render")]
            rest = r["alone_mean_ms"] - parts[0] - parts[2] - parts[3]
            rows.append([r["label"], f"{r['stored']:,}", r["alone_mean_ms"], *parts, rest])
    return markdown(header, rows)


def fill_table(fills: list[dict[str, Any]]) -> str:
    header = [
        "stored (cumulative)",
        "SQLite pre-fill s",
        "SQLite file MB",
        "PostgreSQL pre-fill s",
        "pickle file s",
        "pickle file MB",
    ]
    rows = [
        [
            f"{f['stored']:,}",
            f["ours-sqlite"],
            f["sqlite_mb"],
            f.get("ours-postgres", math.nan),
            f["pickle"],
            f["pickle_mb"],
        ]
        for f in fills
    ]
    return markdown(header, rows)


def pick(results: list[dict[str, Any]], name: str, size: int) -> dict[str, Any] | None:
    """The figures of one system at one size, if it was measured."""
    return next((r for r in results if r["name"] == name and r["stored"] == size), None)


def verdict(value: float, limit: float, at_least: bool) -> str:
    met = value >= limit if at_least else value <= limit
    return "met" if met else f"**missed** ({value / limit:.2f}× the limit)"


def backend_targets(results: list[dict[str, Any]], backend: str) -> list[list[object]]:
    """The throughput, scaling and start-up targets for ours on one database."""
    label, sizes, rows = SYSTEMS[backend][1], sorted({r["stored"] for r in results}), []
    for size in sizes:
        ours, memory = pick(results, backend, size), pick(results, "ptb-memory", size)
        if ours and memory:
            ratio = ours["alone_per_s"] / memory["alone_per_s"]
            rows.append(
                [
                    f"{label} ≥ 1/3 of PTB in memory",
                    f"{size:,}",
                    f"{ratio:.2f}×",
                    verdict(ratio, 1 / 3, True),
                ]
            )
    ours, flush = pick(results, backend, 10_000), pick(results, "ptb-pickle-flush", 10_000)
    if ours and flush:
        ratio = ours["alone_per_s"] / flush["alone_per_s"]
        rows.append(
            [
                f"{label} ≥ {FLUSH_RATIO}× PTB + Pickle flush every update",
                "10,000",
                f"{ratio:,.0f}×",
                verdict(ratio, FLUSH_RATIO, True),
            ]
        )
    small, large = pick(results, backend, sizes[0]), pick(results, backend, sizes[-1])
    if small and large and len(sizes) > 1:
        span = f"{sizes[0]:,} → {sizes[-1]:,}"
        slower = small["alone_per_s"] / large["alone_per_s"]
        larger = large["peak_rss_mb"] / small["peak_rss_mb"]
        rows.append(
            [
                f"{label} throughput within 1.2×",
                span,
                f"rate at {sizes[0]:,} ÷ rate at {sizes[-1]:,} = {slower:.2f}",
                verdict(slower, 1.2, False),
            ]
        )
        rows.append(
            [
                f"{label} RSS within 1.2×",
                span,
                f"RSS at {sizes[-1]:,} ÷ RSS at {sizes[0]:,} = {larger:.2f}",
                verdict(larger, 1.2, False),
            ]
        )
    if large:
        rows.append(
            [
                f"{label} start-up ≤ 1 s",
                f"{sizes[-1]:,}",
                f"{large['startup_s']:.2f} s",
                verdict(large["startup_s"], 1.0, False),
            ]
        )
    return rows


def target_rows(results: list[dict[str, Any]]) -> list[list[object]]:
    """Each target of the issue with the figures of this run that decide it."""
    rows = [
        row
        for backend in ("ours-sqlite", "ours-postgres", "ours-sqlite-unsynced")
        for row in backend_targets(results, backend)
    ]
    sqlite = [r for r in results if r["name"] == "ours-sqlite"]
    for r in sqlite:
        size = f"{r['stored']:,}"
        faster = r["together_per_s"] / r["alone_per_s"]
        rows.append(
            [
                "ours, SQLite: 16 at once faster than 1 at a time",
                size,
                f"{faster:.2f}×",
                "met" if faster > 1 else f"**missed** ({faster:.2f}×)",
            ]
        )
        rows.append(
            [
                "ours, SQLite p99 ≤ 20 ms (16 at once)",
                size,
                f"{r['together_p99_ms']:.1f} ms",
                verdict(r["together_p99_ms"], 20.0, False),
            ]
        )
        postgres = pick(results, "ours-postgres", r["stored"])
        if postgres:
            slower = r["alone_per_s"] / postgres["alone_per_s"]
            rows.append(
                [
                    "ours, PostgreSQL within 2× of SQLite (1 at a time)",
                    size,
                    f"SQLite ÷ PostgreSQL = {slower:.2f}",
                    verdict(slower, 2.0, False),
                ]
            )
    if sqlite:
        worst = max(sqlite, key=lambda r: r["alone_p99_ms"])
        rows.append(
            [
                "ours, SQLite p99 ≤ 3 ms (1 at a time)",
                f"{worst['stored']:,} (worst)",
                f"{worst['alone_p99_ms']:.2f} ms",
                verdict(worst["alone_p99_ms"], 3.0, False),
            ]
        )
    return rows


def report(bench: Bench, results: list[dict[str, Any]], fills: list[dict[str, Any]]) -> str:
    args = bench.args
    return "\n\n".join(
        [
            f"Machine: {machine()}",
            f"Each pass: {args.clients} clients × {len(JOURNEY)} updates (capped at {args.max_seconds:.0f} s), "
            f"after one warm-up journey; start-up is building the app until it is ready "
            f"(imports excluded).",
            results_table(results, args.concurrency),
            "Where our time goes (one at a time; the transactions include waiting for the lock "
            f"and the fsync, {fsync_ms(bench.folder):.2f} ms at the median on this disk):",
            time_table(results),
            "Pre-fill (each size grows the same databases; the pickle file is written anew):",
            fill_table(fills),
            markdown(["target", "stored", "measured", "verdict"], target_rows(results)),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.case:
        child(args.case)
        return 0
    bench = Bench(args)
    results, fills = [], []
    for size in sorted(int(s) for s in args.sizes.split(",")):
        print(f"pre-filling {size:,} stored conversations …", file=sys.stderr, flush=True)
        fills.append(bench.fill(size))
        results += bench.measure(size)
    text = report(bench, results, fills)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
