"""The translators' quality gate: the shipped catalogs pass it, and broken ones fail it."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.cli.i18n import DOMAINS, extract_domain
from bot.config import ROOT
from bot.i18n_check import check_catalog, run_check

LOCALES = ROOT / "locales"


def test_the_shipped_catalogs_pass_the_check() -> None:
    """Check that `comehome i18n check` finds no error in the shipped languages."""
    out = io.StringIO()
    assert run_check(LOCALES, LOCALES / "messages.pot", out) == 0, out.getvalue()


def test_german_is_complete() -> None:
    """Check that every message has a German translation, none of them fuzzy."""
    with (LOCALES / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    report = check_catalog("de", LOCALES / "de" / "LC_MESSAGES" / "messages.po", template)
    assert report.missing == [] and report.fuzzy == 0 and report.coverage == 100.0


def test_the_template_lists_every_text_in_the_code(tmp_path: Path) -> None:
    """Check that locales/messages.pot is current (run `comehome i18n update` after changing texts)."""
    for domain in DOMAINS:
        fresh = extract_domain(domain, tmp_path / f"{domain}.pot")
        with fresh.open("rb") as a, DOMAINS[domain][0].open("rb") as b:
            assert {(m.id, m.context) for m in read_po(a)} == {
                (m.id, m.context) for m in read_po(b)
            }


HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
)


@pytest.mark.parametrize(
    "entry,problem",
    [
        ('msgid "Hello {name}"\nmsgstr "Hallo {nam}"\n', "placeholders"),
        ('msgid "Phone: %(phone)s"\nmsgstr "Telefon: %(telefon)s"\n', "placeholders"),
        ('msgid "<b>Bold</b>"\nmsgstr "<b>Fett"\n', "never closed"),
        ('msgid "<b>Bold</b>"\nmsgstr "<script>Fett</script>"\n', "not allowed"),
        ('msgid "Line"\nmsgstr "Zeile\\n"\n', "newline"),
        ('msgid "One"\nmsgid_plural "Many"\nmsgstr[0] "Eins"\n', "plural forms"),
    ],
)
def test_a_broken_catalog_fails_the_check(tmp_path: Path, entry: str, problem: str) -> None:
    """Check that a wrong placeholder, tag, newline or plural form is reported as an error."""
    shutil.copy(LOCALES / "languages.toml", tmp_path / "languages.toml")
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(HEADER + entry, encoding="utf-8")
    pot = tmp_path / "messages.pot"
    pot.write_text(
        HEADER
        + "\n".join(line for line in entry.splitlines() if not line.startswith("msgstr"))
        + '\nmsgstr ""\n'
        + ('msgstr[1] ""\n' if "plural" in entry else ""),
        encoding="utf-8",
    )
    out = io.StringIO()
    assert run_check(tmp_path, pot, out) == 1
    assert problem in out.getvalue()
