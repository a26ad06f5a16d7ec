"""Every message and template renders in every shipped language, with plural forms right."""

from __future__ import annotations

import logging

import pytest
from babel.messages.pofile import read_po

from bot.config import ROOT, Office
from bot.direction import without_isolates
from bot.i18n import Catalogs, placeholders
from bot.render import Renderer
from flows.model import Reply, Template, Text

CATALOGS = Catalogs(ROOT / "locales")
RENDERER = Renderer(CATALOGS, Office())
with (ROOT / "locales" / "messages.pot").open("rb") as handle:
    TEMPLATE = [m for m in read_po(handle) if m.id]
CODE_MESSAGES = [m for m in TEMPLATE if any(not path.endswith(".j2") for path, _ in m.locations)]
RETENTION = (
    "Your answers are deleted %(count)s day after your last message. "
    "You can delete everything at any time with /delete."
)


def test_all_seventeen_languages_are_shipped() -> None:
    """Check that the seventeen interface languages of the office are offered, in its order."""
    assert CATALOGS.codes == (
        "de",
        "tr",
        "ar",
        "en",
        "ru",
        "fa",
        "fa_AF",
        "ku",
        "ka",
        "ps",
        "ur",
        "fr",
        "sq",
        "ckb",
        "sr_Latn",
        "az",
        "uk",
    )


@pytest.mark.parametrize("code", CATALOGS.codes)
def test_every_message_renders_with_its_placeholders_filled(
    code: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Check that each message of the code renders in the language: no KeyError, no leftover {name}."""
    caplog.set_level(logging.WARNING)
    for message in CODE_MESSAGES:
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        names = placeholders(msgid)
        text = Text(msgid, {name: 7 for name in names}, context=message.context)
        rendered = RENDERER.text(text, code)
        assert not any("{" + name + "}" in rendered for name in names), (code, msgid)
    assert "translation" not in caplog.text, caplog.text


@pytest.mark.parametrize("code", CATALOGS.codes)
@pytest.mark.parametrize("days", [0, 1, 2, 3, 5, 11, 21, 100])
def test_the_retention_sentence_has_the_right_plural_form(code: str, days: int) -> None:
    """Check that the plural message renders for n = 0, 1, 2, 3, 5, 11, 21, 100 with its number
    (or, where the language's form says the number in words, as Arabic "يومين", without it)."""
    renderer = Renderer(CATALOGS, Office(), retention_days=days)
    html = without_isolates(renderer.message(Reply(Template("privacy_more")), code).html)
    form = CATALOGS.get(code).ngettext(
        RETENTION, RETENTION.replace("day after", "days after"), days
    )
    assert "%(" not in html
    assert form.replace("%(count)s", str(days)) in html
    if "%(count)s" in form:
        assert str(days) in html


def test_arabic_says_two_days_in_one_word() -> None:
    """Check that Arabic says "after two days" (بعد يومين) for 2, not "after 2 two-days"."""
    renderer = Renderer(CATALOGS, Office(), retention_days=2)
    html = renderer.message(Reply(Template("privacy_more")), "ar").html
    assert "بعد يومين من" in html and "2 يومين" not in html


def test_arabic_uses_the_form_for_eleven_to_ninety_nine() -> None:
    """Check that Arabic picks the "many" form for 11 and 21 and the "other" form for 100."""
    translations = CATALOGS.get("ar")
    singular = RETENTION
    plural = singular.replace("day after", "days after")
    forms = {n: translations.ngettext(singular, plural, n) for n in (3, 11, 21, 100)}
    assert forms[11] == forms[21] != forms[3]
    assert forms[100] != forms[11]


@pytest.mark.parametrize("code", [c for c in CATALOGS.codes if CATALOGS.languages[c].rtl])
def test_right_to_left_languages_are_marked(code: str) -> None:
    """Check that the five right-to-left languages are known as such and mark Latin-first lines."""
    html = RENDERER.message(Reply(Template("help")), code).html
    assert all(
        line.startswith("\u200f") or not line or line[0] not in "/ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        for line in html.split("\n")
    )
