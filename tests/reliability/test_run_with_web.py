"""`comehome run --web`: the Telegram door and the web door in one process, on one database.

The real `python -m bot run --web` process against the local fake Bot API server (as the crash
tests use it) and a real HTTP client on loopback: a Telegram client and a web client are served
side by side, each with its own door's privacy notice, and SIGTERM stops both doors cleanly.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.config import ROOT
from storage.crypto import new_secret
from storage.db import Database
from storage.tables import conversations
from tests.e2e.fake_telegram import UpdateFactory
from tests.reliability.crash_journey import START_TIMEOUT, TOKEN, bot_env
from tests.reliability.fake_bot_api_server import FakeBotApiServer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check: object, what: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not check():  # type: ignore[operator]
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{what}:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)


@pytest.fixture
def both(database: Database, tmp_path: Path) -> Iterator[tuple[FakeBotApiServer, str, Path]]:
    """The process serving both doors: (the fake Bot API, the web door's URL, its log)."""
    server = FakeBotApiServer(TOKEN, tmp_path / "calls.jsonl").start()
    port = free_port()
    env = {
        **bot_env(
            database.url.render_as_string(hide_password=False), tmp_path, new_secret(), new_secret()
        ),
        "TELEGRAM_API_BASE_URL": server.url_for(1),
        "COMEHOME_WEB_PORT": str(port),
    }
    log = tmp_path / "both.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--web"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: server.polls.get(1, 0) > 0, "the Telegram door did not poll", process, log)
        wait_for(lambda: _answers(url), "the web door did not answer", process, log)
        yield server, url, log
        os.kill(process.pid, signal.SIGTERM)  # both doors stop, the process ends by itself
        assert process.wait(15) == 0, log.read_text(errors="replace")[-3000:]
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
        server.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/static/comehome.css", trust_env=False).status_code == 200
    except httpx.TransportError:
        return False


def test_one_process_serves_a_telegram_client_and_a_web_client(
    both: tuple[FakeBotApiServer, str, Path], database: Database
) -> None:
    """Check that `comehome run --web` answers a Telegram client through the Bot API and a web
    client over HTTP at the same time, each with its own privacy notice, in one database."""
    server, url, _ = both
    user = UpdateFactory(language_code="en")
    server.add_update(user.message("/start"))
    with httpx.Client(base_url=url, trust_env=False, headers={"accept-language": "en"}) as web:
        page = web.get("/").text
        assert "Please choose your language." in page
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        nonce = re.search(r'name="n" value="([0-9a-f]+)"', page)
        assert csrf and nonce
        form = {"csrf": csrf.group(1), "n": nonce.group(1), "b": "lang:en"}
        notice = web.post("/", data=form).text
        form = {**form, "n": re.search(r'name="n" value="([0-9a-f]+)"', notice).group(1)}  # type: ignore[union-attr]
        details = web.post("/", data={**form, "b": "privacy:more"}).text
    assert "no name, phone number or account" in notice
    assert "About this website" in details and "Telegram" not in details
    server.add_update(user.press("lang:en"))
    server.add_update(user.press("privacy:more"))
    deadline = time.monotonic() + 15
    while not any("About Telegram" in str(c.params.get("text")) for c in server.snapshot()):
        assert time.monotonic() < deadline, [c.method for c in server.snapshot()]
        time.sleep(0.05)
    with database.transaction() as tx:
        channels = tx.execute(
            select(conversations.c.channel, func.count()).group_by(conversations.c.channel)
        ).all()
    assert dict(channels) == {"telegram": 1, "web": 1}  # type: ignore[arg-type]  # one each
