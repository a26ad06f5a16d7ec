"""The web door through Starlette's test client: the journey, and what keeps it safe."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select, text

from bot.config import ROOT
from bot.glossary import Glossary
from bot.i18n import Catalogs
from bot.web.app import WebDoor, WebSettings
from bot.web.session import COOKIE
from storage.tables import appointments, conversations, metadata, processed_updates
from tests.web.client import WebClient, text_of

CATALOGS = Catalogs(ROOT / "locales")
BODY_LIMIT = WebSettings().body_limit
FORM = {"content-type": "application/x-www-form-urlencoded"}
GLOSSARY = Glossary.load(ROOT / "locales" / "glossary.csv")


def counts(door: WebDoor) -> tuple[int, int, int]:
    """(conversations, processed forms, booked appointments) in the database."""
    with door.assistant.db.transaction() as tx:
        return (
            tx.execute(select(func.count()).select_from(conversations)).scalar_one(),
            tx.execute(select(func.count()).select_from(processed_updates)).scalar_one(),
            tx.execute(
                select(func.count())
                .select_from(appointments)
                .where(appointments.c.status == "booked")
            ).scalar_one(),
        )


def to_booking(web: WebClient) -> None:
    web.open()
    web.press("English")
    web.press("Continue")
    web.press("Book a counselling appointment")
    web.press("No interpreter")


def test_a_client_books_moves_downloads_the_calendar_and_deletes(
    web: WebClient, door: WebDoor
) -> None:
    """Check that the whole booking journey works with plain form submits, and /delete leaves nothing."""
    page = web.open()
    assert 'lang="en" dir="ltr"' in page and "Please choose your language." in web.text
    web.press("English")
    assert "The immigration authority (Ausländerbehörde) is not informed." in web.text
    web.press("Continue")
    web.press("Book a counselling appointment")
    web.press("No interpreter")
    first, second = [b.label for b in web.buttons()][:2]
    web.press(first)
    assert "This time will be booked for you when you confirm." in web.text
    web.press("Yes, book this time")
    assert "Your appointment is booked." in web.text
    case_code = re.search(r"<code>([0-9A-Z]{6,})</code>", web.page).group(1)  # type: ignore[union-attr]
    calendar = web.client.get("/calendar.ics")
    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert "attachment" in calendar.headers["content-disposition"]
    assert b"BEGIN:VCALENDAR" in calendar.content
    web.press("My appointment")
    assert case_code in web.text
    web.press("Choose another time")
    web.press(second)
    assert "Your appointment will be moved from" in web.text
    web.press("Yes, move it")
    assert "Your appointment is moved from" in web.text
    assert first.split(", ")[-1] in web.text and second.split(", ")[-1] in web.text  # both named
    assert counts(door)[2] == 1
    web.press("Delete my data")
    web.press("Yes, delete everything")
    assert counts(door)[0] == 0 and counts(door)[2] == 0
    cookie = web.client.cookies.get(COOKIE)
    assert cookie is None


def test_a_form_without_or_with_a_wrong_csrf_token_is_refused_and_nothing_is_stored(
    web: WebClient, door: WebDoor
) -> None:
    """Check that a missing or wrong CSRF token gets 403 and the step is not applied."""
    web.open()
    button = web.button("English")
    before = counts(door)
    for csrf in (None, "0" * 32, button.fields["csrf"][:-1] + "x"):
        fields = {k: v for k, v in button.fields.items() if k != "csrf"}
        if csrf is not None:
            fields["csrf"] = csrf
        response = web.client.post("/", data=fields)
        assert response.status_code == 403
        assert "This page has expired." in response.text
    assert counts(door) == before
    web.open()
    assert "Please choose your language." in web.text  # still where it was


def test_a_form_submitted_twice_applies_once(web: WebClient, door: WebDoor) -> None:
    """Check that a double-submitted form is one step: the second gets the same screen."""
    to_booking(web)
    web.press(web.buttons()[0].label)
    confirm = web.button("Yes, book this time")
    first = web.post(confirm.action, confirm.fields)
    again = web.post(confirm.action, confirm.fields)
    assert "Your appointment is booked." in again
    assert _main(again) == _main(first)
    assert counts(door)[2] == 1
    # A form from an earlier page applies once too: no step is skipped or repeated.
    web.press("Preliminary intake (anonymous)")
    question = web.text
    web.post(confirm.action, confirm.fields)
    assert web.text == question


def test_an_oversized_form_gets_413_in_the_sessions_language_and_the_place_stays(
    web: WebClient, door: WebDoor
) -> None:
    """Check that a form over 49 KiB, announced by its Content-Length or streamed in chunks
    without one, is refused with 413 and "This message is too long." in the session's language
    (not the browser's) with the way back to the chat; nothing is stored and the client's place
    stays. The longest message a client may write (4,096 emoji) still goes through."""
    web.open()
    web.press("Deutsch")
    place = web.text
    fields = {**web.hidden("text"), "text": "x" * (BODY_LIMIT - 61)}
    body = urlencode(fields).encode()
    assert BODY_LIMIT == 50_176 and len(body) == BODY_LIMIT + 1
    before = counts(door)
    announced = web.client.post("/", content=body, headers=FORM)
    streamed = web.client.post(
        "/", content=(body[i : i + 4096] for i in range(0, len(body), 4096)), headers=FORM
    )
    for refused in (announced, streamed):
        assert refused.status_code == 413
        assert "Diese Nachricht ist zu lang." in refused.text
        assert 'href="/">Zur aktuellen Seite</a>' in refused.text
    assert "content-length" not in streamed.request.headers
    assert counts(door) == before
    web.open()
    assert web.text == place
    web.write("\U0001f600" * 4096)
    assert web.status == 200 and counts(door) != before


def test_pages_carry_the_security_headers_and_a_strict_cookie(web: WebClient) -> None:
    """Check the cookie flags, the CSP without inline script, no referrer, and no framing."""
    response = web.client.get("/")
    cookie = response.headers["set-cookie"]
    assert re.search(rf"{COOKIE}=[A-Za-z0-9_-]{{22}};", cookie)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback; behind TLS it is Secure (next test)
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in response.headers
    assert "<script" not in response.text


def test_behind_tls_the_cookie_is_secure_and_hsts_is_sent(app: object) -> None:
    """Check that over HTTPS the session cookie is Secure and the page sends HSTS."""
    from starlette.testclient import TestClient

    with TestClient(app, base_url="https://chat.example") as client:  # type: ignore[arg-type]
        response = client.get("/")
    assert "Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_arabic_pages_are_right_to_left_and_isolate_codes(web: WebClient) -> None:
    """Check that an Arabic page says dir="rtl" and keeps the case code in a left-to-right isolate."""
    web.open()
    web.press("العربية")
    assert 'lang="ar" dir="rtl"' in web.page
    web.press("متابعة")
    web.press("حجز موعد")
    web.press("نعم، بلغة هذه المحادثة")  # an interpreter for Arabic
    web.press(web.buttons()[0].label)
    web.press(web.buttons()[0].label)
    assert re.search("\u2066<code>[0-9A-Z]{6,}</code>\u2069", web.page)


def test_a_return_code_continues_the_conversation_on_another_device(
    web: WebClient, app: object, door: WebDoor
) -> None:
    """Check that a return code, shown once, brings another browser to the same appointment."""
    from starlette.testclient import TestClient

    to_booking(web)
    web.press(web.buttons()[0].label)
    web.press("Yes, book this time")
    web.press("Get a code to continue")
    code = re.search(r'<code dir="ltr">([0-9A-Z]{5}-[0-9A-Z]{5})</code>', web.page).group(1)  # type: ignore[union-attr]
    with door.assistant.db.transaction() as tx:  # only a keyed hash of it is stored
        stored = tx.execute(text("SELECT code_key FROM web_return_codes")).scalars().all()
    assert len(stored) == 1 and code.replace("-", "") not in stored[0]
    web.open()
    assert code not in web.page  # shown once
    with TestClient(app) as other:  # type: ignore[arg-type]
        phone = WebClient(other)
        phone.open()
        phone.open("/resume")
        fields = phone.hidden("code")
        phone.post("/resume", {**fields, "code": "wrong-code1"})
        assert phone.status == 400
        phone.post("/resume", {**fields, "code": code.lower()})
        phone.press("My appointment")
        assert "Your appointment" in phone.text or "appointment" in phone.text


def test_every_language_names_the_code_for_continuing_never_the_return_home(app: object) -> None:
    """Check that in every language the web door calls the code by the glossary's term for
    continuing this chat (the code shown, the button and the link on every page) and that none of
    its code texts (with the form and its error) uses the language's word for the return home."""
    from starlette.testclient import TestClient

    problems = []
    for code in CATALOGS.codes:
        term = GLOSSARY.term("continue_code", code)
        assert term is not None, code
        with TestClient(app) as client:  # type: ignore[arg-type]
            web = WebClient(client)
            web.open()
            language = next(b for b in web.buttons() if b.fields.get("b") == f"lang:{code}")
            web.post(language.action, language.fields)
            link = text_of(_one(r'<a href="[^"]*/resume">(.*?)</a>', web.page))
            get_code = web.buttons()[-1]
            assert get_code.action.endswith("/code"), code
            web.post(get_code.action, get_code.fields)
            heading = text_of(_one(r'<h1 id="code-title">(.*?)</h1>', web.page))
            notice = text_of(_one(r'<section class="notice"[^>]*>(.*?)</section>', web.page))
            web.open("/resume")
            web.post("/resume", {**web.hidden("code"), "code": "ZZZZZ-ZZZZZ"})
            form = text_of(_one(r'<h1><label for="code">(.*?)</label></h1>', web.page))
            error = text_of(_one(r'<div class="error" role="alert">(.*?)</div>', web.page))
        problems += [
            (code, shown)
            for shown in (heading, get_code.label, link)
            if not term.pattern.search(shown)
        ]
        problems += [
            (code, shown)
            for shown in (notice, get_code.label, link, form, error)
            if return_word(code).search(shown)
        ]
    assert problems == []


def return_word(code: str) -> re.Pattern[str]:
    """The language's word for the return home: the glossary's for return counselling."""
    entry = GLOSSARY.term("return_counselling", code)
    return entry.pattern if entry is not None and code != "en" else re.compile(r"\breturn", re.I)


def _one(pattern: str, page: str) -> str:
    found = re.search(pattern, page, re.S)
    assert found is not None, pattern
    return found.group(1)


def test_nothing_of_the_browser_is_stored_or_logged(
    web: WebClient, door: WebDoor, caplog: object
) -> None:
    """Check that the address, user agent and referrer a browser sends end up nowhere."""
    import logging

    marks = {
        "user-agent": "UA-MARK-7731",
        "referer": "https://ref-mark-7731.example/",
        "x-forwarded-for": "203.0.113.77",
    }
    with caplog.at_level(logging.DEBUG):  # type: ignore[attr-defined]
        web.client.headers.update(marks)
        to_booking(web)
        web.press(web.buttons()[0].label)
        web.press("Yes, book this time")
    logged = caplog.text  # type: ignore[attr-defined]
    with door.assistant.db.transaction() as tx:
        rows = [str(row) for table in metadata.sorted_tables for row in tx.execute(table.select())]
    # Whole marks only: four bare digits turn up by chance in stored hashes and sealed bytes.
    for value in (*marks.values(), "203.0.113", "mark-7731", web.client.cookies.get(COOKIE)):
        assert value not in logged and not any(value in row for row in rows)


async def test_fifty_browsers_booking_the_same_time_get_exactly_one_appointment(
    app: object, door: WebDoor
) -> None:
    """Check that 50 clients confirming the same slot at once end with exactly one booking."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]

    async def ready(number: int) -> tuple[httpx.AsyncClient, dict[str, str]]:
        client = httpx.AsyncClient(
            transport=transport, base_url="http://door", headers={"accept-language": "en"}
        )
        page = (await client.get("/")).text
        for label in (
            "English",
            "Continue",
            "Book a counselling appointment",
            "No interpreter",
            None,
        ):
            fields = _fields(page, label)
            page = (await client.post("/", data=fields)).text
        return client, _fields(page, "Yes, book this time")

    clients = await asyncio.gather(*(ready(n) for n in range(50)))
    pages = await asyncio.gather(*(client.post("/", data=fields) for client, fields in clients))
    booked = [p for p in pages if "Your appointment is booked." in p.text]
    assert all(p.status_code == 200 for p in pages)
    assert len(booked) == 1
    assert counts(door)[2] == 1
    for client, _ in clients:
        await client.aclose()


def _fields(page: str, label: str | None) -> dict[str, str]:
    """The fields a browser posts for the button with this label (None: the first button)."""
    for _, body in re.findall(
        r'<form method="post" action="([^"]*)"[^>]*>(.*?)</form>', page, re.S
    ):
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', body))
        for value, shown in re.findall(
            r'<button type="submit" name="b" value="([^"]*)">(.*?)</button>', body, re.S
        ):
            if label is None or shown == label:
                return {**hidden, "b": value}
    raise AssertionError(f"no button {label!r}")


def _main(page: str) -> str:
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r'name="n" value="[0-9a-f]+"', "", main)
