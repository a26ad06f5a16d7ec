"""The support screens and the household estimate, rendered in every shipped language."""

from __future__ import annotations

import re
import shutil
import tomllib
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.numbers import format_currency

from bot.config import ROOT, Office
from bot.i18n import Catalogs
from bot.render import FSI, LRI, PDI, Message, Renderer
from bot.support_file import read_catalogue
from flows import support_screens
from flows.model import Conversation, Reply, Template
from flows.ports import Context
from flows.support import Bound, Catalogue, Estimate, Variant, estimate
from tests.flows.helpers import FakeWording

TELEGRAM_LIMIT = 4096
RTL = ("ar", "fa", "fa_AF", "ps", "ur", "ckb")
HOUSEHOLDS: list[
    dict[str, object]
] = [  # intake answers: an ordinary family, capped, excluded, special, unknown, the largest
    {"country": "IQ", "adults": 2, "minors": 3, "stay": "one_year_or_more"},
    {"country": "SY", "adults": 4, "minors": 6, "stay": "one_year_or_more"},
    {"country": "GE", "adults": 1, "minors": 0, "stay": "under_one_year"},
    {"country": "TR", "adults": 2, "minors": 1},
    {"country": "UA", "adults": 1, "minors": 2, "stay": "one_year_or_more"},
    {"adults": 10, "minors": 10},
]


def shipped_languages() -> list[str]:
    """Languages with a catalog under locales/, plus the source language (English)."""
    listed = tomllib.loads((ROOT / "locales" / "languages.toml").read_text(encoding="utf-8"))
    return [
        entry["code"]
        for entry in listed["language"]
        if entry.get("source")
        or (ROOT / "locales" / entry["code"] / "LC_MESSAGES" / "messages.po").exists()
    ]


@cache
def catalogue() -> Catalogue:
    return read_catalogue(ROOT / "support.toml")


def context() -> Context:
    return Context(datetime(2026, 11, 25, 9), ("en",), FakeWording(), catalogue=catalogue())


def screens() -> list[tuple[str, Reply]]:
    ctx = context()
    return [("overview", support_screens.overview_reply())] + [
        (screen.key, support_screens.screen_reply(screen, ctx))
        for screen in support_screens.SCREENS
    ]


def estimates() -> list[tuple[Estimate, tuple[Reply, ...]]]:
    """Each household's estimate, and the replies that show it (the reasons in a second one)."""
    result = []
    for answers in HOUSEHOLDS:
        conv = Conversation("menu", "en", answers=dict(answers))
        household = support_screens.household_of(conv.answers)
        assert household is not None
        result.append(
            (estimate(catalogue(), household), support_screens.estimate_replies(conv, context()))
        )
    return result


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(Catalogs(ROOT / "locales"), Office())


def rtl_renderer(tmp_path: Path) -> Renderer:
    """The catalogs with empty catalogs added for the right-to-left languages (source texts shown)."""
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    for code in RTL:
        folder = tmp_path / "locales" / code / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "messages.po").exists():
            (folder / "messages.po").write_text(
                'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n',
                encoding="utf-8",
            )
    return Renderer(Catalogs(tmp_path / "locales"), Office())


def shown(renderer: Renderer, replies: tuple[Reply, ...], code: str) -> Message:
    """The messages of one screen, one after the other, as the client reads them."""
    return Message("\n".join(renderer.message(reply, code).html for reply in replies))


def reasons_of(replies: tuple[Reply, ...]) -> tuple[object, ...]:
    """The reasons under "Why" (in the second message, if there is one)."""
    for reply in replies:
        if isinstance(reply.body, Template) and reply.body.name == "estimate_why":
            reasons = reply.body.params["reasons"]
            assert isinstance(reasons, tuple)
            return reasons
    return ()


def money(amount: Decimal, code: str) -> str:
    return format_currency(amount, "EUR", locale=code)


def shown_amounts(result: Estimate) -> set[Decimal]:
    return {i.amount for i in result.items if i.bound in (Bound.EXACT, Bound.UP_TO) and i.amount}


def assert_well_formed(message: Message) -> None:
    assert 0 < len(message.html) <= TELEGRAM_LIMIT
    assert not re.search(r"\{\w*\}|%\(|\{\{|Undefined", message.html), message.html


def test_the_shipped_languages_are_the_offered_ones(renderer: Renderer) -> None:
    """Check that this test renders exactly the languages the bot offers, English and German included."""
    assert set(shipped_languages()) == set(renderer.catalogs.codes) >= {"en", "de"}


@pytest.mark.parametrize("code", shipped_languages())
def test_every_support_screen_renders_within_telegrams_limit(renderer: Renderer, code: str) -> None:
    """Check that each screen renders in the language, under 4,096 characters, with its amounts
    and the date of its oldest figure."""
    reag = catalogue().programme("reag_garp_2024")
    for key, reply in screens():
        message = renderer.message(reply, code)
        assert_well_formed(message)
        if key == "reag":
            for figure in reag.figures:
                if figure.amount and figure.variant is Variant.STANDARD:
                    assert money(figure.amount, code) in message.html, (code, figure.key)
            assert (
                format_date(min(f.as_of for f in reag.figures), "long", locale=code) in message.html
            )
        if key == "business":
            assert money(Decimal(3000), code) in message.html


@pytest.mark.parametrize("code", shipped_languages())
def test_the_estimate_renders_with_amounts_date_and_reasons(renderer: Renderer, code: str) -> None:
    """Check that each household's estimate shows its amounts and date in the client's locale."""
    for result, replies in estimates():
        for reply in replies:
            assert_well_formed(renderer.message(reply, code))
        message = shown(renderer, replies, code)
        for amount in shown_amounts(result):
            assert money(amount, code) in message.html, (code, amount)
        assert result.as_of is not None
        assert format_date(result.as_of, "long", locale=code) in message.html
        reasons = reasons_of(replies)
        assert bool(reasons) == any(item.rules for item in result.items)
        assert message.html.count("\n• ") == len(result.items) + len(reasons)


def test_english_screens_are_short(renderer: Renderer) -> None:
    """Check that each support screen and each message of an estimate stays within 600
    characters in English."""
    for key, reply in screens():
        assert len(renderer.message(reply, "en").plain) <= 600, key
    for _, replies in estimates():
        for reply in replies:
            assert len(renderer.message(reply, "en").plain) <= 600


def test_the_estimate_says_it_is_not_a_decision(renderer: Renderer) -> None:
    """Check that the estimate always carries the date of its figures and that the counselling decides."""
    for result, replies in estimates():
        text = renderer.message(replies[0], "en").plain
        assert "The counselling decides what you receive." in text
        assert result.as_of is not None and format_date(result.as_of, "long", locale="en") in text


def test_a_large_family_sees_the_cap_and_why(renderer: Renderer) -> None:
    """Check that a capped start-up aid reads as the cap, with the reason, in English and German."""
    _, replies = estimates()[1]
    english = shown(renderer, replies, "en").plain
    assert "Start-up aid: €4,000.00" in english
    assert "Start-up aid: at most €4,000.00 per family." in english
    assert "4.000,00\xa0€" in shown(renderer, replies, "de").plain


@pytest.mark.parametrize("code", RTL)
def test_right_to_left_languages_isolate_amounts_and_dates(tmp_path: Path, code: str) -> None:
    """Check that in right-to-left languages every amount and date sits inside Unicode isolates."""
    rtl = rtl_renderer(tmp_path)
    assert rtl.is_rtl(code)
    reag = dict(screens())["reag"]
    html = rtl.message(reag, code).html
    assert f"{FSI}{money(Decimal(200), code)}{PDI}" in html
    assert isinstance(reag.body, Template)
    as_of = reag.body.params["as_of"]
    assert isinstance(as_of, date)
    assert f"{FSI}{format_date(as_of, 'long', locale=code)}{PDI}" in html
    for result, replies in estimates():
        html = shown(rtl, replies, code).html
        assert_well_formed(Message(html))
        for amount in shown_amounts(result):
            assert f"{FSI}{money(amount, code)}{PDI}" in html
        assert result.as_of is not None
        assert f"{FSI}{format_date(result.as_of, 'long', locale=code)}{PDI}" in html
        assert html.count(FSI) + html.count(LRI) == html.count(PDI)  # every isolate is closed


def test_no_amount_is_written_into_a_support_text() -> None:
    """Check that the support templates and texts carry no amounts: those come from the catalogue."""
    templates = (ROOT / "bot" / "templates" / "client").glob("*.j2")
    for path in templates:
        if path.stem.startswith(("support", "estimate")):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"€|\bEUR\b|\b[Ee]uros?\b|\d{3,}", text), path.name
    source = (ROOT / "flows" / "support_screens.py").read_text(encoding="utf-8")
    for msgid in re.findall(r'\bt\("([^"]*)"', source):
        assert not re.search(r"€|EUR|\d", msgid), msgid
