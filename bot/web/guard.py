"""What keeps the web door safe on the open internet: headers, body size, rate limits.

Nothing here looks at the client's address, user agent or referrer: limits are per session
token and overall, and nothing a request carries is logged.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No script at all (the door works without it), styles and images only from the door itself,
# forms only back to it, and no framing: a strict policy with nothing inline.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "cache-control": "no-store",
}
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """Adds the policy headers to every response, and HSTS when the request came over TLS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"
        static = scope.get("path", "").startswith("/static/")  # the stylesheet may be cached

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if static:
                    headers["cache-control"] = "public, max-age=86400"
                if secure:
                    headers["strict-transport-security"] = HSTS
            await send(message)

        await self.app(scope, receive, with_headers)


class TooLarge(Exception):
    """The request body is over the limit (answered with 413)."""


class BodyLimit:
    """Stops bodies over `limit` bytes: reading one raises `TooLarge` before a byte of it is
    read when its Content-Length is over the limit, or as soon as a streamed body (chunked, or
    longer than it said) passes it. The door answers that with its own page (413 in the
    client's language); anything else that lets it through gets a plain 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                seen = self.limit + 1  # nothing of it is read

        async def counted() -> Message:
            nonlocal seen
            if seen > self.limit:
                raise TooLarge
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise TooLarge
            return message

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started |= message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except TooLarge:
            if not started:
                await _plain(send, 413, "Request too large")


async def _plain(send: Send, status: int, text: str) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text.encode()})


@dataclass
class Bucket:
    tokens: float
    at: float


@dataclass
class RateLimits:
    """Token buckets: per session (a burst, then `per_session` a second) and for the whole door.
    Kept in memory only, for the sessions seen lately."""

    per_session: float = 2.0
    session_burst: float = 20.0
    overall: float = 200.0
    overall_burst: float = 400.0
    new_sessions: float = 20.0  # sessions started a second (there is no address to limit by)
    new_session_burst: float = 200.0
    sessions_kept: int = 100_000
    clock: Callable[[], float] = time.monotonic
    _buckets: OrderedDict[str, Bucket] = field(default_factory=OrderedDict)

    def allow(self, session_key: str | None) -> bool:
        """Whether a request may go ahead (and take its token from each bucket it passes)."""
        if not self._take("*", self.overall, self.overall_burst):
            return False
        if session_key is None:
            return self._take("+", self.new_sessions, self.new_session_burst)
        return self._take(session_key, self.per_session, self.session_burst)

    def _take(self, key: str, rate: float, burst: float) -> bool:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(burst, now)
            if len(self._buckets) > self.sessions_kept:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True
