"""`comehome appointments …` end to end: the command line acts on the database the running bot
uses, and the bot delivers what it queued (to the client, in their language, and to the staff
chat). Both databases."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import cli
from bot.cli import appointments as appointments_cli
from bot.config import ROOT, Office, Settings
from flows import staff
from flows.clock import BERLIN
from storage.crypto import Keyring, new_secret
from storage.db import Database
from storage.tables import appointments, audit_log
from tests.conftest import Clock
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory
from tests.e2e.test_staff import STAFF_CHAT, STAFF_USER, book, flush, in_staff_chat, to_staff

CLIENT_CHAT = 7300000001337
PEPPER, CHAT_KEYS = new_secret(), f"k1:{new_secret()}"


@pytest.fixture(scope="module")
def keyring() -> Keyring:
    """Keys known as text, so that the command line reads the same ones from its environment."""
    return Keyring.from_text(PEPPER, CHAT_KEYS)


@pytest.fixture
def settings(
    database: Database, keyring: Keyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """The bot's settings, and the same ones in the environment the command line reads."""
    locales = tmp_path / "locales"
    for code in ("de", "ar"):
        shutil.copytree(ROOT / "locales" / code, locales / code)
    shutil.copy(ROOT / "locales" / "languages.toml", locales / "languages.toml")
    url = database.url.render_as_string(hide_password=False)
    for name in ("COMEHOME_ENV", "COMEHOME_OFFICE_FILE", "COMEHOME_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "COMEHOME_DATABASE_URL": url,
        "COMEHOME_DATA_DIR": str(tmp_path),
        "COMEHOME_PEPPER": PEPPER,
        "COMEHOME_CHAT_KEYS": CHAT_KEYS,
        "COMEHOME_LOCALES_DIR": str(locales),
        "COMEHOME_STAFF_CHAT_IDS": str(STAFF_CHAT),
        "COMEHOME_STAFF_USER_IDS": str(STAFF_USER),
    }.items():
        monkeypatch.setenv(name, value)
    office = Office(staff_chat_ids=(STAFF_CHAT,), staff_user_ids=(STAFF_USER,))
    return Settings(database_url=url, keyring=keyring, locales_dir=locales, offices=(office,))


@pytest.fixture
def staffer() -> UpdateFactory:
    factory = UpdateFactory(user_id=STAFF_USER, first="Staffer", last="Office", username="staffer")
    factory.next_id = 5000
    return factory


@pytest.fixture
def comehome(clock: Clock) -> Iterator[Any]:
    """`comehome …` as typed on the server, at the bot's (test) time; returns the exit status."""

    def run(*argv: str) -> int:
        args = cli.parser().parse_args(list(argv))
        args.clock = clock
        return int(args.func(args))

    yield run


def client_messages(telegram: Harness) -> list[tuple[str, dict[str, Any]]]:
    return [(m, p) for m, p in telegram.api.calls if p.get("chat_id") == CLIENT_CHAT]


def state(telegram: Harness) -> list[Any]:
    with telegram.assistant.db.transaction() as tx:
        return list(tx.execute(select(appointments.c.status, appointments.c.starts_at)).all())


def audit(telegram: Harness) -> list[tuple[str, str, str]]:
    with telegram.assistant.db.transaction() as tx:
        rows = tx.execute(
            select(audit_log.c.action, audit_log.c.case_code, audit_log.c.staff_key)
        ).all()
    return [(a, c, k) for a, c, k in rows]


async def test_cancel_with_a_preset_reason_tells_the_client_in_their_language(
    telegram: Harness, user: UpdateFactory, comehome: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that `appointments cancel CODE --reason ill` cancels, answers in German as the staff
    chat does, tells the Arabic client the reason in Arabic with the calendar entry withdrawn,
    tells the staff chat (which did not see it typed), and is audited."""
    code = await book(telegram, user, "ar")
    await flush(telegram)
    telegram.take_calls()
    capsys.readouterr()
    assert comehome("appointments", "cancel", code.lower(), "--reason", "ill") == 0
    printed = capsys.readouterr().out
    assert printed == f"Fall {code}: abgesagt; die Person wurde in ihrer Sprache benachrichtigt.\n"
    await flush(telegram)  # what the running bot does every few seconds
    [(method, text), (document, _)] = [(m, p.get("text", "")) for m, p in client_messages(telegram)]
    assert (method, document) == ("sendMessage", "sendDocument")
    assert code in text and "المستشار أو المستشارة مريض." in text and "Beratung" not in text
    [summary] = to_staff(telegram)
    assert "Termin vom Büro abgesagt (Kommandozeile)" in summary
    assert code in summary and "Beratung erkrankt" in summary
    assert [status for status, _ in state(telegram)] == ["cancelled"]
    [(action, audited, staff_key)] = audit(telegram)
    assert (action, audited) == ("cancel", code)
    assert staff_key == telegram.assistant.settings.keyring.client_key(
        "staff-cli", appointments_cli.getpass.getuser()
    )


async def test_cancel_with_own_words_sends_them_as_the_staff_chat_does(
    telegram: Harness, user: UpdateFactory, comehome: Any
) -> None:
    """Check that --own-reason reaches the Arabic client word for word after the Arabic line
    saying it is the office's message in German, exactly like `/cancel CODE words`."""
    code = await book(telegram, user, "ar")
    await flush(telegram)
    telegram.take_calls()
    assert comehome("appointments", "cancel", code, "--own-reason", "Die Beraterin ist  krank") == 0
    await flush(telegram)
    [text] = [p["text"] for m, p in client_messages(telegram) if m == "sendMessage"]
    assert "رسالة من المكتب (بالألمانية): \u2068Die Beraterin ist krank\u2069" in text
    [summary] = to_staff(telegram)
    assert "Die Beraterin ist krank" in summary


@pytest.mark.parametrize(
    "argv",
    [
        ["--reason", "krank"],  # a free text where a preset is asked for
        ["--reason", "ill", "--own-reason", "krank"],
        [],
        ["--own-reason", "   "],
        ["--own-reason", "x" * 501],
    ],
)
async def test_a_reason_that_is_no_preset_is_refused(
    argv: list[str],
    telegram: Harness,
    user: UpdateFactory,
    comehome: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Check that a free text given as --reason, two reasons, none, an empty or an overlong one
    stop with exit status 2 and a usage message, and change nothing."""
    code = await book(telegram, user, "ar")
    telegram.take_calls()
    with pytest.raises(SystemExit) as finished:
        comehome("appointments", "cancel", code, *argv)
    assert finished.value.code == 2
    assert "error:" in capsys.readouterr().err
    await flush(telegram)
    assert client_messages(telegram) == [] and audit(telegram) == []
    assert [status for status, _ in state(telegram)] == ["booked"]


def test_the_command_lines_reasons_are_the_staff_chats() -> None:
    """Check that `--reason` offers exactly the staff chat's preset reasons."""
    assert tuple(staff.CANCEL_REASONS) == appointments_cli.PRESET_REASONS


async def test_cancelling_twice_or_an_unknown_code_changes_nothing(
    telegram: Harness, user: UpdateFactory, comehome: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that a second cancel and an unknown code exit with status 1 and say so on stderr,
    and that nobody is told anything again."""
    code = await book(telegram, user, "ar")
    assert comehome("appointments", "cancel", code, "--reason", "closed") == 0
    await flush(telegram)
    telegram.take_calls()
    capsys.readouterr()
    assert comehome("appointments", "cancel", code, "--reason", "closed") == 1
    assert "bereits abgesagt" in capsys.readouterr().err
    assert comehome("appointments", "cancel", "ZZZZ2222", "--reason", "closed") == 1
    assert "Kein Fall mit diesem Fallcode." in capsys.readouterr().err
    await flush(telegram)
    assert telegram.api.calls == [] and len(audit(telegram)) == 1


async def test_a_held_case_can_be_neither_cancelled_nor_moved(
    telegram: Harness,
    user: UpdateFactory,
    staffer: UpdateFactory,
    comehome: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Check that an appointment marked held stays held, and its client is not told anything
    (in the staff chat as at the command line)."""
    code = await book(telegram, user, "ar")
    await telegram.send(in_staff_chat(staffer.message(f"/held {code}")))
    await flush(telegram)
    telegram.take_calls()
    capsys.readouterr()
    assert comehome("appointments", "cancel", code, "--reason", "ill") == 1
    assert "vorbei" in capsys.readouterr().err
    assert comehome("appointments", "move", code, "2026-12-10T10:00") == 1
    await telegram.send(in_staff_chat(staffer.message(f"/cancel {code} ill")))
    await flush(telegram)
    assert client_messages(telegram) == []
    assert [status for status, _ in state(telegram)] == ["held"]
    assert [a for a, _, _ in audit(telegram)] == ["held"]


async def test_move_tells_the_client_the_old_and_the_new_time(
    telegram: Harness, user: UpdateFactory, comehome: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that `appointments move CODE TIME` to another offered time keeps one appointment,
    answers with the old and new time, sends the Arabic client both times with a new calendar
    file, tells the staff chat, and is audited."""
    code = await book(telegram, user, "ar")
    offered = telegram.api.offered_slots(CLIENT_CHAT)
    [(_, old_start)] = state(telegram)
    new_key = offered[2].removeprefix("b:slot:")  # a later time the client was offered
    counsellor, _, stamp = new_key.rpartition("-")
    new_time = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:]}"
    await flush(telegram)
    telegram.take_calls()
    capsys.readouterr()
    assert comehome("appointments", "move", code, new_time, "--counsellor", counsellor) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"Fall {code}: verlegt von ") and "benachrichtigt" in printed
    [(status, new_start)] = state(telegram)
    assert status == "booked" and new_start != old_start
    await flush(telegram)
    [(method, text), (document, _)] = [(m, p.get("text", "")) for m, p in client_messages(telegram)]
    assert (method, document) == ("sendMessage", "sendDocument")
    assert code in text and "نقل المكتب موعدك" in text
    [summary] = to_staff(telegram)
    assert "Termin vom Büro verlegt (Kommandozeile)" in summary and "Vorher" in summary
    assert [a for a, c, _ in audit(telegram) if c == code] == ["move"]


async def test_a_time_not_offered_is_refused_with_the_next_free_ones(
    telegram: Harness, user: UpdateFactory, comehome: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that moving to a Sunday, to the past or to the same time exits with status 1, names
    free times to choose from, and leaves the appointment and the client alone."""
    code = await book(telegram, user, "ar")
    before = state(telegram)
    await flush(telegram)
    telegram.take_calls()
    capsys.readouterr()
    assert comehome("appointments", "move", code, "2026-12-06T10:00") == 1  # a Sunday
    refused = capsys.readouterr().err
    assert "wurde nicht verlegt" in refused and "Freie Zeiten für diesen Fall:" in refused
    assert comehome("appointments", "move", code, "2026-11-20T10:00") == 1  # past
    berlin = before[0][1].replace(tzinfo=UTC).astimezone(BERLIN)
    capsys.readouterr()
    assert comehome("appointments", "move", code, f"{berlin:%Y-%m-%dT%H:%M}") == 1
    assert "ist bereits für diese Zeit gebucht" in capsys.readouterr().err
    await flush(telegram)
    assert client_messages(telegram) == [] and state(telegram) == before and audit(telegram) == []


async def test_list_and_show_filter_by_date_and_language(
    telegram: Harness, user: UpdateFactory, comehome: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that `appointments list` shows upcoming bookings by code (filtered by day and
    language), `show` shows one case and is audited like /case, and English is one option away."""
    code = await book(telegram, user, "ar")
    [(_, start)] = state(telegram)
    day = start.replace(tzinfo=UTC).astimezone(BERLIN).date()
    with telegram.assistant.db.transaction() as tx:
        language = tx.execute(select(appointments.c.language)).scalar_one()
    capsys.readouterr()
    assert comehome("appointments", "list") == 0
    assert code in capsys.readouterr().out
    assert comehome("appointments", "list", "--from", str(day), "--to", str(day)) == 0
    assert code in capsys.readouterr().out
    assert comehome("appointments", "list", "--from", str(day + timedelta(days=1))) == 0
    assert code not in (shown := capsys.readouterr().out) and "Keine Termine." in shown
    other = "tr" if language != "tr" else "fa"
    assert comehome("appointments", "list", "--language", other, "--lang", "en") == 0
    assert "No appointments." in capsys.readouterr().out
    assert comehome("appointments", "list", "--language", language, "--lang", "en") == 0
    assert "Upcoming appointments" in (shown := capsys.readouterr().out) and code in shown
    assert (
        comehome("appointments", "list", "--to", str(day), "--from", str(day + timedelta(1))) == 2
    )
    assert "--to is before --from" in capsys.readouterr().err
    assert comehome("appointments", "show", code) == 0
    assert f"Fall {code}" in capsys.readouterr().out
    assert comehome("appointments", "show", "ZZZZ2222") == 1
    assert [a for a, _, _ in audit(telegram)] == ["case"]  # listing is not audited, like /agenda


async def test_the_staff_chat_has_move_and_upcoming_too(
    telegram: Harness, user: UpdateFactory, staffer: UpdateFactory
) -> None:
    """Check that /upcoming and /move work in the staff chat (the same step), and that a move
    typed there is not announced to the staff chat a second time."""
    code = await book(telegram, user, "ar")
    offered = telegram.api.offered_slots(CLIENT_CHAT)[2].removeprefix("b:slot:")
    counsellor, _, stamp = offered.rpartition("-")
    await flush(telegram)
    telegram.take_calls()
    await telegram.send(in_staff_chat(staffer.message("/upcoming")))
    await telegram.send(
        in_staff_chat(staffer.message(f"/move {code} {stamp[6:8]}.{stamp[4:6]}.{stamp[:4]} "
                                      f"{stamp[8:10]}:{stamp[10:]} {counsellor}"))
    )  # fmt: skip
    await flush(telegram)
    upcoming, moved = to_staff(telegram)
    assert "Anstehende Termine" in upcoming and code in upcoming
    assert moved.startswith(f"Fall <code>{code}</code>: verlegt von ")
    assert len([m for m, _ in client_messages(telegram) if m == "sendMessage"]) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["appointments", "move", "7KQ3M9XA", "tomorrow"],
        ["appointments", "show", "7KQ 3M9XA"],
        ["appointments", "list", "--language", "Arabic"],
        ["appointments", "list", "--from", "10.12.2026"],
        ["appointments", "cancel", "7KQ3M9XA"],
    ],
)
def test_malformed_commands_are_refused_by_the_parser(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that a malformed time, code, language or date, or a missing reason, stops with a
    usage error (status 2) before anything is opened."""
    with pytest.raises(SystemExit) as finished:
        cli.parser().parse_args(argv)
    assert finished.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_every_appointments_command_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    """Check that each command answers --help with its description."""
    for name in ("list", "show", "move", "cancel"):
        with pytest.raises(SystemExit) as finished:
            cli.parser().parse_args(["appointments", name, "--help"])
        assert finished.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: comehome appointments {name}")


async def test_the_staff_chat_learns_when_a_client_could_not_be_told(
    telegram: Harness, user: UpdateFactory, comehome: Any
) -> None:
    """Check that cancelling a case whose client is gone (detached from the appointment) says so
    in the staff chat's summary, instead of claiming the client was told."""
    code = await book(telegram, user, "ar")
    await flush(telegram)
    with telegram.assistant.db.transaction() as tx:
        tx.execute(appointments.update().values(client_key=None))
    telegram.take_calls()
    assert comehome("appointments", "cancel", code, "--reason", "urgent") == 0
    await flush(telegram)
    [summary] = to_staff(telegram)
    assert "Die Person konnte nicht benachrichtigt werden" in summary
    assert client_messages(telegram) == []
