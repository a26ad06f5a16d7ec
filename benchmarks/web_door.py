"""The web door under load: page response times of journey steps with 50 concurrent sessions,
and the weight of each screen.

    .venv/bin/python -m benchmarks.web_door [--sessions 50] [--rounds 20] [--postgres URL]
                                            [--output results.md]

The door runs as its own process (`python -m bot web`, uvicorn, demo office) on SQLite, and on
PostgreSQL when `--postgres` is given (that database is emptied first). Each session, over real
HTTP on loopback, opens the door, picks a language, accepts the privacy notice, then repeats
`--rounds` times: booking (the interpreter question, then the times), back to the menu, the
contact page, back to the menu
(steps that read slots and write the conversation, but book nothing, so every round is the
same work). Every POST is one timed journey step, from sending the form to the last byte of
the page. Rate limits are lifted for the run. Page weight: the HTML of each screen of one
booking journey, plus the one stylesheet (no images, no script).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from benchmarks.measure import machine, markdown, percentile
from storage.crypto import new_secret
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent
ROUND = ("m:book", "b:int:none", "menu", "m:contact", "menu")
_FORM = re.compile(r'<form method="post" action="/" class="buttons">(.*?)</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fields(page: str, value: str) -> dict[str, str]:
    """What a browser posts for the button that sends `value` (a prefix ending in ':' takes
    the first button that starts with it)."""
    for body in _FORM.findall(page):
        for found in re.findall(r'name="b" value="([^"]*)"', body):
            if found == value or (value.endswith(":") and found.startswith(value)):
                return {**dict(_HIDDEN.findall(body)), "b": found}
    raise RuntimeError(f"no button {value!r} on the page")


def start_door(database_url: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "COMEHOME_DATA_DIR": str(folder),
        "COMEHOME_DATABASE_URL": database_url,
        "COMEHOME_PEPPER": new_secret(),
        "COMEHOME_CHAT_KEYS": f"k1:{new_secret()}",
        "COMEHOME_LOG_LEVEL": "WARNING",
        "COMEHOME_WEB_RATE": "100000",
        "COMEHOME_WEB_RATE_OVERALL": "100000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/static/comehome.css", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the web door did not start")


async def session(url: str, rounds: int, times: list[float]) -> None:
    async with httpx.AsyncClient(base_url=url, headers={"accept-language": "en"}) as client:
        page = (await client.get("/")).text
        for value in ("lang:en", "privacy:accept", *(ROUND * rounds)):
            started = time.perf_counter()
            response = await client.post("/", data=fields(page, value))
            page = response.text
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"step {value} answered {response.status_code}")


async def load(url: str, sessions: int, rounds: int) -> tuple[list[float], float]:
    times: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(session(url, rounds, times) for _ in range(sessions)))
    return times, time.perf_counter() - started


def weights(url: str) -> list[tuple[str, int]]:
    """Bytes of each screen of one booking journey (HTML as sent, uncompressed)."""
    css = len(httpx.get(url + "/static/comehome.css").content)
    screens: list[tuple[str, int]] = [("stylesheet (once, cached a day)", css)]
    with httpx.Client(base_url=url, headers={"accept-language": "en"}) as client:
        page = client.get("/").text
        screens.append(("language", len(page.encode())))
        journey = (
            ("privacy notice", "lang:en"),
            ("menu", "privacy:accept"),
            ("interpreter?", "m:book"),
            ("booking times", "b:int:none"),
            ("confirm the time", "b:slot:"),
            ("booked (with calendar link)", "b:ok"),
            ("my appointment", "m:appt"),
            ("", "menu"),
            ("support on offer", "m:support"),
            ("", "menu"),
            ("delete?", "m:delete"),
            ("deleted", "del:yes"),
        )
        for name, value in journey:
            page = client.post("/", data=fields(page, value)).text
            if name:
                screens.append((name, len(page.encode())))
    return screens


def empty_postgres(url: str) -> None:
    db = Database(url)
    with db.transaction() as tx:
        tx.execute(text("DROP SCHEMA public CASCADE"))
        tx.execute(text("CREATE SCHEMA public"))
    db.dispose()


def run(backend: str, database_url: str, folder: Path, sessions: int, rounds: int) -> list[object]:
    process, url = start_door(database_url, folder)
    try:
        screens = weights(url) if backend == "SQLite" else []
        times, seconds = asyncio.run(load(url, sessions, rounds))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    ms = [t * 1000 for t in times]
    row: list[object] = [
        backend,
        sessions,
        len(ms),
        f"{len(ms) / seconds:.0f}",
        f"{percentile(ms, 0.5):.0f}",
        f"{percentile(ms, 0.99):.0f}",
        f"{max(ms):.0f}",
    ]
    return [row, screens]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--postgres", help="a PostgreSQL URL (the database is emptied)")
    parser.add_argument("--output", help="also write the tables to this Markdown file")
    args = parser.parse_args()
    rows, screens = [], []
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'web.db'}"
        row, screens = run("SQLite", sqlite_url, Path(folder), args.sessions, args.rounds)
        rows.append(row)
        if args.postgres:
            empty_postgres(args.postgres)
            row, _ = run("PostgreSQL", args.postgres, Path(folder), args.sessions, args.rounds)
            rows.append(row)
    header = ("database", "sessions", "steps", "steps/s", "p50 ms", "p99 ms", "max ms")
    report = "\n".join(
        [
            f"Web door, {machine()}",
            "",
            markdown(header, rows),
            "",
            "Page weight per screen (bytes of HTML, uncompressed; the stylesheet comes once):",
            "",
            markdown(("screen", "bytes"), screens),
        ]
    )
    print(report)
    if args.output:
        Path(args.output).write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
