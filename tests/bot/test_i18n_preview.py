"""The translators' preview page: every message of a language, as clients will see it."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

from bot.cli import main
from bot.config import ROOT

VOID = {"meta", "br"}


class Page(HTMLParser):
    """Collects the page's structure: open tags must close in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.classes: list[str] = []
        self.html_dir = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_dir = found.get("dir") or ""
        if tag == "div":
            self.classes.append(found.get("class") or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(tag)


def test_the_preview_shows_every_arabic_message_right_to_left(tmp_path: Path) -> None:
    """Check that `comehome i18n preview ar` writes a well-formed right-to-left page with one
    entry per message, the promise in bold and the menu's buttons drawn as buttons."""
    output = tmp_path / "ar.html"
    assert main(["i18n", "preview", "ar", "-o", str(output)]) == 0
    page = output.read_text(encoding="utf-8")
    parsed = Page()
    parsed.feed(page)
    assert parsed.problems == [] and parsed.stack == []
    assert parsed.html_dir == "rtl"
    with (ROOT / "locales" / "messages.pot").open("rb") as handle:
        total = len([m for m in read_po(handle) if m.id])
    entries = [c for c in parsed.classes if c.split()[0] in ("message", "button")]
    assert len(entries) == total
    assert "<b>لا</b> يتم إبلاغ دائرة الأجانب (Ausländerbehörde)" in page
    assert '<div class="button" dir="auto">حذف بياناتي</div>' in page
    assert "missing" not in " ".join(parsed.classes)
