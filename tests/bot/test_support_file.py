"""The support catalogue file: checked at start, reloaded when edited, shown and checked by a command."""

from __future__ import annotations

import argparse
import logging
import os
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.cli import support as support_cli
from bot.config import ROOT, ConfigError, Settings, load
from bot.service import step
from bot.support_file import SupportFile
from flows.support import Catalogue, Kind
from storage.crypto import Keyring

SHIPPED = (ROOT / "support.toml").read_text(encoding="utf-8")
TRAVEL_ADULT = 'basis = "per_adult"\namount = 200\n'


def travel_allowance_per_adult(catalogue: Catalogue) -> Decimal | None:
    (figure,) = [
        f for f in catalogue.programme("reag_garp_2024").figures if f.key == "travel_adult"
    ]
    return figure.amount


def write(path: Path, text: str, mtime: int) -> None:
    """Write the file with a given modification time, so that each edit is seen as a change."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime, mtime))


def broken() -> str:
    """The shipped file with a negative amount on the travel allowance."""
    assert TRAVEL_ADULT in SHIPPED
    return SHIPPED.replace(TRAVEL_ADULT, 'basis = "per_adult"\namount = -200\n')


def broken_line() -> int:
    return SHIPPED.splitlines().index("amount = 200") + 1


def test_the_support_file_is_configurable(tmp_path: Path) -> None:
    """Check that COMEHOME_SUPPORT_FILE chooses the file and support.toml is the default."""
    assert load({"COMEHOME_DATA_DIR": str(tmp_path)}).support_file == ROOT / "support.toml"
    chosen = load({"COMEHOME_DATA_DIR": str(tmp_path), "COMEHOME_SUPPORT_FILE": "/x/s.toml"})
    assert chosen.support_file == Path("/x/s.toml")


def test_an_invalid_file_stops_the_start_naming_file_line_and_field(
    tmp_path: Path, keyring: Keyring
) -> None:
    """Check that the assistant refuses to start on an invalid catalogue, naming file, line, field."""
    path = tmp_path / "support.toml"
    write(path, broken(), 1_000_000_000)
    settings = Settings(f"sqlite:///{tmp_path / 'x.db'}", keyring, support_file=path)
    with pytest.raises(ConfigError) as raised:
        Assistant.build(settings, migrate=False)
    message = str(raised.value)
    assert message.startswith(f"{path}:{broken_line()}: ")
    assert 'programme "reag_garp_2024", figure "travel_adult"' in message and "amount" in message


def test_a_missing_file_stops_the_start(tmp_path: Path, keyring: Keyring) -> None:
    """Check that a catalogue file that is not there stops the start with its path named."""
    settings = Settings(
        f"sqlite:///{tmp_path / 'x.db'}", keyring, support_file=tmp_path / "no.toml"
    )
    with pytest.raises(ConfigError, match=r"no\.toml"):
        Assistant.build(settings, migrate=False)


def test_a_failed_reload_keeps_the_last_good_catalogue(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Check that a broken edit is logged with file and line, and the last good catalogue stays."""
    path = tmp_path / "support.toml"
    write(path, SHIPPED, 1_000_000_000)
    support = SupportFile(path)
    good = support.catalogue
    write(path, broken(), 2_000_000_000)
    caplog.set_level(logging.WARNING)
    assert support.reload() is False
    assert support.catalogue is good and support.current() is good
    assert f"{path}:{broken_line()}:" in caplog.text
    write(path, SHIPPED.replace(TRAVEL_ADULT, 'basis = "per_adult"\namount = 250\n'), 3_000_000_000)
    assert support.reload() is True
    assert travel_allowance_per_adult(support.catalogue) == Decimal(250)


def test_an_edit_reaches_the_next_step_and_a_broken_one_does_not(
    settings: Settings, tmp_path: Path
) -> None:
    """Check that the office's edit shows in the next step's context, and a broken edit is ignored."""
    path = tmp_path / "support.toml"
    write(path, SHIPPED, 1_000_000_000)
    assistant = Assistant.build(replace(settings, support_file=path), migrate=False)
    try:
        first = step.context(assistant, None).catalogue
        assert first is not None and travel_allowance_per_adult(first) == Decimal(200)
        write(
            path,
            SHIPPED.replace(TRAVEL_ADULT, 'basis = "per_adult"\namount = 250\n'),
            2_000_000_000,
        )
        edited = step.context(assistant, None).catalogue
        assert edited is not None and travel_allowance_per_adult(edited) == Decimal(250)
        write(path, broken(), 3_000_000_000)
        assert step.context(assistant, None).catalogue is edited
    finally:
        assistant.db.dispose()


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    support_cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return int(args.func(args))


def test_check_exits_1_naming_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that `comehome support check` fails with file:line: field on a broken file."""
    path = tmp_path / "support.toml"
    write(path, broken(), 1_000_000_000)
    assert run("support", "check", "--file", str(path)) == 1
    error = capsys.readouterr().err
    assert re.match(
        rf'{re.escape(str(path))}:{broken_line()}: programme "reag_garp_2024", '
        r'figure "travel_adult": amount must be a non-negative number',
        error,
    )


def test_check_accepts_the_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    """Check that the shipped catalogue passes the check, which names its current programmes."""
    assert run("support", "check", "--file", str(ROOT / "support.toml")) == 0
    assert "OK" in capsys.readouterr().out


def test_show_prints_every_figure_with_amount_date_and_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Check that `comehome support show` lists each figure with programme, amount, as_of and source."""
    assert run("support", "show", "--file", str(ROOT / "support.toml")) == 0
    out = capsys.readouterr().out
    header, *lines = out.splitlines()
    assert header.split()[:6] == ["programme", "figure", "kind", "amount", "as_of", "source"]
    travel = next(line for line in lines if " travel_adult " in line)
    assert "reag_garp_2024 (current)" in travel and "200 EUR per adult" in travel
    assert "2024-01-01" in travel and "foerderdatenbank.de" in travel
    cap = next(line for line in lines if " startup_family_cap " in line)
    assert "up to 4,000 EUR per family (cap)" in cap and "2025-01-13" in cap
    assert "in kind" in next(
        line for line in lines if line.startswith("reag") and Kind.FLIGHT_TICKET in line
    )
    assert any(line.split()[:3] == ["reag_garp_2024", "(current)", "suspended"] for line in lines)
