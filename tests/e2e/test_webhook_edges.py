"""The webhook probed as a stranger would: oversized, slow, idle, many and deeply nested requests.

Everything runs on 127.0.0.1 with short limits, and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.http_edges import GuardedServer, Limits, RateLimited, accept_pausing, serve
from bot.webhook import web_app
from storage.tables import conversations
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory

SECRET = "s" * 40
LIMITS = Limits(max_body=64 << 10, idle_seconds=0.5, body_seconds=0.5, max_connections=8)
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@pytest.fixture
async def server(telegram: Harness) -> AsyncIterator[GuardedServer]:
    running = serve(web_app(telegram.application, telegram.door, SECRET), 0, "127.0.0.1", LIMITS)
    yield running
    running.stop()


def port_of(server: GuardedServer) -> int:
    return int(next(iter(server._sockets.values())).getsockname()[1])


async def connect(server: GuardedServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port_of(server))


async def closed_by_server(reader: asyncio.StreamReader, within: float) -> bytes:
    """What the server said before it closed the connection; fails if it stays open."""
    received = b""
    async with asyncio.timeout(within):
        while chunk := await reader.read(4096):
            received += chunk
    return received


def stored(telegram: Harness) -> int:
    with telegram.assistant.db.transaction() as tx:
        return len(tx.execute(select(conversations)).all())


async def post(server: GuardedServer, body: bytes) -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_of(server)}") as http:
        return await http.post("/telegram", content=body, headers=HEADERS, timeout=5)


async def test_an_oversized_body_is_refused_before_it_is_read(server: GuardedServer) -> None:
    """Check that a Content-Length above the cap ends the connection without the body being sent."""
    reader, writer = await connect(server)
    writer.write(
        b"POST /telegram HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: "
        + SECRET.encode()
        + b"\r\nContent-Length: 100000000\r\n\r\n"
    )
    await writer.drain()
    answer = await closed_by_server(reader, within=2)
    assert not answer.startswith(b"HTTP/1.1 200")
    writer.close()


async def test_idle_slow_header_and_slow_body_connections_are_closed(server: GuardedServer) -> None:
    """Check that connections that send nothing, half a header, or half a body are closed."""
    idle = await connect(server)
    slow_header = await connect(server)
    slow_header[1].write(b"POST /telegram HTTP/1.1\r\nHost: x\r\n")
    slow_body = await connect(server)
    slow_body[1].write(
        b"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"{" * 10
    )
    started = time.monotonic()
    for reader, writer in (idle, slow_header, slow_body):
        await closed_by_server(reader, within=3)
        writer.close()
    assert time.monotonic() - started < 3


async def test_connections_above_the_cap_are_closed_and_valid_updates_still_pass(
    telegram: Harness, server: GuardedServer, user: UpdateFactory
) -> None:
    """Check that the server never holds more connections than its cap, and that a valid update
    is accepted once the idle ones are gone."""
    opened = [await connect(server) for _ in range(LIMITS.max_connections + 6)]
    await asyncio.sleep(0.1)
    assert len(server._connections) <= LIMITS.max_connections
    for reader, writer in opened:
        await closed_by_server(reader, within=3)
        writer.close()
    response = await post(server, json.dumps(user.message("/start")).encode())
    assert response.status_code == 200 and stored(telegram) == 1


@pytest.mark.parametrize("depth", [1_000, 30_000])
async def test_deeply_nested_json_is_acknowledged_and_dropped_without_a_traceback(
    telegram: Harness, server: GuardedServer, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Check that JSON nested very deep gets 200 (no retry for ever), is not processed, and is
    logged in one line without a traceback."""
    caplog.set_level(logging.WARNING)
    response = await post(server, b"[" * depth + b"]" * depth)
    assert response.status_code == 200 and stored(telegram) == 0
    assert "not an update" in caplog.text
    assert all(record.exc_info is None for record in caplog.records)


def test_a_flood_of_one_warning_is_logged_once_per_period() -> None:
    """Check that a thousand identical warnings within the period make one line, and that the
    next line after the period says how many were held back."""
    now = [0.0]
    limiter = RateLimited(every=10, clock=lambda: now[0])
    logger = logging.getLogger("tests.flood")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger.addHandler(handler)
    logger.addFilter(limiter)
    try:
        for _ in range(1000):
            logger.warning("webhook request with a wrong secret token refused")
        now[0] = 11
        logger.warning("webhook request with a wrong secret token refused")
    finally:
        logger.removeHandler(handler)
        logger.removeFilter(limiter)
    assert len(records) == 2
    assert "999 more like it" in records[1].getMessage()


class OutOfFiles(socket.socket):
    """A listening socket whose accept fails as it does when no file descriptor is left."""

    tries = 0

    def accept(self) -> Any:
        OutOfFiles.tries += 1
        raise OSError(errno.EMFILE, "Too many open files")


async def test_running_out_of_files_pauses_accepting_instead_of_spinning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Check that "too many open files" on accept is logged once and accepting pauses, rather
    than being retried (and logged) thousands of times a second."""
    caplog.set_level(logging.ERROR, logger="bot.http_edges")
    listening = OutOfFiles(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    listening.setblocking(False)
    remove = accept_pausing(listening, lambda *_: None, pause=10)
    knock = socket.create_connection(listening.getsockname())
    try:
        await asyncio.sleep(0.5)
        assert OutOfFiles.tries == 1
        assert caplog.text.count("cannot accept connections") == 1
    finally:
        remove()
        knock.close()
        listening.close()
