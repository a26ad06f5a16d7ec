"""Same-run A/B: our stack from another checkout (A, e.g. main) against this one (B), alternating.

    .venv/bin/python -m benchmarks.ab --baseline ../main-checkout [--rounds 3] [--sizes 10000]
                                      [--postgres URL] [--output ab.md]

Each round runs, case by case in processes of their own and on the same databases, A and B on
SQLite, A and B on PostgreSQL (when `--postgres` is given), PTB in memory and PTB + Pickle flushed
after every update; A goes first in odd rounds, B in even ones. A case of A runs A's own code and
its own `benchmarks.journey --case` (this environment's Python, the checkout as working folder),
so each side is measured as it measures itself. On a shared machine only ratios within a round
mean anything: the report gives them per round and their median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.cases import Case
from benchmarks.journey import Bench
from benchmarks.measure import OtherLoad, machine, markdown, wait_until_quiet

ROOT = Path(__file__).resolve().parent.parent
PTB = {"ptb-memory": "PTB in memory", "ptb-pickle-flush": "PTB + Pickle, flush every update"}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ab",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--baseline", required=True, help="the checkout to compare against (A)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="10000", help="stored conversations, comma-separated")
    parser.add_argument("--postgres", metavar="URL", help="also A and B on this database (emptied)")
    parser.add_argument("--clients", type=int, default=100, help="clients per pass")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=20.0, help="cap per pass")
    parser.add_argument("--skip", default="", help="e.g. ptb-pickle-flush")
    parser.add_argument("--workdir", help="where databases go (default: a temporary folder)")
    parser.add_argument("--quiet-wait", type=float, default=30.0)
    parser.add_argument("--output", help="also write the Markdown report to this file")
    return parser.parse_args(argv)


def commit(checkout: Path) -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=checkout, capture_output=True, text=True
    )
    return done.stdout.strip() or "?"


def load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


class AB:
    """One A/B run: the bench (databases, keys, prompts) of this checkout, cases of both."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args, self.bench = args, Bench(args)
        self.baseline = Path(args.baseline).resolve()
        self.sides = {"A": self.baseline, "B": ROOT}
        self.names = {side: f"{side} ({commit(path)})" for side, path in self.sides.items()}
        self.keys: list[str] = []  # the ratio columns, as the first round found them

    def run(self, system: str, size: int, side: str | None) -> dict[str, Any]:
        """One case in a fresh interpreter, once the machine is as quiet as it gets."""
        name = {"sqlite": "ours-sqlite", "postgres": "ours-postgres"}.get(system, system)
        case: Case = self.bench.case(name, size)
        case_file = self.bench.folder / f"case-{case.first_client}.json"
        case_file.write_text(json.dumps(asdict(case)))
        wait_until_quiet(patience=self.args.quiet_wait)
        others = OtherLoad()
        checkout = self.sides[side] if side else ROOT
        command = [sys.executable, "-m", "benchmarks.journey", "--case", str(case_file)]
        subprocess.run(command, check=True, cwd=checkout)
        figures: dict[str, Any] = json.loads(case_file.with_suffix(".out.json").read_text())
        return {**figures, "system": system, "side": side, "others_cpu": others.share()}

    def round(self, number: int, size: int) -> list[dict[str, Any]]:
        skip = set(filter(None, self.args.skip.split(",")))
        order = ("A", "B") if number % 2 else ("B", "A")
        backends = ["sqlite"] + (["postgres"] if self.args.postgres else [])
        results = []
        for backend in backends:
            for side in order:
                print(f"  round {number}: {side} {backend}, {size:,} stored …", file=sys.stderr)
                results.append(self.run(backend, size, side))
        for system in PTB:
            if system not in skip:
                print(f"  round {number}: {PTB[system]}, {size:,} stored …", file=sys.stderr)
                results.append(self.run(system, size, None))
        return [{**r, "round": number, "stored": size} for r in results]


def label(ab: AB, r: dict[str, Any]) -> str:
    if r["side"] is None:
        return PTB[r["system"]]
    return f"{ab.names[r['side']]}, {'SQLite' if r['system'] == 'sqlite' else 'PostgreSQL'}"


def cases_table(ab: AB, results: list[dict[str, Any]]) -> str:
    header = [
        "round",
        "system",
        "stored",
        "updates/s, 1 at a time",
        "p50 ms",
        "p99 ms",
        f"updates/s, {ab.args.concurrency} at once",
        f"p99 ms, {ab.args.concurrency} at once",
        "other processes, CPUs",
    ]
    rows = [
        [
            r["round"],
            label(ab, r),
            f"{r['stored']:,}",
            r["alone_per_s"],
            r["alone_p50_ms"],
            r["alone_p99_ms"],
            r["together_per_s"],
            r["together_p99_ms"],
            r["others_cpu"],
        ]
        for r in results
    ]
    return markdown(header, rows)


def find(results: list[dict[str, Any]], system: str, side: str | None) -> dict[str, Any] | None:
    return next((r for r in results if r["system"] == system and r["side"] == side), None)


def ratio_rows(ab: AB, results: list[dict[str, Any]]) -> list[list[object]]:
    """Per size and backend: each round's ratios (B ÷ A, and each ÷ the PTB baselines), then
    their median."""
    rows: list[list[object]] = []
    for size in sorted({r["stored"] for r in results}):
        for backend in ("sqlite", "postgres"):
            per_round: list[dict[str, float]] = []
            for number in sorted({r["round"] for r in results}):
                here = [r for r in results if r["round"] == number and r["stored"] == size]
                a, b = find(here, backend, "A"), find(here, backend, "B")
                if a is None or b is None:
                    continue
                figures = {
                    "B÷A, 1 at a time": b["alone_per_s"] / a["alone_per_s"],
                    f"B÷A, {ab.args.concurrency} at once": b["together_per_s"]
                    / a["together_per_s"],
                    "p99 ms A": a["alone_p99_ms"],
                    "p99 ms B": b["alone_p99_ms"],
                }
                for system, short in (
                    ("ptb-memory", "PTB in memory"),
                    ("ptb-pickle-flush", "Pickle flush"),
                ):
                    ptb = find(here, system, None)
                    if ptb is not None:
                        figures[f"A÷{short}"] = a["alone_per_s"] / ptb["alone_per_s"]
                        figures[f"B÷{short}"] = b["alone_per_s"] / ptb["alone_per_s"]
                per_round.append({"round": number, **figures})
            if not per_round:
                continue
            keys = [key for key in per_round[0] if key != "round"]
            name = "SQLite" if backend == "sqlite" else "PostgreSQL"
            for figures in per_round:
                rows.append([name, f"{size:,}", figures["round"], *(figures[k] for k in keys)])
            medians = [statistics.median(f[k] for f in per_round) for k in keys]
            rows.append([f"**{name}**", f"{size:,}", "**median**", *medians])
            ab.keys = ab.keys or keys
    return rows


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    ab = AB(args)
    before = load()
    results: list[dict[str, Any]] = []
    for size in sorted(int(s) for s in args.sizes.split(",")):
        print(f"pre-filling {size:,} stored conversations …", file=sys.stderr, flush=True)
        ab.bench.fill(size)
        for number in range(1, args.rounds + 1):
            results += ab.round(number, size)
    rows = ratio_rows(ab, results)
    text = "\n\n".join(
        [
            f"Machine: {machine()}",
            f"A = {ab.baseline} at {ab.names['A']}, B = this checkout at {ab.names['B']}; "
            f"{args.rounds} rounds, {args.clients} clients × 13 updates per pass; load average "
            f"(1, 5, 15 min) before {before}, after {load()}.",
            cases_table(ab, results),
            "Same-run ratios (updates/s, one at a time unless said; per round, then the median):",
            markdown(["database", "stored", "round", *ab.keys], rows),
        ]
    )
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
