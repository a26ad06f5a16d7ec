"""Webhook mode: Telegram posts updates to us; we answer 200 only after the step committed.
The replies go out in the background, from the same per-chat queues as in long polling.

A request without the right `X-Telegram-Bot-Api-Secret-Token` gets 403 and is not processed. A
body that is not an update (also JSON nested too deep to parse) gets 200, so Telegram does not
retry it forever, and a log line without content. A step that could not be committed gets 500, so
Telegram delivers the update again. Body size, timeouts, connections and log floods are limited
by the server itself (`bot.http_edges`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from typing import Any

import tornado.web
from telegram import Update

from bot.app import PTBApplication
from bot.assistant import Assistant
from bot.http_edges import limit_log_floods, serve
from bot.telegram_door import TelegramDoor

log = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32


class UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, ptb: PTBApplication, door: TelegramDoor, secret: str) -> None:
        self.ptb, self.door, self.secret = ptb, door, secret

    async def post(self) -> None:
        given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request with a wrong secret token refused")
            self.set_status(403)
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.ptb.bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError, MemoryError):
            update = None  # also JSON nested a thousand deep: acknowledged, never retried
        if update is None:
            log.warning("webhook body is not an update; ignored")
            return
        try:
            await self.door.process(update)
        except Exception as error:  # not committed: Telegram delivers the update again
            log.error("step failed, update will be retried", exc_info=error)
            self.set_status(500)

    def data_received(self, chunk: bytes) -> Any:  # pragma: no cover - streaming is not used
        return None


class HealthHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("ok\n")


class MetricsHandler(tornado.web.RequestHandler):
    """Prometheus text format: updates, step latency, outbox backlog, failed sends, bookings."""

    def initialize(self, assistant: Assistant) -> None:
        self.assistant = assistant

    async def get(self) -> None:
        backlog = await asyncio.to_thread(self.assistant.store.outbox.backlog)
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.write(self.assistant.metrics.render(backlog))


def web_app(
    application: PTBApplication,
    door: TelegramDoor,
    secret: str,
    path: str = "/telegram",
) -> tornado.web.Application:
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"the webhook secret must be at least {MIN_SECRET_LENGTH} characters")
    return tornado.web.Application(
        [
            (path, UpdateHandler, {"ptb": application, "door": door, "secret": secret}),
            ("/healthz", HealthHandler),
            ("/metrics", MetricsHandler, {"assistant": door.assistant}),
        ]
    )


async def run_webhook(assistant: Assistant) -> None:
    """Serve updates posted by Telegram until SIGINT/SIGTERM; set the webhook at start."""
    from bot.app import ALLOWED_UPDATES, background, build_application, set_commands

    settings = assistant.settings
    application, door = build_application(assistant)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:
        limit_log_floods()
        server = serve(
            web_app(application, door, settings.webhook_secret),
            settings.webhook_port,
            settings.webhook_listen,
            xheaders=True,
        )
        await application.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        log.info("webhook set; listening on %s:%d", settings.webhook_listen, settings.webhook_port)
        send = door.sender(application.bot)
        await set_commands(application, assistant)
        await asyncio.gather(stop.wait(), *background(assistant, send, stop, door.queues))
        server.stop()
        await door.queues.stop()
