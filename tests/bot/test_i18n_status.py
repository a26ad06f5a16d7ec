"""Review status and the coverage gate: what clients are offered, and what they are told."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from bot.cli.i18n import add_language
from bot.config import ROOT, Office
from bot.i18n import Catalogs
from bot.i18n_check import run_check
from bot.i18n_status import key_screens, record_reviews, reviews_path
from bot.render import Renderer
from flows.model import Reply, Template


def copy_locales(tmp_path: Path) -> Path:
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales)
    return locales


def translate(po: Path, screens: set[str] | None = None, but: str | None = None) -> None:
    """Fill the messages of these key screens (all for None) with a stand-in translation."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id or (screens is not None and not key_screens(message) & screens):
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if msgid == but:
            continue
        message.string = message.id if isinstance(message.id, str) else tuple(message.id)
    with po.open("wb") as handle:
        write_po(handle, catalog, width=0)


def test_a_new_language_is_hidden_until_its_key_screens_are_translated(tmp_path: Path) -> None:
    """Check that `i18n add ti` does not show Tigrinya to clients, that the check says what is
    missing, and that it is offered once privacy, menu, intake and booking are translated."""
    locales = copy_locales(tmp_path)
    add_language(locales, locales / "messages.pot", "ti", "ትግርኛ")
    assert "ti" not in Catalogs(locales).codes
    out = io.StringIO()
    run_check(locales, locales / "messages.pot", out, languages=["ti"])
    assert "ti: not offered to clients" in out.getvalue()
    assert "privacy" in out.getvalue() and "booking" in out.getvalue()
    po = locales / "ti" / "LC_MESSAGES" / "messages.po"
    translate(po, {"privacy", "menu", "intake", "booking"}, but="Delete my data")
    assert "ti" not in Catalogs(locales).codes
    out = io.StringIO()
    run_check(locales, locales / "messages.pot", out, languages=["ti"])
    assert "menu: 'Delete my data'" in out.getvalue()
    translate(po, {"menu"})
    assert "ti" in Catalogs(locales).codes


def test_the_coverage_a_language_needs_is_configurable(tmp_path: Path) -> None:
    """Check that `[offer] screens` in languages.toml decides which screens must be translated."""
    locales = copy_locales(tmp_path)
    add_language(locales, locales / "messages.pot", "ti", "ትግርኛ")
    translate(locales / "ti" / "LC_MESSAGES" / "messages.po", {"privacy"})
    assert "ti" not in Catalogs(locales).codes
    toml = locales / "languages.toml"
    shipped = 'screens = ["privacy", "menu", "intake", "booking"]'
    assert shipped in toml.read_text(encoding="utf-8")
    toml.write_text(toml.read_text(encoding="utf-8").replace(shipped, 'screens = ["privacy"]'))
    assert "ti" in Catalogs(locales).codes


def test_the_draft_notice_stays_until_privacy_intake_and_booking_are_reviewed(
    tmp_path: Path,
) -> None:
    """Check that French says it is a draft until a reviewer has read its privacy, intake and
    booking texts, and says so again when one of them changes afterwards."""
    locales = copy_locales(tmp_path)
    po = locales / "fr" / "LC_MESSAGES" / "messages.po"

    def notice() -> str:
        renderer = Renderer(Catalogs(locales), Office())
        return renderer.message(Reply(Template("privacy")), "fr").html

    assert "pas encore été vérifiée" in notice()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    reviews = reviews_path(locales, "fr")
    record_reviews(reviews, catalog, {"privacy", "intake"}, "AB", date(2026, 12, 4))
    assert Catalogs(locales).languages["fr"].status == "draft"
    record_reviews(reviews, catalog, {"booking"}, "AB", date(2026, 12, 4))
    assert Catalogs(locales).languages["fr"].status == "reviewed"
    assert "pas encore été vérifiée" not in notice()
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace("n'est <b>pas</b> informé", "n'est <b>jamais</b> informé"))
    assert Catalogs(locales).languages["fr"].status == "draft"


def test_no_shipped_language_claims_a_native_review() -> None:
    """Check that every shipped translation still tells clients it is a draft: none has been
    reviewed by a native speaker yet, and machine read-backs do not count."""
    catalogs = Catalogs(ROOT / "locales")
    drafts = [code for code, info in catalogs.languages.items() if not info.source]
    assert len(drafts) == 16
    assert all(catalogs.languages[code].status == "draft" for code in drafts)


def test_the_status_report_names_the_unreviewed_key_screens(tmp_path: Path) -> None:
    """Check that `i18n check --status` prints, per language, translated and reviewed counts and
    the key screens still unreviewed."""
    locales = copy_locales(tmp_path)
    with (locales / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    count = record_reviews(
        reviews_path(locales, "fr"), catalog, {"privacy"}, "AB", date(2026, 12, 4)
    )
    out = io.StringIO()
    run_check(locales, locales / "messages.pot", out, status=True)
    rows = {
        line.split()[0]: line.split(maxsplit=5)
        for line in out.getvalue().split("unreviewed key screens")[1].splitlines()
        if line.strip()
    }
    total = len([m for m in catalog if m.id])
    assert rows["fr"][1:5] == [f"{total}/{total}", str(count), "yes", "draft"]
    assert rows["fr"][5] == "intake, booking"
    assert rows["de"][5] == "privacy, intake, booking"
