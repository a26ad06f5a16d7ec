"""The web door: a form submit becomes a flow event; the replies become an HTML page.

Routes are declared in one list at the bottom (`build_app`). Every button is a form that posts
back here; no JavaScript is needed or sent. One request is one committed step, applied at most
once (each page's forms carry a nonce that becomes the step's update id).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.assistant import Assistant
from bot.config import ConfigError, integer, rate
from bot.render import WEB
from bot.service import delivery as delivering
from bot.service import retention
from bot.service.rounds import every
from bot.service.step import handle
from bot.web.guard import BodyLimit, RateLimits, SecurityHeaders, TooLarge
from bot.web.screens import Screen, blocks
from bot.web.session import COOKIE, Session, new_nonce, valid_nonce
from flows.engine import COMMAND_MENU, COMMANDS
from flows.model import Command, Event, Pressed, Resumed, Typed
from flows.text import t
from storage import conversations as conversations_repo
from storage.outbox import Delivery
from storage.return_codes import ReturnCodes, shown
from storage.web_pages import WebPages

log = logging.getLogger(__name__)
# The command bar's labels where this door's differs from Telegram's menu (as on its help screen).
NAV_LABELS = {"privacy": t("what is stored, and what is not")}
STATIC = Path(__file__).parent / "static"
MAX_TEXT = 4096  # as long as a Telegram message
MAX_FIELDS = 8  # the door's forms send three or two (CSRF token, nonce, a button or the text)
PAGE_DEFAULTS: dict[str, Any] = {
    "failure": None,  # an error page's status
    "return_code": None,  # a new return code, shown once
    "resume_form": False,
    "unknown_code": False,
    "deleted": False,
}


@dataclass(frozen=True)
class WebSettings:
    """Where the door listens and how it limits requests (COMEHOME_WEB_* in the environment)."""

    listen: str = "127.0.0.1"
    port: int = 8080
    # Bytes of a form: the longest text a client may send (4,096 characters of four UTF-8
    # bytes each, percent-encoded: 48 KiB) with the form's other fields fits.
    body_limit: int = 50_176
    per_session: float = 2.0  # requests a second, after a burst of 20
    overall: float = 200.0  # requests a second for the whole door, after a burst of 400
    # The reverse proxies (addresses or networks) whose X-Forwarded-Proto and X-Forwarded-For
    # count; from anyone else, loopback too, they are ignored.
    trusted_proxies: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WebSettings:
        """The door's settings; a value that is not a number stops with its variable named."""
        env = os.environ if env is None else env
        return cls(
            listen=env.get("COMEHOME_WEB_LISTEN", cls.listen),
            port=integer(env, "COMEHOME_WEB_PORT", cls.port),
            body_limit=integer(env, "COMEHOME_WEB_BODY_LIMIT", cls.body_limit),
            per_session=rate(env, "COMEHOME_WEB_RATE", cls.per_session),
            overall=rate(env, "COMEHOME_WEB_RATE_OVERALL", cls.overall),
            trusted_proxies=proxies(env.get("COMEHOME_WEB_TRUSTED_PROXIES", "")),
        )


def proxies(value: str) -> tuple[str, ...]:
    """COMEHOME_WEB_TRUSTED_PROXIES: comma-separated addresses or networks, nothing else (a "*"
    or a host name would let clients claim any address and HTTPS)."""
    found = tuple(part.strip() for part in value.split(",") if part.strip())
    for proxy in found:
        try:
            ipaddress.ip_network(proxy)
        except ValueError:
            raise ConfigError(
                f"COMEHOME_WEB_TRUSTED_PROXIES must be addresses or networks, not {proxy!r}"
            ) from None
    return found


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class WebDoor:
    """Turns requests into steps of the shared assistant and their replies into pages."""

    def __init__(self, assistant: Assistant, settings: WebSettings | None = None) -> None:
        self.assistant = assistant
        self.settings = settings or WebSettings()
        self.keyring = assistant.settings.keyring
        self.limits = RateLimits(
            per_session=self.settings.per_session, overall=self.settings.overall
        )
        self.codes = ReturnCodes(assistant.db, self.keyring)
        self.pages = WebPages(assistant.db, self.keyring)  # what each session sees, stored
        self._turns: dict[str, _Turn] = {}  # a session's requests run one after another

    # --- steps ---------------------------------------------------------------------------------

    async def step(
        self, session: Session, event: Event, nonce: str | None, hint: str | None
    ) -> tuple[Screen | None, bool]:
        """Run one step for this session, one at a time per session in this process (the
        database orders them across instances). Returns the screen to show (None: nothing
        stored any more) and whether everything was deleted."""
        key = session.client_key
        turn = self._turns.setdefault(key, _Turn())
        turn.users += 1
        try:
            async with turn.lock:
                delivery = await handle(self.assistant, session.incoming(nonce), event, hint)
                if delivery is not None and delivery.final:  # never stored: shown once
                    return self.screen(delivery), True
                # None: a form applied before (or nothing to say): the page as it was
                return await self.current(session, delivery), False
        finally:
            turn.users -= 1
            if not turn.users:
                del self._turns[key]

    async def current(self, session: Session, step: Delivery | None = None) -> Screen | None:
        """The session's page, from the database (every instance shows the same): the replies of
        `step` or else the page shown last, with news (a reminder) in front."""
        now = self.assistant.clock()
        page = await self.pages.show(session.client_key, now, step)
        return None if page is None else self.screen(page)

    def screen(self, delivery: Delivery) -> Screen:
        """Replies as this door shows them: the web's own privacy facts (`door=WEB`)."""
        messages = delivering.render(self.assistant, delivery, WEB)
        document = next((m.document for m in messages if m.document is not None), None)
        code = self.assistant.renderer.locale(delivery.locale)
        return Screen(code, blocks(messages), document)

    async def start(self, session: Session, hint: str | None) -> Screen:
        """A session's first page, or its place again when its page was forgotten: the client
        came back (`Resumed`, as at the terminal) and is asked again where they left off."""
        screen, _ = await self.step(session, Resumed(), None, hint)
        assert screen is not None  # a new client gets the languages, a known one their place
        return screen

    # --- pages ---------------------------------------------------------------------------------

    def page(
        self,
        request: Request,
        screen: Screen,
        session: Session | None,
        status: int = 200,
        **extra: Any,
    ) -> HTMLResponse:
        renderer = self.assistant.renderer
        code = screen.locale
        commands = [
            (name, renderer.label(NAV_LABELS.get(name, text), code)) for name, text in COMMAND_MENU
        ]
        shown_extra = {**PAGE_DEFAULTS, **extra}
        html = (
            renderer.environment(code)
            .get_template("web/page.j2")
            .render(
                root=request.scope.get("root_path", "") or "",
                lang=code.replace("_", "-"),
                dir="rtl" if renderer.is_rtl(code) else "ltr",
                office=self.assistant.settings.office,
                screen=screen,
                session=session,
                csrf=session.csrf if session else "",
                nonce=new_nonce(),
                commands=commands,
                **shown_extra,
            )
        )
        return HTMLResponse(html, status_code=status)

    async def unreadable(
        self, request: Request, session: Session | None, status: int
    ) -> HTMLResponse:
        """The error page for a form that could not be read (400, 413), in the session's
        language (else the browser's). The session is left as it was: the client's place stays."""
        locale = None
        if session is not None:
            locale = await self.assistant.db.run(
                partial(conversations_repo.locale_of, client=session.client_key), False
            )
        return self.error(request, status, locale)

    def error(self, request: Request, status: int, locale: str | None = None) -> HTMLResponse:
        """An error page, in `locale` or else the browser's language (nothing is read from the
        database for a refused request)."""
        wanted = locale or self.assistant.catalogs.suggest(hint_of(request))
        code = self.assistant.renderer.locale(wanted)
        return self.page(request, Screen(code, ()), None, status, failure=status)


# --- requests ------------------------------------------------------------------------------------


def door_of(request: Request) -> WebDoor:
    door: WebDoor = request.app.state.door
    return door


def hint_of(request: Request) -> str | None:
    """The browser's first language, as a suggestion only (like Telegram's language_code)."""
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].split(";")[0].strip()
    return first[:16] or None


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def with_cookie(response: Response, request: Request, session: Session) -> Response:
    response.set_cookie(
        COOKIE,
        session.token,
        max_age=door_of(request).assistant.settings.retention_days * 86400,
        path=request.scope.get("root_path") or "/",
        secure=secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


def without_cookie(response: Response, request: Request) -> Response:
    response.delete_cookie(
        COOKIE,
        path=request.scope.get("root_path") or "/",
        secure=secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


async def form_of(request: Request) -> dict[str, str]:
    """The posted form, parsed as it arrives (the first value of each field): more than
    `MAX_FIELDS` fields or any file raise Starlette's `HTTPException` (400) without reading
    further, and `BodyLimit` stops a body over its limit while it comes in (`TooLarge`)."""
    form = await request.form(max_fields=MAX_FIELDS, max_files=0)
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(name, value)
    return fields


def event_of(form: Mapping[str, str]) -> Event | None:
    """The flow event of a submitted form: a button, a command, or text the client wrote."""
    if "b" in form:
        return Pressed(form["b"][:64])
    if form.get("c") in COMMANDS:
        return Command(form["c"])
    text = form.get("text", "").strip()[:MAX_TEXT]
    if not text:
        return None
    if text.startswith("/"):
        name, _, args = text[1:].partition(" ")
        return Command(name.lower(), args.strip())
    return Typed(text)


def limited(request: Request, session: Session | None) -> Response | None:
    door = door_of(request)
    if door.limits.allow(session.client_key if session else None):
        return None
    response = door.error(request, 429)
    response.headers["retry-after"] = "10"
    return response


async def home(request: Request) -> Response:
    """GET /: the session's current screen; a new session starts with the languages."""
    door = door_of(request)
    session = Session.from_cookie(request.cookies.get(COOKIE), door.keyring)
    if (refused := limited(request, session)) is not None:
        return refused
    if session is not None and (screen := await door.current(session)) is not None:
        return door.page(request, screen, session)
    fresh = session is None
    session = session or Session.new(door.keyring)
    screen = await door.start(session, hint_of(request))
    response = door.page(request, screen, session)
    return with_cookie(response, request, session) if fresh else response


async def checked(request: Request) -> tuple[Session, dict[str, str]] | Response:
    """The session and form of a POST, or the refusal: no session or a wrong CSRF token (403),
    over the rate limit (429). Nothing is stored for a refused request."""
    door = door_of(request)
    session = Session.from_cookie(request.cookies.get(COOKIE), door.keyring)
    if (refused := limited(request, session)) is not None:
        return refused
    try:
        form = await form_of(request)
    except TooLarge:  # stopped while reading, or by its Content-Length before
        return await door.unreadable(request, session, 413)
    except HTTPException:  # more fields than any form of the door has, or a file
        return await door.unreadable(request, session, 400)
    if session is None or not session.csrf_ok(form.get("csrf")):
        return door.error(request, 403)
    return session, form


async def submit(request: Request) -> Response:
    """POST /: one step. A form submitted twice applies once and shows the same screen."""
    door = door_of(request)
    result = await checked(request)
    if isinstance(result, Response):
        return result
    session, form = result
    nonce, event = form.get("n"), event_of(form)
    if not valid_nonce(nonce):
        return door.error(request, 400)
    if event is None:  # an empty message: the same screen again
        screen = await door.current(session)
        if screen is None:
            return RedirectResponse(request.url_for("home"), status_code=303)
        return door.page(request, screen, session)
    screen, deleted = await door.step(session, event, nonce, hint_of(request))
    if screen is None:  # applied before by a process that has no screen of it: start again
        screen = await door.start(session, hint_of(request))
    if deleted:
        return without_cookie(door.page(request, screen, None, deleted=True), request)
    return door.page(request, screen, session)


async def calendar(request: Request) -> Response:
    """GET /calendar.ics: the calendar file of the session's last booking step."""
    door = door_of(request)
    session = Session.from_cookie(request.cookies.get(COOKIE), door.keyring)
    if (refused := limited(request, session)) is not None:
        return refused
    screen = await door.current(session) if session else None
    if screen is None or screen.document is None:
        return door.error(request, 404)
    name, content = screen.document
    return Response(
        content,
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


async def return_code(request: Request) -> Response:
    """POST /code: a new return code for this conversation, shown once."""
    door = door_of(request)
    result = await checked(request)
    if isinstance(result, Response):
        return result
    session, _ = result
    code = await asyncio.to_thread(
        door.codes.issue, session.client_key, session.token, door.assistant.clock()
    )
    if code is None:  # no conversation to come back to
        return RedirectResponse(request.url_for("home"), status_code=303)
    # A page forgotten meanwhile: the code with the client's place, never a code lost unseen.
    screen = await door.current(session) or await door.start(session, hint_of(request))
    return door.page(request, screen, session, return_code=shown(code))


async def resume(request: Request) -> Response:
    """GET /resume: the form for a return code; POST: continue the conversation it belongs to."""
    door = door_of(request)
    if request.method == "GET":
        session = Session.from_cookie(request.cookies.get(COOKIE), door.keyring)
        if session is None:
            return RedirectResponse(request.url_for("home"), status_code=303)
        screen = await door.current(session) or await door.start(session, None)
        return door.page(request, screen, session, resume_form=True)
    result = await checked(request)
    if isinstance(result, Response):
        return result
    session, form = result
    token = await asyncio.to_thread(door.codes.redeem, form.get("code", "")[:40])
    if token is None:
        screen = await door.current(session) or await door.start(session, None)
        return door.page(request, screen, session, 400, resume_form=True, unknown_code=True)
    back = Session(token, door.keyring)
    response = RedirectResponse(request.url_for("home"), status_code=303)
    return with_cookie(response, request, back)


def build_app(door: WebDoor, housekeeping: bool = False) -> Starlette:
    """The ASGI application: routes in one list, middleware explicit (outermost first). Nothing
    runs in the background for the web clients: their news waits in the outbox for their visit."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop, tasks = asyncio.Event(), []
        if housekeeping:  # when no Telegram door runs beside this one
            job = every(retention.EVERY, stop, lambda: retention.run(door.assistant))
            tasks.append(asyncio.create_task(job))
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                task.cancel()

    routes = [
        Route("/", home, methods=["GET"], name="home"),
        Route("/", submit, methods=["POST"], name="submit"),
        Route("/calendar.ics", calendar, methods=["GET"], name="calendar"),
        Route("/code", return_code, methods=["POST"], name="code"),
        Route("/resume", resume, methods=["GET", "POST"], name="resume"),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(BodyLimit, limit=door.settings.body_limit),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.door = door
    return app
