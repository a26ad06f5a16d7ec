"""Small measuring helpers shared by both benchmarks: percentiles, peak memory, Markdown tables."""

from __future__ import annotations

import logging
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share 0.99 → p99) of unsorted values; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak resident set size since it started (VmHWM; unlike `ru_maxrss` it does not
    carry over the parent's peak through fork and exec)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class OtherLoad:
    """How busy the machine was with other processes while we measured: busy CPU time from
    /proc/stat minus our own and our children's, as a share of one CPU."""

    def __init__(self) -> None:
        self.busy, self.ours, self.began = _busy_seconds(), _own_seconds(), time.perf_counter()

    def share(self, running_child_seconds: float = 0.0) -> float:
        """Others' CPU time per second; a child still running (not yet counted in our own
        usage) is excluded by giving its CPU seconds since this measurement began."""
        elapsed = time.perf_counter() - self.began
        ours = _own_seconds() - self.ours + running_child_seconds
        return max(0.0, (_busy_seconds() - self.busy - ours) / elapsed)


def _busy_seconds() -> float:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def wait_until_quiet(limit: float = 0.15, patience: float = 120.0) -> float:
    """Wait (at most `patience` seconds) until other processes use less than `limit` of one CPU
    over two seconds; returns the share seen last. Other work on a 2-core machine skews timings."""
    deadline = time.perf_counter() + patience
    while True:
        load = OtherLoad()
        time.sleep(2.0)
        share = load.share()
        if share < limit or time.perf_counter() > deadline:
            return share


def log_to(path: Path) -> None:
    """Log as `comehome run` does (INFO, libraries at WARNING), into a file instead of the terminal."""
    from bot.logs import quiet_libraries

    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        filename=path,
    )
    quiet_libraries()


def machine() -> str:
    """One line naming the machine and the software the figures were measured with."""
    import telegram

    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{platform.machine()}, Linux {platform.release()}, Python {sys.version.split()[0]}, "
        f"python-telegram-bot {telegram.__version__}, SQLite {sqlite3.sqlite_version}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {revision()}"
    )


def revision() -> str:
    """The commit measured, and whether the working tree differed from it (read-only git)."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip()

    changed = [
        line for line in git("status", "--porcelain").splitlines() if "benchmarks/" not in line
    ]
    return f"commit {git('rev-parse', '--short', 'HEAD')}" + (
        f" with {len(changed)} uncommitted paths" if changed else ""
    )


def markdown(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; floats are rounded to what the measurement can tell."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            if value != value:  # NaN: not measured
                return "–"
            return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
        return str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def fsync_ms(folder: Path, rounds: int = 200) -> float:
    """Median time of one fsync after a 4 KiB write in `folder`: what a durable commit waits for."""
    path = folder / "fsync.probe"
    spent = []
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        for _ in range(rounds):
            os.write(descriptor, b"x" * 4096)
            began = time.perf_counter()
            os.fsync(descriptor)
            spent.append(time.perf_counter() - began)
    finally:
        os.close(descriptor)
        path.unlink()
    return percentile(spent, 0.5) * 1000
