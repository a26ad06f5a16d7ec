"""Webhook mode over real HTTP on 127.0.0.1: secret token, malformed bodies, commit before 200."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from bot.webhook import web_app
from storage.tables import conversations
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory

SECRET = "s" * 40


@pytest.fixture
async def client(telegram: Harness) -> AsyncIterator[httpx.AsyncClient]:
    server = web_app(telegram.application, telegram.door, SECRET).listen(0, "127.0.0.1")
    port = next(iter(server._sockets.values())).getsockname()[1]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        yield http
    server.stop()


def stored(telegram: Harness) -> int:
    with telegram.assistant.db.transaction() as tx:
        return len(tx.execute(select(conversations)).all())


async def test_a_wrong_secret_is_refused_and_nothing_processed(
    telegram: Harness, client: httpx.AsyncClient, user: UpdateFactory
) -> None:
    """Check that a request without the right secret token gets 403 and changes nothing."""
    body = json.dumps(user.message("/start"))
    for headers in (
        {},
        {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
        {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]},
    ):
        response = await client.post("/telegram", content=body, headers=headers)
        assert response.status_code == 403
    assert stored(telegram) == 0 and telegram.api.calls == []


async def test_an_update_is_committed_before_the_200(
    telegram: Harness, client: httpx.AsyncClient, user: UpdateFactory
) -> None:
    """Check that an accepted update is committed by the time Telegram gets 200, and its reply
    sent from the background."""
    response = await client.post(
        "/telegram",
        content=json.dumps(user.message("/start")),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 200
    assert stored(telegram) == 1
    await telegram.door.queues.drain()
    assert [m for m, _ in telegram.api.calls] == ["sendMessage"]


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"hello": 1}', b"\xff\xfe"])
async def test_malformed_bodies_get_200_and_are_ignored(
    telegram: Harness, client: httpx.AsyncClient, body: bytes
) -> None:
    """Check that a body that is no update is acknowledged (no retry storm) and not processed."""
    response = await client.post(
        "/telegram", content=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 200
    assert stored(telegram) == 0 and telegram.api.calls == []


async def test_health(client: httpx.AsyncClient) -> None:
    """Check that the liveness endpoint answers."""
    assert (await client.get("/healthz")).text == "ok\n"


def test_a_short_secret_is_refused(telegram: Harness) -> None:
    """Check that the webhook will not run with a guessable secret."""
    with pytest.raises(ValueError):
        web_app(telegram.application, telegram.door, "short")


async def test_metrics_count_updates_and_the_outbox(
    telegram: Harness, client: httpx.AsyncClient, user: UpdateFactory
) -> None:
    """Check that /metrics serves Prometheus text with the updates handled and the outbox backlog."""
    await client.post(
        "/telegram",
        content=json.dumps(user.message("/start")),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    await telegram.door.queues.drain()
    text = (await client.get("/metrics")).text
    assert 'comehome_updates_total{event="Command"} 1.0' in text
    assert "comehome_outbox_backlog 0.0" in text
    assert "comehome_step_seconds_count 1.0" in text
