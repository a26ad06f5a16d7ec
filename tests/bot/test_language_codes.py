"""A language code is one rule (`flows.model.LANGUAGE_CODE`), read by the office file, the staff
chat and every command line that takes a code."""

from __future__ import annotations

import tomllib

import pytest

from bot.cli import parser
from bot.config import ROOT
from flows.model import LANGUAGE_CODE

PATTERN = LANGUAGE_CODE.pattern


def test_every_listed_language_is_a_language_code_and_nothing_else_is() -> None:
    """Check that every code in locales/languages.toml fits the rule, and that a path, a tag with
    a hyphen or capitals do not."""
    listed = tomllib.loads((ROOT / "locales" / "languages.toml").read_text(encoding="utf-8"))
    assert all(LANGUAGE_CODE.fullmatch(entry["code"]) for entry in listed["language"])
    for wrong in ("", "../de", "de/../x", "de-DE", "DE", "deutsch", "fa_AF1", "x y"):
        assert not LANGUAGE_CODE.fullmatch(wrong), wrong


def test_the_rule_is_written_once() -> None:
    """Check that no module of bot/, flows/ or storage/ writes the pattern again."""
    copies = sorted(
        str(path.relative_to(ROOT))
        for package in ("bot", "flows", "storage")
        for path in (ROOT / package).rglob("*.py")
        if PATTERN in path.read_text(encoding="utf-8")
    )
    assert copies == ["flows/model.py"]


@pytest.mark.parametrize(
    "argv",
    [
        ["i18n", "add", "../de"],
        ["i18n", "preview", "de/../x"],
        ["i18n", "review", "x y", "--by", "AB", "--all"],
        ["i18n", "check", "de-DE"],
        ["appointments", "list", "--language", "DE"],
        ["interpreters", "on-request", "ar", "deutsch"],
    ],
)
def test_every_command_line_refuses_what_is_not_a_language_code(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that each command taking a language code refuses one that is not, with exit status 2
    and the same hint, before it touches a file or the database."""
    with pytest.raises(SystemExit) as stopped:
        parser().parse_args(argv)
    assert stopped.value.code == 2
    assert "a language code is like ar, ku or fa_AF" in capsys.readouterr().err
