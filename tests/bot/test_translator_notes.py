"""Translator notes: every client message says where it appears, what it is, and how long."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from babel.messages.pofile import read_po

from bot.cli.i18n import extract_domain
from bot.config import ROOT
from bot.i18n_check import run_check

LOCALES = ROOT / "locales"


def notes(pot: Path) -> dict[tuple[str, str | None], list[str]]:
    with pot.open("rb") as handle:
        return {
            (m.id if isinstance(m.id, str) else m.id[0], m.context): [
                line for line in m.auto_comments if line.startswith("Screen: ")
            ]
            for m in read_po(handle)
            if m.id
        }


def test_every_client_message_names_its_screen_and_role() -> None:
    """Check that each message of the template has a note "Screen: …" ending in its role, on one
    comment line (gettext tools would wrap a longer one)."""
    found = notes(LOCALES / "messages.pot")
    roles = ("Notice.", "Question.", "Paragraph.", "characters.")
    bare = [msgid for msgid, lines in found.items() if not lines]
    assert bare == []
    broken = [line for lines in found.values() for line in lines if not line.endswith(roles)]
    assert broken == []


def test_the_menu_buttons_carry_a_length_budget() -> None:
    """Check that the main menu's and the time list's buttons are marked as buttons with a budget."""
    found = notes(LOCALES / "messages.pot")
    assert found[("Delete my data", None)] == ["Screen: main menu. Button, at most 45 characters."]
    assert found[("Earlier times", None)] == [
        "Screen: booking: choose a time. Button, at most 20 characters."
    ]
    assert found[("Suspension of deportation (Duldung)", "situation")] == [
        "Screen: intake question: situation. Button, at most 45 characters."
    ]
    assert found[("What would you like to do?", None)] == ["Screen: main menu. Question."]


def test_the_notes_in_the_template_are_current(tmp_path: Path) -> None:
    """Check that the committed notes are what extraction writes now (`comehome i18n update`)."""
    fresh = extract_domain("messages", tmp_path / "messages.pot")
    assert notes(fresh) == notes(LOCALES / "messages.pot")


HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
)


def test_a_button_over_its_budget_fails_the_check(tmp_path: Path) -> None:
    """Check that a translated button longer than its note's budget is an error, and that the
    same length in a notice is not."""
    shutil.copy(LOCALES / "languages.toml", tmp_path / "languages.toml")
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    long_label = "Frühere Termine anzeigen, bitte"
    (folder / "messages.po").write_text(
        HEADER
        + f'msgid "Earlier times"\nmsgstr "{long_label}"\n\n'
        + f'msgid "Nothing was deleted."\nmsgstr "{long_label}"\n',
        encoding="utf-8",
    )
    pot = tmp_path / "messages.pot"
    pot.write_text(
        HEADER
        + "#. Screen: booking: choose a time. Button, at most 20 characters.\n"
        + 'msgid "Earlier times"\nmsgstr ""\n\n'
        + "#. Screen: the conversation (on delete). Notice.\n"
        + 'msgid "Nothing was deleted."\nmsgstr ""\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    assert run_check(tmp_path, pot, out, languages=["de"]) == 1
    errors = [line for line in out.getvalue().splitlines() if "error:" in line]
    assert errors == [
        "de: error: msgid 'Earlier times': button of 31 characters, over its budget of 20"
    ]


def test_the_english_buttons_keep_their_own_budget() -> None:
    """Check that no English button is longer than the budget its translators are held to."""
    from bot.translator_notes import budget

    with (LOCALES / "messages.pot").open("rb") as handle:
        over = [
            m.id
            for m in read_po(handle)
            if m.id and (limit := budget(m.auto_comments)) is not None and len(m.id) > limit
        ]
    assert over == []
