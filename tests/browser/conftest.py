"""The web door served by uvicorn on loopback, and Debian's Chromium driven by Playwright.

Playwright's own browser download cannot work on these machines: the tests use the system's
`chromium` (`.ci/run` installs it) through `executable_path`. Screenshots of every screen are
written to `var/browser-screens/` (CI keeps them as artefacts).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from bot.assistant import Assistant
from bot.config import ROOT, Settings
from bot.demo import seed_demo_office
from bot.web.app import WebDoor, WebSettings, build_app
from storage.crypto import Keyring, new_secret

CHROMIUM = Path("/usr/bin/chromium")
SCREENS = ROOT / "var" / "browser-screens"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

if not CHROMIUM.exists():  # `.ci/run` installs it; a developer machine may not have it
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def door_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web door with the demo office on a fresh SQLite file, served by uvicorn."""
    folder = tmp_path_factory.mktemp("web")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'web.db'}",
        keyring=Keyring.from_text(new_secret(), f"k1:{new_secret()}"),
        locales_dir=ROOT / "locales",
    )
    assistant = Assistant.build(settings)
    seed_demo_office(assistant.db, settings.office.id)
    port = free_port()
    door = WebDoor(assistant, WebSettings(port=port, overall=10_000, per_session=100))
    config = uvicorn.Config(
        build_app(door),
        host="127.0.0.1",
        port=port,
        access_log=False,
        log_config=None,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web door did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    assistant.db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    shutil.rmtree(SCREENS, ignore_errors=True)
    SCREENS.mkdir(parents=True)
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()
