"""The support catalogue file: checked at start, reloaded when edited, shown and checked by a command."""

from __future__ import annotations

import argparse
import logging
import os
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.cli import support as support_cli
from bot.config import ROOT, ConfigError, Settings, load, support_max_age_months
from bot.service import step
from bot.support_file import SupportFile
from flows.support import Catalogue, Kind, months_before
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


CHECKED_ON = datetime(2026, 12, 4, 9, 0)  # the day the age warning was written; naive UTC


def run(*argv: str, now: datetime = CHECKED_ON) -> int:
    """`comehome …` as typed, with the clock at `now` (the commands ask `args.clock`)."""
    parser = argparse.ArgumentParser()
    support_cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    args.clock = lambda: now
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


def test_check_warns_about_figures_older_than_twelve_months(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that `support check` names every current figure or country list dated more than 12
    months ago (the 2017 business grant among them), not the figures kept for reference, and
    does not call the file plainly OK."""
    monkeypatch.delenv("COMEHOME_SUPPORT_MAX_AGE_MONTHS", raising=False)
    assert run("support", "check", "--file", str(ROOT / "support.toml")) == 0
    shown = capsys.readouterr()
    assert "OK, but 15 entries are older than 12 months" in shown.out
    warnings = [line for line in shown.err.splitlines() if ": warning: " in line]
    assert len(warnings) == 15
    assert warnings[0].endswith(
        "warning: coming_home_business figure business_grant: as of 2017-01-01, "
        "older than 12 months"
    )  # oldest first
    assert not any("seed_office_description" in line for line in warnings)  # not shown to clients
    assert "check each against its source" in shown.err.lower()


def test_check_stays_quiet_about_figures_younger_than_the_limit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that a figure exactly 12 months old is not yet warned about, one a day older is, and
    that the limit follows COMEHOME_SUPPORT_MAX_AGE_MONTHS and --max-age."""
    monkeypatch.delenv("COMEHOME_SUPPORT_MAX_AGE_MONTHS", raising=False)
    shipped = str(ROOT / "support.toml")
    oldest = datetime(2018, 1, 1, 12, 0)  # 12 months after the business grant's 2017-01-01
    assert run("support", "check", "--file", shipped, now=oldest) == 0
    assert "OK: " in capsys.readouterr().out
    assert run("support", "check", "--file", shipped, now=oldest + timedelta(days=1)) == 0
    assert "OK, but 1 entry is older than 12 months" in capsys.readouterr().out
    newest = datetime(2026, 1, 13, 12, 0)  # 12 months after the newest date in the file
    assert run("support", "check", "--file", shipped, now=newest) == 0
    assert "OK, but 12 entries" in capsys.readouterr().out  # 2025-01-13 is exactly 12 months
    assert run("support", "check", "--file", shipped, now=newest + timedelta(days=1)) == 0
    assert "OK, but 15 entries" in capsys.readouterr().out
    monkeypatch.setenv("COMEHOME_SUPPORT_MAX_AGE_MONTHS", "240")
    assert run("support", "check", "--file", shipped) == 0
    assert "OK: " in capsys.readouterr().out
    assert run("support", "check", "--file", shipped, "--max-age", "36") == 0
    assert "OK, but 2 entries are older than 36 months" in capsys.readouterr().out


def test_strict_check_fails_on_old_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Check that `--strict` turns the age warning into exit status 3, and passes when fresh."""
    shipped = str(ROOT / "support.toml")
    assert run("support", "check", "--file", shipped, "--strict") == 3
    assert run("support", "check", "--file", shipped, "--strict", "--max-age", "240") == 0


@pytest.mark.parametrize("months", ["0", "-1", "twelve", "1.5"])
def test_a_nonsense_age_limit_is_refused(months: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Check that --max-age takes whole months from 1 on, and says so."""
    with pytest.raises(SystemExit) as finished:
        run("support", "check", "--max-age", months)
    assert finished.value.code == 2
    assert "a number of months is like 12" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "twelve"])
def test_a_nonsense_age_setting_is_refused(value: str) -> None:
    """Check that COMEHOME_SUPPORT_MAX_AGE_MONTHS must be a whole number from 1 on."""
    with pytest.raises(ConfigError, match="COMEHOME_SUPPORT_MAX_AGE_MONTHS"):
        support_max_age_months({"COMEHOME_SUPPORT_MAX_AGE_MONTHS": value})
    assert support_max_age_months({}) == 12


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 4), 12, date(2025, 12, 4)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 12, 31), 13, date(2025, 11, 30)),
    ],
)
def test_months_before_counts_calendar_months(day: date, months: int, expected: date) -> None:
    """Check that the age limit is counted in calendar months, a short month's last day kept."""
    assert months_before(day, months) == expected


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
