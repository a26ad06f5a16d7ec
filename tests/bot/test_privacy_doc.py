"""The data protection page and the Art. 30 record say what the database really holds."""

from __future__ import annotations

import argparse
import importlib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

from bot.cli.privacy import add_parser
from bot.config import ROOT, Office, Smtp
from bot.privacy.page import markdown
from bot.privacy.record import record_of_processing
from storage.privacy import Held, Personal, Reader, Words, about, kept, undescribed
from storage.tables import metadata

PRIVACY_MD = ROOT / "PRIVACY.md"
REGENERATE = (
    "PRIVACY.md is stale. Regenerate it with\n"
    "  .venv/bin/comehome privacy page > PRIVACY.md\n"
    "and review the diff."
)


def resolve(where: str) -> object:
    module_name, _, qualified = where.partition(":")
    found: object = importlib.import_module(module_name)
    for part in qualified.split("."):
        found = getattr(found, part)
    return found


def test_every_table_and_column_is_described() -> None:
    """Check that every table and column of the database carries its privacy description."""
    problems = undescribed(metadata)
    assert not problems, (
        "describe them with `info=about(...)` on the Table or Column in storage/tables/ "
        "(storage/privacy.py has the words):\n" + "\n".join(problems)
    )


def test_a_new_undescribed_column_is_caught() -> None:
    """Check that adding a column (or a table) without a description is reported, and that a
    described one is not."""
    schema = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(schema)
    Table("conversations", schema, Column("telegram_user_id", Integer), extend_existing=True)
    Table("message_ids", schema, Column("id", Integer, primary_key=True))
    nobody = Held(Words("x", "x"), Personal.NO, Words("x", "x"), (Reader.DATABASE,))
    Table("conversations", schema, Column("mood", String, info=about(nobody)), extend_existing=True)
    assert undescribed(schema) == [
        "column conversations.telegram_user_id is not described",
        "table message_ids is not described",
        "column message_ids.id is not described",
    ]


def test_the_code_named_as_deleting_rows_exists() -> None:
    """Check that each function the page names as deleting rows still exists under that name."""
    missing = []
    for name, table in metadata.tables.items():
        description = kept(table)
        for where in description.deleted_by if description else ():
            try:
                resolve(where)
            except (ImportError, AttributeError):
                missing.append(f"{name}: {where}")
    assert not missing, "the retention text names code that is gone:\n" + "\n".join(missing)


def test_privacy_md_is_current() -> None:
    """Check that PRIVACY.md equals the page generated from the code."""
    assert PRIVACY_MD.read_text(encoding="utf-8") == markdown(), REGENERATE


def test_the_page_tells_what_is_not_personal_apart_from_what_is() -> None:
    """Check that the page shows a pseudonymised and a not personal column as such, with the
    legal basis left for the office."""
    page = markdown()
    client_key = next(line for line in page.splitlines() if line.startswith("| `client_key`"))
    assert "**ja, pseudonymisiert**" in client_key
    assert "(vom Büro auszufüllen)" in client_key
    count = next(line for line in page.splitlines() if line.startswith("| `count`"))
    assert "**nein**" in count


def test_the_record_names_every_table_and_the_office() -> None:
    """Check that the Art. 30 record lists every table and the office's name and address."""
    office = Office()
    record = record_of_processing(office)
    missing = [name for name in metadata.tables if f"`{name}`" not in record]
    assert not missing, f"tables missing from the record: {missing}"
    for line in (office.organisation, office.name, *office.address):
        assert line in record


def test_the_record_follows_the_configuration() -> None:
    """Check that another office's address and retention period appear in its record."""
    office = Office(
        id="augsburg", name="Rückkehrberatung Augsburg", address=("Beispielweg 1", "86150 Augsburg")
    )
    record = record_of_processing(office, retention_days=14)
    assert "Beispielweg 1" in record and "86150 Augsburg" in record
    assert "Werinherstr." not in record
    assert "nach 14 Tagen ohne Nachricht" in record


def test_the_record_names_the_mailbox_and_warns_about_mail_without_tls() -> None:
    """Check that the record names the configured mailbox and warns when STARTTLS is off."""
    smtp = Smtp(host="mail.muenchen.example", to="rueckkehr@muenchen.example", sender="bot@x")
    assert "rueckkehr@muenchen.example" in record_of_processing(smtp=smtp)
    assert "OHNE STARTTLS" not in record_of_processing(smtp=smtp)
    plain = record_of_processing(smtp=replace(smtp, starttls=False))
    assert "OHNE STARTTLS" in plain


@pytest.fixture
def privacy_command() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="comehome")
    add_parser(root.add_subparsers(dest="command"))
    return root


def test_privacy_page_command_prints_the_page(
    privacy_command: argparse.ArgumentParser, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that `comehome privacy page` prints exactly PRIVACY.md's content."""
    args = privacy_command.parse_args(["privacy", "page"])
    assert args.func(args) == 0
    assert capsys.readouterr().out == markdown()


def test_privacy_record_command_prints_the_configured_office(
    privacy_command: argparse.ArgumentParser,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Check that `comehome privacy record` prints the record for the office in the office file."""
    office_file = tmp_path / "office.toml"
    office_file.write_text(
        '[office]\nname = "Rückkehrberatung Nürnberg"\naddress = ["Musterstr. 5", "90402 Nürnberg"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("COMEHOME_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COMEHOME_OFFICE_FILE", str(office_file))
    args = privacy_command.parse_args(["privacy", "record"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "Verzeichnis von Verarbeitungstätigkeiten" in out
    assert "Rückkehrberatung Nürnberg" in out and "90402 Nürnberg" in out


def test_the_page_and_the_record_describe_the_web_door() -> None:
    """Check that PRIVACY.md and the Art. 30 record say what the web door keeps: the cookie's
    random token stored only as a keyed hash (sealed only behind a code to continue), the code
    itself only as a hash, the page shown last in the outbox and for how long, no address, user
    agent or referrer, and how long the cookie lasts."""
    page, record = markdown(retention_days=30), record_of_processing(retention_days=30)
    for text in (page, record):
        assert "HMAC-SHA256(Pepper, „web:“ + Token)" in text
        assert "HMAC-SHA256(Pepper, „return:“ + Code), nie der Code selbst" in text
        assert "`web_return_codes.token_ref`" in text
        assert "Die zuletzt gezeigte Seite bleibt 2 Stunden nach dem letzten Zeigen" in text
        assert "Keine IP-Adresse, kein User-Agent (Browser) und kein Referrer" in text
        assert "Das Cookie gilt 30 Tage" in text
    assert "*A cookie (`comehome`; HttpOnly, SameSite=Strict, Secure behind TLS)" in page
    assert "„web“ (Web-Tür)" in page  # the conversation's door
    assert "in ihrem Browser" in record and "Telegram-Assistent" not in record


def test_the_hours_a_web_page_is_kept_come_from_the_one_constant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Check that every sentence naming how long the web door keeps a page follows
    `storage.web_pages.PAGE_KEPT` (no number of hours is written by hand), and that a period
    the page could only round is refused."""
    import bot.privacy.page

    monkeypatch.setattr(bot.privacy.page, "PAGE_KEPT", timedelta(hours=5))
    page, record = markdown(), record_of_processing()
    for text in (page, record):
        assert "Seite bleibt 5 Stunden nach dem letzten Zeigen" in text
        assert "zwei Stunden" not in text and "2 Stunden nach" not in text
    assert page.count("5 Stunden nach dem letzten Zeigen") == 3
    assert page.count("5 hours after it was last shown") == 3
    assert "two hours" not in page
    monkeypatch.setattr(bot.privacy.page, "PAGE_KEPT", timedelta(minutes=90))
    with pytest.raises(ValueError, match="not a whole number of hours"):
        markdown()
