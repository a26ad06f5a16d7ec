"""Rendering in the client's language: translations, Babel formats, direction marks, broken catalogs."""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import ROOT, Office
from bot.i18n import Catalogs
from bot.render import FSI, LRI, PDI, RLM, Renderer
from bot.wording import Wording
from flows.model import (
    Button,
    CalendarEvent,
    Code,
    Country,
    Language,
    Money,
    Param,
    Reply,
    Template,
    UserText,
    When,
)
from flows.text import t


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(Catalogs(ROOT / "locales"), Office())


def fake_rtl_catalogs(tmp_path: Path, po_text: str = "") -> Catalogs:
    """A copy of the catalogs with an Arabic catalog added (translations optional)."""
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    folder = tmp_path / "locales" / "ar" / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    header = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : '
        'n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);\\n"\n\n'
    )
    (folder / "messages.po").write_text(header + po_text, encoding="utf-8")
    return Catalogs(tmp_path / "locales")


def test_german_is_translated_and_english_is_the_source(renderer: Renderer) -> None:
    """Check that a message reads in German for German clients and as written for English ones."""
    reply = Reply(t("Please choose your language."))
    assert renderer.message(reply, "de").html == "Bitte wählen Sie Ihre Sprache."
    assert renderer.message(reply, "en").html == "Please choose your language."
    assert renderer.message(reply, "xx").html == "Please choose your language."


def test_amounts_and_dates_follow_the_clients_locale(renderer: Renderer) -> None:
    """Check that money, dates and times are formatted by Babel in the client's locale, in Berlin time."""
    assert renderer.param(Money(Decimal("1000")), "de") == "1.000,00\xa0€"
    assert renderer.param(Money(Decimal("1000")), "en") == "€1,000.00"
    assert renderer.param(date(2026, 8, 15), "de") == "Samstag, 15. August 2026"
    when = datetime.fromisoformat("2026-10-25T09:00:00+00:00")  # 10:00 in Berlin after the switch
    assert "10:00" in renderer.param(when, "de")
    assert renderer.param(1234, "de") == "1.234"


def test_html_in_parameters_is_escaped(renderer: Renderer) -> None:
    """Check that text a client typed cannot inject Telegram HTML."""
    rendered = renderer.param(UserText("<b>hi</b> & bye"), "en")
    assert rendered == f"{FSI}&lt;b&gt;hi&lt;/b&gt; &amp; bye{PDI}"


def test_direction_controls_in_client_text_cannot_break_out_of_its_isolate(
    renderer: Renderer,
) -> None:
    """Check that a client's text that closes an isolate and overrides the direction (U+2069,
    U+202E) is shown without them, inside the one isolate the renderer puts around it."""
    rendered = renderer.param(UserText("ok\u2069\u202eevil\u200f\u061c"), "ar")
    assert rendered == f"{FSI}okevil{PDI}"


def test_languages_are_named_in_themselves_on_the_list(renderer: Renderer) -> None:
    """Check that the language list shows each language in its own name and others in the client's."""
    assert renderer.label(Language("de", own=True), "en") == "Deutsch"
    assert renderer.label(Language("fa_AF", own=True), "en") == "دری"
    assert renderer.label(Language("ar"), "de") == "Arabisch"
    assert renderer.label(Country("IQ"), "de") == "Irak"


def test_right_to_left_messages_isolate_numbers_and_mark_latin_lines(tmp_path: Path) -> None:
    """Check that in Arabic, numbers and amounts are isolated and a Latin-first line starts with RLM."""
    rtl = Renderer(fake_rtl_catalogs(tmp_path), Office())
    assert rtl.param(3, "ar") == f"{LRI}3{PDI}"
    assert rtl.param(Money(Decimal("200")), "ar").startswith(FSI)
    message = rtl.message(Reply(t("Step {n}", n=2)), "ar")
    assert message.html.startswith(RLM) and f"{LRI}2{PDI}" in message.html
    assert rtl.param(3, "ar") == f"{LRI}3{PDI}" and rtl.param(3, "de") == "3"


def test_isolates_never_reach_button_values(tmp_path: Path) -> None:
    """Check that button values stay plain ASCII in a right-to-left language."""
    rtl = Renderer(fake_rtl_catalogs(tmp_path), Office())
    message = rtl.message(
        Reply(t("x"), ((Button("a:adults:2", "2"), Button("lang:ar", Language("ar", True))),)), "ar"
    )
    for row in message.buttons:
        for _, value in row:
            assert value.isascii() and "\u2066" not in value


def test_a_broken_translation_falls_back_to_the_source(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Check that a translation with a wrong placeholder is not used, and the message id is logged."""
    po = (
        'msgid "Please send a number from {low} to {high}, or choose a button."\n'
        'msgstr "أرسل رقمًا من {lo} إلى {high}"\n'
    )
    rtl = Renderer(fake_rtl_catalogs(tmp_path, po), Office())
    caplog.set_level(logging.WARNING)
    text = rtl.text(
        t("Please send a number from {low} to {high}, or choose a button.", low=1, high=20), "ar"
    )
    assert text.startswith("Please send a number from")
    assert "broken translation" in caplog.text


def test_every_client_template_renders_in_every_shipped_language(renderer: Renderer) -> None:
    """Check that each template renders without errors and stays within Telegram's 4,096 characters."""
    templates = [p.stem for p in (ROOT / "bot" / "templates" / "client").glob("*.j2")]
    params = {
        "office_choice": {
            "offices": (
                ("Coming Home", ("München", "Dachau")),
                ("Rückkehrberatung Augsburg", ("Augsburg",)),
            )
        },
        "intake_summary": {
            k: "x"
            for k in (
                "country",
                "adults",
                "minors",
                "situation",
                "stay",
                "interests",
                "interpreter",
                "note",
            )
        },
    }
    booking: dict[str, Param] = {
        "when": When(datetime(2026, 11, 30, 9, tzinfo=UTC)),
        "case": Code("7KQ3M9XA"),
        "language": Language("ar"),
        "interpreter": t(
            "An interpreter for {language} is booked for you.", language=Language("ar")
        ),
        "headline": t("Reminder: your counselling appointment is tomorrow."),
        "question": t("The old time is then free for someone else. Shall we move it?"),
    }
    for code in renderer.catalogs.codes:
        for name in templates:
            if name.startswith(("support", "estimate")):
                continue  # rendered with their own parameters in test_support_render
            html = renderer.message(Reply(Template(name, params.get(name, booking))), code).html
            assert 0 < len(html) <= 4096
            assert "{{" not in html and "%(" not in html


def test_typed_countries_and_languages_are_found_in_any_shipped_language(
    renderer: Renderer,
) -> None:
    """Check that country and language names match in several languages and spellings."""
    wording = Wording(renderer)
    assert wording.countries("Irak") == ["IQ"]
    assert wording.countries("iraq") == ["IQ"]
    assert wording.countries("Türkei") == ["TR"]
    assert wording.countries("Atlantis") == []
    assert "GE" in wording.countries("Georg")
    assert wording.languages("deutsch") == ["de"]
    assert wording.languages("German") == ["de"]


def test_labels_are_folded_once_per_language_and_typed_text_is_never_kept(
    renderer: Renderer,
) -> None:
    """Check that a button label is folded for matching once per language, and that a label
    holding a client's words is folded afresh every time, never kept."""
    wording = Wording(renderer)
    kept = wording._folded_label.cache_info
    assert wording.folded_label(Country("TR"), "de") == "turkei"
    assert wording.folded_label(Country("TR"), "de") == "turkei"
    assert wording.folded_label(Country("TR"), "en") == "turkiye"
    assert (kept().hits, kept().currsize) == (1, 2)
    typed = t(
        "Please keep the note under {limit} characters. Yours has {length}.",
        limit=UserText("Amal"),
        length=1,
    )
    assert "amal" in wording.folded_label(typed, "en")
    assert kept().currsize == 2


def test_a_reply_rendered_before_is_kept_unless_it_holds_what_one_client_wrote(
    tmp_path: Path,
) -> None:
    """Check that the same reply (its parameters in any order) is rendered once per language and
    office, and that replies with typed text, a case code or a calendar file are never kept."""
    renderer = Renderer(Catalogs(ROOT / "locales"), Office())
    kept = renderer._kept.cache_info
    text = t("Please send a number from {low} to {high}, or choose a button.", low=0, high=20)
    same = t("Please send a number from {low} to {high}, or choose a button.", high=20, low=0)
    assert hash(text) == hash(same)
    first = renderer.message(Reply(text, ((Button("a:x", Country("IQ")),),)), "de")
    again = renderer.message(Reply(same, ((Button("a:x", Country("IQ")),),)), "de")
    assert again is first and kept().hits == 1
    assert renderer.message(Reply(text), "en").html != renderer.message(Reply(text), "de").html
    stored = kept().currsize
    start = datetime(2026, 12, 7, 9, tzinfo=UTC)
    end = datetime(2026, 12, 7, 10, tzinfo=UTC)
    for private in (
        Reply(t("Your note: {note}", note=UserText("Ich heiße Amal"))),
        Reply(Template("deleted", {"cancelled": t("Your note: {note}", note=UserText("x"))})),
        Reply(t("Your case code: {code}", code=Code("AB12-CD34"))),
        Reply(t("Choose"), ((Button("b", t("Note: {n}", n=UserText("x"))),),)),
        Reply(t("Please choose your language."), calendar=CalendarEvent("u1", 0, start, end)),
    ):
        renderer.message(private, "de")
    assert kept().currsize == stored
    # the buttons under a client's own words are kept, unless they hold some themselves
    rows = renderer._kept_rows.cache_info
    before = rows()
    summary = Reply(t("Your note: {note}", note=UserText("x")), ((Button("a:x", Country("IQ")),),))
    renderer.message(summary, "de")
    renderer.message(summary, "de")
    renderer.message(Reply(t("Choose"), ((Button("b", t("{n}", n=UserText("y"))),),)), "de")
    assert (rows().hits, rows().currsize) == (before.hits + 2, before.currsize)
