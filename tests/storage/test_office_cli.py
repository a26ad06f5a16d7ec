"""Tests for the office's command line: slots, interpreters and agenda, on a fresh SQLite file."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import office as office_cli
from storage.db import Database
from tests.storage.own_transactions import OwnTransactions

# The commands' clock (`args.clock`) stands at NOW, so these fixed dates never fall into the past.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'office.db'}"
    monkeypatch.setenv("COMEHOME_DATABASE_URL", url)
    monkeypatch.setenv("COMEHOME_DATA_DIR", str(tmp_path))
    for name in ("COMEHOME_ENV", "COMEHOME_OFFICE_FILE", "COMEHOME_PEPPER", "COMEHOME_CHAT_KEYS"):
        monkeypatch.delenv(name, raising=False)
    return url


@pytest.fixture
def repo(database_url: str) -> Iterator[OwnTransactions]:
    """The repository the bot uses, on the database the commands write to."""
    db = Database(database_url)
    db.migrate()
    yield OwnTransactions(db)
    db.dispose()


def comehome(*argv: str, now: datetime = NOW) -> int:
    """`comehome …` as staff type it, at `now`."""
    root = argparse.ArgumentParser(prog="comehome")
    office_cli.add_parser(root.add_subparsers(dest="command"))
    args = root.parse_args(argv)
    args.clock = lambda: now.replace(tzinfo=None)  # naive UTC, like storage.times.utc_now
    return int(args.func(args))


def office_week() -> None:
    """The office of the issue, set up the way staff would type it."""
    assert comehome("slots", "hours", "--counsellor", "c1", "--name", "Frau Beispiel",
                    "--weekdays", "mon-thu", "--from", "09:00", "--to", "12:00",
                    "--from", "13:00", "--to", "15:30") == 0  # fmt: skip
    assert comehome("interpreters", "add", "--name", "A. Example", "--languages", "ar,ku",
                    "--weekdays", "mon-thu", "--from", "09:00", "--to", "15:30") == 0  # fmt: skip
    assert comehome("interpreters", "on-request", "tr") == 0


COMMANDS = [
    ["slots"],
    *([["slots", name] for name in
       ("hours", "rules", "add", "remove", "block", "unblock", "close", "reopen", "list")]),
    ["interpreters"],
    *([["interpreters", name] for name in ("add", "remove", "on-request", "list")]),
    ["agenda"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that each office command answers --help with a description and exit status 0."""
    with pytest.raises(SystemExit) as finished:
        comehome(*command, "--help")
    assert finished.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: comehome " + " ".join(command))
    assert len(shown.splitlines()) > 3


def test_a_week_of_hours_in_one_command_is_what_clients_are_offered(
    repo: OwnTransactions, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that hours, interpreters and on-request languages set on the command line are what
    the booking dialogue offers, and `slots list` shows them."""
    office_week()
    german = repo.free_slots(NOW, "de", limit=100)
    local = {o.start.astimezone(office_cli.BERLIN).strftime("%a %H:%M") for o in german}
    assert local == {f"{d} {h}" for d in ("Mon", "Tue", "Wed", "Thu")
                     for h in ("09:00", "10:00", "11:00", "13:00", "14:00")}  # fmt: skip
    assert {o.interpreter_id for o in repo.free_slots(NOW, "ar", limit=100)} == {"a_example"}
    assert {o.interpreter_status for o in repo.free_slots(NOW, "tr")} == {"requested"}
    capsys.readouterr()
    assert comehome("slots", "list", "--days", "2") == 0
    shown = capsys.readouterr().out
    assert "c1  Frau Beispiel: Mon-Thu 09:00-12:00, 13:00-15:30" in shown
    assert "Thu 26.11.2026\n  09:00-10:00  c1  free\n" in shown
    assert "Fri 27.11.2026" not in shown


def test_single_slots_blocks_and_closures_change_the_offer(repo: OwnTransactions) -> None:
    """Check that `slots add`, `block` and `close` add and take away exactly those times, and
    their counterparts undo them."""
    office_week()
    before = {o.key for o in repo.free_slots(NOW, "de", limit=200)}
    assert comehome("slots", "add", "2026-12-04T10:00", "--counsellor", "c1") == 0  # a Friday
    assert comehome("slots", "block", "2026-12-03T09:00", "--counsellor", "c1",
                    "--minutes", "120") == 0  # fmt: skip
    assert comehome("slots", "close", "2026-12-08") == 0
    after = {o.key for o in repo.free_slots(NOW, "de", limit=200)}
    assert after - before == {"c1-202612041000"}
    assert before - after == {"c1-202612030900", "c1-202612031000"} | {
        f"c1-20261208{hour}00" for hour in ("09", "10", "11", "13", "14")
    }
    assert comehome("slots", "remove", "2026-12-04T10:00", "--counsellor", "c1") == 0
    assert comehome("slots", "unblock", "2026-12-03T09:00", "--counsellor", "c1") == 0
    assert comehome("slots", "reopen", "2026-12-08") == 0
    assert {o.key for o in repo.free_slots(NOW, "de", limit=200)} == before


def test_rules_change_length_and_notice(
    repo: OwnTransactions, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that `slots rules` changes the appointment grid and the notice, and shows them."""
    office_week()
    assert comehome("slots", "rules", "--length", "45", "--buffer", "15", "--notice", "2") == 0
    assert "45-minute appointments, 15 minutes between" in capsys.readouterr().out
    offers = repo.free_slots(NOW, "de", limit=4)
    assert offers[0].start.astimezone(office_cli.BERLIN).date() == date(2026, 11, 30)
    assert [o.start.astimezone(office_cli.BERLIN).strftime("%H:%M") for o in offers] == [
        "09:00", "10:00", "11:00", "13:00"
    ]  # fmt: skip
    assert {o.end - o.start for o in offers} == {timedelta(minutes=45)}


def test_the_agenda_shows_bookings_by_case_code_only(
    repo: OwnTransactions, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that the day's agenda lists time, counsellor, case code, language and interpreter,
    and never the client's pseudonym."""
    office_week()
    offer = repo.free_slots(NOW, "ar")[0]
    booked = repo.book("f" * 64, offer.key, "ar", NOW)
    day = offer.start.astimezone(office_cli.BERLIN).date()
    capsys.readouterr()
    assert comehome("agenda", day.isoformat()) == 0
    shown = capsys.readouterr().out
    assert (
        f"09:00-10:00  Frau Beispiel  {booked.case_code}  ar  interpreter A. Example  booked"
        in (shown)
    )
    assert "f" * 16 not in shown
    assert comehome("agenda") == 0
    assert "Agenda Wed 25.11.2026" in capsys.readouterr().out


def test_interpreters_can_be_listed_retired_and_served_on_request(
    repo: OwnTransactions, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that a retired interpreter is no longer offered, and that marking the language
    "on request" books it with the interpreter requested."""
    office_week()
    assert comehome("interpreters", "remove", "a_example") == 0
    assert repo.free_slots(NOW, "ar") == []
    assert comehome("interpreters", "on-request", "ar") == 0
    assert {o.interpreter_status for o in repo.free_slots(NOW, "ar")} == {"requested"}
    capsys.readouterr()
    assert comehome("interpreters", "list") == 0
    shown = capsys.readouterr().out
    assert "a_example  A. Example  ar,ku  Mon-Thu 09:00-15:30  (no longer offered)" in shown
    assert "on request: ar, tr" in shown
    assert comehome("interpreters", "on-request", "ar", "--off") == 0
    assert repo.free_slots(NOW, "ar") == []


@pytest.mark.parametrize(
    "argv",
    [
        ["slots", "hours", "--counsellor", "c1", "--weekdays", "someday", "--from", "9:00"],
        ["slots", "hours", "--counsellor", "c1", "--weekdays", "mon", "--from", "25:00"],
        ["slots", "add", "tomorrow", "--counsellor", "c1"],
        ["slots", "close", "24.12.2026"],
        ["interpreters", "add", "--name", "X", "--languages", "Arabic", "--weekdays", "mon"],
    ],
)
def test_malformed_input_is_refused_by_the_parser(
    argv: list[str], database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that a malformed weekday, time, date or language code stops with a usage error."""
    with pytest.raises(SystemExit) as finished:
        comehome(*argv)
    assert finished.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["slots", "hours", "--counsellor", "c1", "--weekdays", "mon", "--from", "09:00",
          "--to", "12:00", "--from", "11:00", "--to", "14:00"], "hours overlap on Mon"),
        (["slots", "hours", "--counsellor", "c1", "--weekdays", "mon", "--from", "12:00",
          "--to", "09:00"], "end before they start"),
        (["slots", "hours", "--counsellor", "c-1", "--weekdays", "mon", "--from", "09:00",
          "--to", "12:00"], "counsellor id"),
        (["slots", "hours", "--counsellor", "c1", "--weekdays", "mon", "--from", "09:00"],
         "each --from its --to"),
        (["slots", "add", "2026-12-02T10:00", "--counsellor", "nobody"], "no counsellor"),
        (["interpreters", "add", "--name", "X", "--languages", "ar", "--weekdays", "mon"],
         "availability"),
    ],
)  # fmt: skip
def test_impossible_settings_are_refused_with_a_reason(
    argv: list[str], message: str, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that settings the office cannot mean end with status 2 and a one-line reason."""
    assert comehome(*argv) == 2
    assert message in capsys.readouterr().err


def test_the_commands_read_the_system_clock_unless_given_another(database_url: str) -> None:
    """Check that without a test's clock the commands ask the system clock, so that a slot
    added in the past is refused in production too."""
    root = argparse.ArgumentParser(prog="comehome")
    office_cli.add_parser(root.add_subparsers(dest="command"))
    args = root.parse_args(["slots", "add", "2020-01-06T10:00", "--counsellor", "c1"])
    assert args.clock is office_cli.utc_now
    assert args.func(args) == 2


@pytest.mark.parametrize("at", ["2026-11-25T10:30", "2026-11-24T14:00", "2025-12-01T10:00"])
def test_a_slot_in_the_past_is_refused(
    at: str, repo: OwnTransactions, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that `slots add` refuses a time that has begun or passed (Berlin time; NOW is 10:30
    there), with exit status 2, a message saying why, and nothing stored."""
    office_week()
    before = {o.key for o in repo.free_slots(NOW, "de", limit=200)}
    capsys.readouterr()
    assert comehome("slots", "add", at, "--counsellor", "c1") == 2
    shown = capsys.readouterr()
    assert "is in the past (now: 25.11.2026 10:30 Europe/Berlin)" in shown.err
    assert "offered" not in shown.out
    assert {o.key for o in repo.free_slots(NOW, "de", limit=200)} == before
    assert comehome("slots", "add", "2026-11-25T10:31", "--counsellor", "c1") == 0  # a minute on


def test_closing_days_lists_the_appointments_still_booked_once_under_one_header(
    repo: OwnTransactions, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that `slots close` over two days with three bookings (one day typed twice) prints
    one header naming the commands to move or cancel, then each booking once, by case code."""
    office_week()
    offers = repo.free_slots(NOW, "de", limit=10)
    first_day = offers[0].start.astimezone(office_cli.BERLIN).date()
    second_day = next(o for o in offers if o.start.astimezone(office_cli.BERLIN).date() > first_day)
    chosen = [offers[0], offers[1], second_day]
    codes = [repo.book(f"{n}" * 64, o.key, "de", NOW).case_code for n, o in enumerate(chosen)]
    days = [
        first_day.isoformat(),
        second_day.start.astimezone(office_cli.BERLIN).date().isoformat(),
    ]
    capsys.readouterr()
    assert comehome("slots", "close", days[0], days[1], days[0]) == 0
    shown = capsys.readouterr().out
    assert shown.count("Still booked") == 1 and "cancel or move it yourself" not in shown
    assert "Still booked on these days (3): move each with `comehome appointments move" in shown
    assert "`comehome appointments cancel CODE --reason closed`" in shown
    assert [shown.count(code) for code in codes] == [1, 1, 1]
    listed = shown.split("Still booked", 1)[1].splitlines()[1:]
    assert [line.split()[5] for line in listed] == codes  # by time
    assert listed[0].startswith(f"  {first_day:%a %d.%m.%Y}  09:00-10:00  Frau Beispiel  ")


def test_blocking_a_booked_time_lists_it_under_one_header(
    repo: OwnTransactions, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that `slots block` over two booked hours prints one header, then both bookings."""
    office_week()
    offers = repo.free_slots(NOW, "de", limit=2)
    codes = [repo.book(f"{n}" * 64, o.key, "de", NOW).case_code for n, o in enumerate(offers)]
    start = offers[0].start.astimezone(office_cli.BERLIN)
    capsys.readouterr()
    assert comehome("slots", "block", f"{start:%Y-%m-%dT%H:%M}", "--counsellor", "c1",
                    "--minutes", "120") == 0  # fmt: skip
    shown = capsys.readouterr().out
    assert shown.count("Still booked then (2)") == 1
    assert [shown.count(code) for code in codes] == [1, 1]


def test_closing_a_day_without_bookings_prints_no_header(
    repo: OwnTransactions, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that closing a free day only confirms it."""
    office_week()
    capsys.readouterr()
    assert comehome("slots", "close", "2026-12-08") == 0
    assert capsys.readouterr().out == "closed Tue 08.12.2026\n"
