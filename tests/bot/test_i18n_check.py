"""The translators' quality gate: the shipped catalogs pass it, and broken ones fail it."""

from __future__ import annotations

import io
import shutil
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.cli.i18n import DOMAINS, extract_domain
from bot.config import ROOT
from bot.i18n_check import check_catalog, plural_problem, run_check

LOCALES = ROOT / "locales"


def test_the_shipped_catalogs_pass_the_check() -> None:
    """Check that `comehome i18n check` finds no error in the shipped languages."""
    out = io.StringIO()
    assert run_check(LOCALES, LOCALES / "messages.pot", out) == 0, out.getvalue()


def test_german_is_complete() -> None:
    """Check that every message has a German translation, none of them fuzzy."""
    with (LOCALES / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    po = LOCALES / "de" / "LC_MESSAGES" / "messages.po"
    report = check_catalog("de", po, template, "nplurals=2; plural=(n != 1);")
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
        ('msgid "<b>Bold</b> text"\nmsgstr "Fetter Text"\n', "tags differ"),
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


RUSSIAN = "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"


@pytest.mark.parametrize(
    "written",
    [
        RUSSIAN,
        "nplurals=3;plural=n%10==1&&n%100!=11?0:n%10>=2&&n%10<=4&&(n%100<10||n%100>=20)?1:2",
        "nplurals=3; plural=(n%10==1 && n%100!=11) ? 0 : ((n%10>=2 && n%10<=4 && (n%100<12 || n%100>14)) ? 1 : 2);",
    ],
)
def test_plural_rules_written_differently_are_the_same_rule(written: str) -> None:
    """Check that a rule passes when it picks the same form for every n, however it is written."""
    assert plural_problem(written, RUSSIAN) is None


@pytest.mark.parametrize(
    "found,problem",
    [
        ("nplurals=2; plural=(n != 1);", "2 forms"),
        ("nplurals=3; plural=(n%10==1 ? 0 : n%10>=2 && n%10<=4 ? 1 : 2);", "n = 11"),
        (
            "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2) + (n==1000000);",
            "n = 1000000",
        ),
        ("nplurals=3; plural=n++", "not a gettext plural rule"),
    ],
)
def test_a_rule_that_means_something_else_is_named(found: str, problem: str) -> None:
    """Check that another number of forms, another form for some n, or garbage is an error."""
    assert problem in (plural_problem(found, RUSSIAN) or "")


def test_every_listed_catalog_states_its_rule_and_has_it() -> None:
    """Check that languages.toml states a plural rule for every catalog, and the catalog has it."""
    listed = tomllib.loads((LOCALES / "languages.toml").read_text(encoding="utf-8"))["language"]
    for entry in listed:
        po = LOCALES / entry["code"] / "LC_MESSAGES" / "messages.po"
        if entry.get("source"):
            continue
        with po.open("rb") as handle:
            header = read_po(handle).plural_forms
        assert plural_problem(header, entry["plural_forms"]) is None, entry["code"]
