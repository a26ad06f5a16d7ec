"""Fixtures of the web door's fast tests: the door on the test database, with the demo office."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.assistant import Assistant
from bot.demo import seed_demo_office
from bot.web.app import WebDoor, WebSettings, build_app
from tests.web.client import WebClient


@pytest.fixture
def door(assistant: Assistant) -> WebDoor:
    seed_demo_office(assistant.db, assistant.settings.office.id)
    return WebDoor(assistant, WebSettings(overall=10_000, per_session=100))


@pytest.fixture
def app(door: WebDoor) -> Starlette:
    return build_app(door)


@pytest.fixture
def web(app: Starlette) -> Iterator[WebClient]:
    with TestClient(app, headers={"accept-language": "en"}) as client:
        yield WebClient(client)
