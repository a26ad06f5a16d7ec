"""The web door's privacy notice: the web client's own facts, never Telegram's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.config import ROOT, Office
from bot.i18n import Catalogs
from bot.render import TELEGRAM, WEB, Renderer
from flows.model import Reply, Template
from tests.web.client import WebClient, text_of

CATALOGS = Catalogs(ROOT / "locales")
PROMISES = (
    "Counselling is free of charge and voluntary.",
    "The immigration authority (Ausländerbehörde) is",
    "You can delete everything at any time with /delete.",
)
DOOR_TEMPLATES = ("privacy", "privacy_more", "privacy_door", "deleted", "help")


def telegram_texts(code: str) -> list[str]:
    """The translations (in `code`) of every client message that speaks of Telegram."""
    with open(ROOT / "locales" / "messages.pot", "rb") as handle:
        template = read_po(handle)
    translations = CATALOGS.get(code)
    found = []
    for message in template:
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if msgid and "Telegram" in msgid:
            shown = translations.gettext(msgid)
            found.append(shown % {"name": Office().name} if "%(" in shown else shown)
    return found


def rendered(code: str, door: str) -> str:
    renderer = Renderer(CATALOGS, Office())
    return "\n".join(
        renderer.message(Reply(Template(name)), code, door=door).plain for name in DOOR_TEMPLATES
    )


def test_the_first_screen_keeps_the_three_promises_short_on_both_doors() -> None:
    """Check that the first layer, in English, has the three promises in at most 350 characters
    on the web as on Telegram, and that the web one says no phone number or account is needed."""
    renderer = Renderer(CATALOGS, Office())
    for door in (TELEGRAM, WEB):
        first = renderer.message(Reply(Template("privacy")), "en", door=door).plain
        assert len(first) <= 350, (door, len(first))
        for promise in PROMISES:
            assert promise in first, (door, promise)
    web = renderer.message(Reply(Template("privacy")), "en", door=WEB).plain
    assert "phone number" in web and "account" in web


@pytest.mark.parametrize("code", CATALOGS.codes)
def test_the_web_notice_never_speaks_of_telegram_in_any_language(code: str) -> None:
    """Check that privacy notice, help and goodbye, as the web door shows them, contain no
    Telegram text in any language, while the Telegram door's still do."""
    web, telegram = rendered(code, WEB), rendered(code, TELEGRAM)
    assert "telegram" not in web.lower()
    for text in telegram_texts(code):
        assert text not in web, (code, text)
    assert any(text in telegram for text in telegram_texts(code)), code
    assert web != telegram


def test_the_web_notice_says_what_the_website_keeps_and_does_not() -> None:
    """Check the web details in English: cookie on this device, no IP address, browser or
    referring page stored or logged, the code to continue, /delete, and a way without the website."""
    details = rendered("en", WEB)
    for fact in (
        "random code kept in a cookie on this device",
        "does not store or log your IP address, the name of your browser or the page you came from",
        "code to continue",
        "/delete (or its button) deletes everything",
        "without this website",
    ):
        assert fact in details, fact


def test_the_web_notice_is_translated_in_every_language() -> None:
    """Check that each language shows its own words for the web notice, not the English ones."""
    renderer = Renderer(CATALOGS, Office())
    english = renderer.message(Reply(Template("privacy_door")), "en", door=WEB).plain
    sentences = [s for s in english.splitlines() if len(s) > 15]
    for code in set(CATALOGS.codes) - {"en"}:
        shown = renderer.message(Reply(Template("privacy_door")), code, door=WEB).plain
        assert not any(sentence in shown for sentence in sentences), code


PAGES_WITHOUT_TELEGRAM = re.compile(
    r"telegram|تيليجرام|تلگرام|ټیلیګرام|تێلیگرام|ٹیلی گرام|телеграм", re.IGNORECASE
)


@pytest.mark.parametrize(
    ("code", "accept"), [("en", "English"), ("ar", "العربية"), ("ru", "Русский")]
)
def test_no_web_screen_mentions_telegram(web: WebClient, code: str, accept: str) -> None:
    """Check that every screen a web client meets, from the first page to the goodbye after
    /delete, never mentions Telegram (English, Arabic and Russian)."""
    pages = [web.open()]

    def press(value: str, name: str = "b") -> None:
        fields = {**web.hidden("text"), name: value}
        pages.append(web.post("/", fields))

    press(f"lang:{code}")
    press("privacy:more")
    press("privacy:accept")
    for command in ("help", "privacy", "menu"):
        press(command, "c")
    press("m:book")
    press("b:int:none")
    slot = re.search(r'name="b" value="(b:slot:[^"]+)"', web.page)
    assert slot is not None
    press(slot.group(1))
    press("b:ok")
    pages.append(web.open("/resume"))
    press("delete", "c")
    press("del:yes")
    assert 'name="csrf"' not in web.page  # the session is gone
    for page in pages:
        assert f'lang="{code}"' in page or 'lang="en"' in page
        assert not PAGES_WITHOUT_TELEGRAM.search(page), text_of(page)[:300]


def test_the_web_door_renders_its_own_variant(web: WebClient) -> None:
    """Check that the web privacy details say "About this website" and the help its own label."""
    web.open()
    web.press("English")
    web.press("More about privacy")
    assert "About this website" in web.text and "cookie on this device" in web.text
    web.press("Continue")
    assert "what is stored, and what is not" in web.page
    assert "what Telegram sees" not in web.page


def test_catalog_check_covers_the_web_notice() -> None:
    """Check that the web notice's texts are privacy-notice texts for the coverage gate."""
    pot = (ROOT / "locales" / "messages.pot").read_text(encoding="utf-8")
    block = pot.split('msgid "About this website"')[0].rsplit("\n\n", 1)[-1]
    assert "privacy notice" in block
    assert Path(ROOT / "bot" / "templates" / "client" / "privacy_web.j2").exists()
