"""Serving the web door with uvicorn: alone (`comehome web`) or beside the Telegram door."""

from __future__ import annotations

import logging

import uvicorn

from bot.assistant import Assistant
from bot.web.app import WebDoor, WebSettings, build_app

log = logging.getLogger(__name__)


def server(assistant: Assistant, settings: WebSettings, alone: bool = True) -> uvicorn.Server:
    """A uvicorn server for the door. No access log: it would hold addresses and user agents.
    `alone`: no Telegram door runs in this process, so the door does the housekeeping itself."""
    app = build_app(WebDoor(assistant, settings), housekeeping=alone)
    config = uvicorn.Config(
        app,
        host=settings.listen,
        port=settings.port,
        access_log=False,
        log_config=None,  # the application's logging, not uvicorn's own (which logs clients)
        log_level="warning",
        server_header=False,
        # X-Forwarded-Proto (Secure cookie, HSTS) and -For only from the configured proxies
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies),
        limit_concurrency=500,
        timeout_keep_alive=5,
    )
    return uvicorn.Server(config)


async def serve(assistant: Assistant, settings: WebSettings, alone: bool = True) -> None:
    log.warning("web door on http://%s:%d/", settings.listen, settings.port)
    await server(assistant, settings, alone).serve()
