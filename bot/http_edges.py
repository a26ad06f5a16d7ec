"""The webhook server's edges: what an unauthenticated stranger on the network can make it do.

Telegram's updates are small and come over few connections, so the server reads at most 1 MB of
body (refused from the Content-Length, before reading), closes a connection that sends no
complete headers or stays idle for 5 s and a body that does not arrive within 10 s, keeps at most
64 connections open (more are closed at once), pauses accepting for a second when the process runs
out of file descriptors instead of spinning, and logs each kind of trouble at most once per 10 s.
"""

from __future__ import annotations

import logging
import math
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tornado import iostream
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    max_body: int = 1 << 20  # bytes; a Telegram update is a few kilobytes
    max_headers: int = 16 << 10
    idle_seconds: float = 5.0  # also how long a request's headers may take to arrive
    body_seconds: float = 10.0
    max_connections: int = 64
    pause_when_out_of_files: float = 1.0


class RateLimited(logging.Filter):
    """Lets one record per logger and message through every `every` seconds; says with the next
    one how many were held back. Against a flood of log lines from a flood of requests."""

    def __init__(self, every: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.every, self.clock = every, clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key, now = (record.name, str(record.msg)), self.clock()
        last, held = self._seen.get(key, (-math.inf, 0))
        if now - last < self.every:
            self._seen[key] = (last, held + 1)
            return False
        if held:
            record.msg = f"{record.msg} ({held} more like it in the last {self.every:.0f} s)"
        self._seen[key] = (now, 0)
        return True


log.addFilter(RateLimited())  # the server's own warnings, also where no one called the below


def limit_log_floods(*loggers: str, every: float = 10.0) -> RateLimited:
    """Rate-limit the webhook's own warnings and Tornado's and asyncio's error lines."""
    limiter = RateLimited(every)
    names = loggers or (
        "bot.webhook",
        "tornado.application",
        "tornado.general",
        "tornado.access",
        "asyncio",
    )
    for name in names:
        logging.getLogger(name).addFilter(limiter)
    return limiter


class GuardedServer(HTTPServer):
    """Tornado's HTTP server with the limits above."""

    def initialize(self, *args: Any, limits: Limits = Limits(), **kwargs: Any) -> None:
        self.limits = limits
        bounded: dict[str, Any] = {
            "max_body_size": limits.max_body,
            "max_buffer_size": limits.max_body + limits.max_headers,
            "max_header_size": limits.max_headers,
            "idle_connection_timeout": limits.idle_seconds,
            "body_timeout": limits.body_seconds,
        }
        super().initialize(*args, **{**kwargs, **bounded})  # the limits win

    def handle_stream(self, stream: iostream.IOStream, address: tuple[Any, ...]) -> None:
        if len(self._connections) >= self.limits.max_connections:
            log.warning("webhook: %d connections open; closing a new one", len(self._connections))
            stream.close()
            return
        super().handle_stream(stream, address)

    def add_sockets(self, sockets: Any) -> None:
        for sock in sockets:
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = accept_pausing(
                sock, self._handle_connection, self.limits.pause_when_out_of_files
            )


def accept_pausing(
    sock: socket.socket, callback: Callable[[socket.socket, Any], None], pause: float
) -> Callable[[], None]:
    """Tornado's accept loop, except that an error such as "too many open files" pauses accepting
    for `pause` seconds instead of being retried at once, thousands of times a second."""
    loop = IOLoop.current()
    state = {"removed": False, "paused": False}

    def ready(_fd: Any, _events: int) -> None:
        for _ in range(128):
            if state["removed"] or state["paused"]:
                return
            try:
                connection, address = sock.accept()
            except BlockingIOError:
                return
            except ConnectionAbortedError:
                continue
            except OSError as error:  # EMFILE, ENFILE, ENOBUFS, ENOMEM
                log.error("webhook: cannot accept connections (%s); pausing", error.strerror)
                loop.remove_handler(sock)
                state["paused"] = True
                loop.call_later(pause, resume)
                return
            callback(connection, address)

    def resume() -> None:
        if not state["removed"]:
            state["paused"] = False
            loop.add_handler(sock, ready, IOLoop.READ)

    def remove() -> None:
        if not state["paused"]:
            loop.remove_handler(sock)
        state["removed"] = True

    loop.add_handler(sock, ready, IOLoop.READ)
    return remove


def serve(
    app: Any, port: int, address: str, limits: Limits = Limits(), **kwargs: Any
) -> GuardedServer:
    """Listen on `address:port` with the limits; the server, to `stop()` it."""
    server = GuardedServer(app, limits=limits, **kwargs)
    server.listen(port, address)
    return server
