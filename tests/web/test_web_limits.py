"""Rate limits and TLS behind a proxy, as the web door is served on the open internet."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from bot.assistant import Assistant
from bot.config import ConfigError
from bot.web.app import WebDoor, WebSettings, build_app
from bot.web.guard import RateLimits
from bot.web.serve import server
from tests.web.client import WebClient
from tests.web.test_web_door import counts


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_session_over_its_rate_gets_429_and_its_steps_are_not_applied(
    assistant: Assistant,
) -> None:
    """Check that a session past its burst is answered 429 with Retry-After, translated, and
    that the refused form changes nothing; another session is still served."""
    door = WebDoor(assistant, WebSettings(per_session=0.001, overall=10_000))
    door.limits.session_burst = 3
    with TestClient(build_app(door), headers={"accept-language": "en"}) as client:
        web = WebClient(client)
        web.open()  # a new session: counted against new sessions, not its own bucket
        web.press("English")
        web.press("Continue")
        web.press("Book a counselling appointment")
        before = counts(door)
        button = web.button("No interpreter")
        refused = client.post(button.action, data=button.fields)
        assert refused.status_code == 429 and refused.headers["retry-after"] == "10"
        assert "Too many requests." in refused.text and "Please wait a few seconds" in refused.text
        assert counts(door) == before
    with TestClient(build_app(door), headers={"accept-language": "en"}) as other:
        assert other.get("/").status_code == 200


def test_the_limits_refill_and_cover_new_sessions_and_the_whole_door() -> None:
    """Check the buckets: a session's burst then its rate, new sessions (there is no address to
    limit by) and the door's overall rate, each refilling with time."""
    ticks = Ticks()
    limits = RateLimits(
        per_session=1,
        session_burst=2,
        overall=100,
        overall_burst=5,
        new_sessions=1,
        new_session_burst=1,
        clock=ticks,
    )
    assert limits.allow("a") and limits.allow("a") and not limits.allow("a")
    assert limits.allow(None) and not limits.allow(None)  # one new session at a time
    assert not limits.allow("b")  # five requests so far, refused ones too: the door's burst
    ticks.now += 1.0
    assert limits.allow("a") and not limits.allow("a")  # one a second again


async def served(settings: WebSettings, assistant: Assistant, peer: str) -> httpx.Response:
    """The first page from the door as `comehome web` serves it (uvicorn with its proxy headers
    middleware as configured), asked by `peer` with X-Forwarded-Proto https."""
    config = server(assistant, settings, alone=False).config
    config.load()
    transport = httpx.ASGITransport(app=config.loaded_app, client=(peer, 50000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://door") as client:
        return await client.get(
            "/", headers={"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9"}
        )


def over_tls(response: httpx.Response) -> bool:
    """Whether the door took the request for one over TLS: HSTS and a Secure cookie, or neither."""
    hsts = response.headers.get("strict-transport-security", "").startswith("max-age=31536000")
    secure = "Secure" in response.headers["set-cookie"]
    assert hsts == secure
    return hsts


async def test_forwarded_headers_count_only_from_the_configured_proxies(
    assistant: Assistant,
) -> None:
    """Check that X-Forwarded-Proto (and -For) are ignored from every peer, loopback too, unless
    COMEHOME_WEB_TRUSTED_PROXIES names it: then HTTPS from that proxy gives HSTS and a Secure
    cookie, and the same header from anywhere else is still ignored."""
    alone = WebSettings.from_env({})
    assert alone.trusted_proxies == ()
    assert not over_tls(await served(alone, assistant, "127.0.0.1"))
    proxied = WebSettings.from_env({"COMEHOME_WEB_TRUSTED_PROXIES": " 10.0.0.5, 127.0.0.1 ,"})
    assert proxied.trusted_proxies == ("10.0.0.5", "127.0.0.1")
    assert over_tls(await served(proxied, assistant, "10.0.0.5"))
    assert over_tls(await served(proxied, assistant, "127.0.0.1"))
    assert not over_tls(await served(proxied, assistant, "198.51.100.7"))


@pytest.mark.parametrize("value", ["*", "proxy.example.org", "10.0.0.300"])
def test_a_trusted_proxy_must_be_an_address_or_a_network(value: str) -> None:
    """Check that anything but addresses and networks is refused, naming the variable ("*"
    would let every client claim any address and HTTPS)."""
    with pytest.raises(ConfigError, match="COMEHOME_WEB_TRUSTED_PROXIES"):
        WebSettings.from_env({"COMEHOME_WEB_TRUSTED_PROXIES": f"127.0.0.1,{value}"})


def test_a_form_of_more_than_eight_fields_or_with_a_file_is_refused_with_400(
    web: WebClient, door: WebDoor
) -> None:
    """Check that a form of nine fields, or one carrying a file, gets 400 and the page saying
    the form could not be read, in the session's language; nothing is stored, the client's
    place stays, and a form of eight fields still goes through."""
    web.open()
    web.press("Deutsch")
    place = web.text
    fields = {**web.hidden("text"), "text": "Hallo"}  # csrf, n, text
    before = counts(door)
    refused = web.client.post("/", data={**fields, **{f"x{i}": "1" for i in range(6)}})
    assert refused.status_code == 400
    assert "Dieses Formular konnte nicht gelesen werden." in refused.text
    with_file = web.client.post("/", data=fields, files={"note": ("a.txt", b"hello")})
    assert with_file.status_code == 400
    assert counts(door) == before
    assert web.open() and web.text == place
    web.post("/", {**fields, **{f"x{i}": "1" for i in range(5)}})
    assert web.status == 200 and counts(door) != before


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("COMEHOME_WEB_PORT", "eighty", "must be a whole number, not 'eighty'"),
        ("COMEHOME_WEB_BODY_LIMIT", "16k", "must be a whole number, not '16k'"),
        ("COMEHOME_WEB_RATE", "fast", "must be a number, not 'fast'"),
        ("COMEHOME_WEB_RATE_OVERALL", "0", "must be a number above 0, not '0'"),
        ("COMEHOME_WEB_RATE", "nan", "must be a number above 0, not 'nan'"),
        (
            "COMEHOME_WEB_TRUSTED_PROXIES",
            "proxy.example.org",
            "must be addresses or networks, not 'proxy.example.org'",
        ),
    ],
)
def test_a_wrong_web_setting_stops_the_door_naming_its_variable(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    message: str,
) -> None:
    """Check that a web door setting that is not a number (or not above 0) is refused with its
    variable named, and that `comehome web` then ends with exit status 2 and that one line,
    before opening any database."""
    from bot.cli import main

    with pytest.raises(ConfigError, match=f"{name} {message}"):
        WebSettings.from_env({name: value})
    assert WebSettings.from_env({}) == WebSettings()
    monkeypatch.setenv("COMEHOME_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COMEHOME_DATABASE_URL", raising=False)
    monkeypatch.setenv(name, value)
    assert main(["web"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"comehome: configuration error: {name} {message}"
    assert not (tmp_path / "comehome.db").exists()
