"""A translation with a broken tag falls back to its source, so the screen still reaches Telegram."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from bot.config import ROOT, Office
from bot.i18n import Catalogs, tag_problem
from bot.render import Renderer
from flows.model import Reply, Template

PROMISE = (
    "The immigration authority (Ausländerbehörde) is <b>not</b> informed. "
    "Nothing from this chat is passed to any authority."
)
SHIPPED = [code for code, info in Catalogs(ROOT / "locales").languages.items() if not info.source]


def broken_locales(tmp_path: Path, code: str) -> Path:
    """A copy of the catalogs where `code`'s promise has an unclosed <b>."""
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales)
    po = locales / code / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    start = text.index('"', text.index("msgstr", text.index(PROMISE.split("<b>")[0]))) + 1
    end = text.index("</b>", start)
    po.write_text(text[:end] + text[end + len("</b>") :], encoding="utf-8")
    return locales


@pytest.mark.parametrize("code", SHIPPED)
def test_an_unclosed_bold_tag_falls_back_to_the_source(
    tmp_path: Path, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Check that a privacy notice whose translated promise never closes its <b> still renders
    as valid Telegram HTML, with the English promise in its place, logged once and without text."""
    renderer = Renderer(Catalogs(broken_locales(tmp_path, code)), Office())
    caplog.set_level(logging.WARNING)
    first = renderer.message(Reply(Template("privacy")), code).html
    second = renderer.message(Reply(Template("privacy")), code).html
    assert tag_problem(first) is None and first == second
    assert "is <b>not</b> informed" in first
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and f"locale={code}" in warnings[0]
    translated = Catalogs(ROOT / "locales").get(code).gettext(PROMISE)
    assert translated != PROMISE and translated[:12] not in warnings[0]


def test_an_intact_translation_keeps_its_tags() -> None:
    """Check that a correct translation is shown as translated, bold where the source is bold."""
    html = (
        Renderer(Catalogs(ROOT / "locales"), Office())
        .message(Reply(Template("privacy")), "fr")
        .html
    )
    assert "n'est <b>pas</b> informé" in html
