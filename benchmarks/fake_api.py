"""A local fake Bot API over real HTTP (tornado, loopback only) that answers every call after a
fixed delay, Telegram's round trip.

`getUpdates` is long polling as Telegram does it: updates stay until a later offset confirms them;
with none waiting, the call is held until one arrives or its timeout ends. Every message the bot
sends is stamped on arrival, so that rates and time from update to reply can be computed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from benchmarks.script import MESSAGE_METHODS
from tests.e2e.fake_telegram import BOT_USER


@dataclass
class Sent:
    """One message call as it reached the server."""

    at: float
    chat_id: int
    method: str
    has_buttons: bool


@dataclass
class BotAPIState:
    """What the server holds: waiting updates, every call it received, who waits for a reply."""

    latency: float
    pending: deque[dict[str, Any]] = field(default_factory=deque)
    next_update_id: int = 1
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    sent: list[Sent] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    on_message: Callable[[Sent], None] | None = None
    first_poll: asyncio.Event = field(default_factory=asyncio.Event)
    closing: bool = False
    message_id: int = 1000

    def enqueue(self, update: dict[str, Any]) -> int:
        """A client writes: the update gets Telegram's next update id and waits to be fetched."""
        update["update_id"] = self.next_update_id
        self.next_update_id += 1
        self.pending.append(update)
        self.arrived.set()
        return int(update["update_id"])

    def release(self) -> None:
        """End every held getUpdates at once (the bot is being stopped)."""
        self.closing = True
        self.arrived.set()


class Method(tornado.web.RequestHandler):
    def initialize(self, state: BotAPIState) -> None:  # type: ignore[override]
        self.state = state

    async def post(self, _token: str, method: str) -> None:
        state = self.state
        params = {key: values[0].decode() for key, values in self.request.body_arguments.items()}
        state.calls[method] = state.calls.get(method, 0) + 1
        if method in MESSAGE_METHODS:
            sent = Sent(
                time.perf_counter(), int(params["chat_id"]), method, "reply_markup" in params
            )
            state.sent.append(sent)
            if state.on_message is not None:
                state.on_message(sent)
        if method == "getUpdates":
            result: Any = await self.updates(params)
        else:
            await asyncio.sleep(state.latency)
            result = self.result(method, params)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"ok": True, "result": result}))

    async def updates(self, params: dict[str, str]) -> list[dict[str, Any]]:
        """Drop what the offset confirms; after the round trip, hold the call until updates come."""
        state = self.state
        state.first_poll.set()
        offset = int(params.get("offset") or 0)
        while state.pending and state.pending[0]["update_id"] < offset:
            state.pending.popleft()
        await asyncio.sleep(state.latency)
        if not state.pending and not state.closing:
            state.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(state.arrived.wait(), float(params.get("timeout") or 0))
        limit = int(params.get("limit") or 100)
        return [update for update, _ in zip(state.pending, range(limit), strict=False)]

    def result(self, method: str, params: dict[str, str]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in MESSAGE_METHODS:
            self.state.message_id += 1
            return {
                "message_id": int(params.get("message_id", self.state.message_id)),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params.get("text", ""),
            }
        return True

    def data_received(self, chunk: bytes) -> None:  # pragma: no cover - not streamed
        return None


def serve(state: BotAPIState) -> tuple[tornado.httpserver.HTTPServer, str]:
    """Listen on a free loopback port; returns the server and its base URL (no trailing slash)."""
    app = tornado.web.Application([(r"/bot([^/]+)/(\w+)", Method, {"state": state})])
    server = tornado.httpserver.HTTPServer(app)
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"
