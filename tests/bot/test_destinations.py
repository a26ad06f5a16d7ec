"""Where data may go: declared in one module, logged at start, checked, and no other way out."""

from __future__ import annotations

import ast
import dataclasses
import logging
from pathlib import Path

import pytest

from bot import destinations
from bot.config import ROOT, ConfigError, Office, Settings, Smtp
from storage.crypto import Keyring

PACKAGES = ("bot", "flows", "storage")


def network_imports(path: Path) -> set[str]:
    """The network client modules a source file imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level == 0
            else []
        )
        for name in names:
            if name in destinations.NOT_A_CLIENT:
                continue
            for client in destinations.NETWORK_CLIENTS:
                if name == client or name.startswith(client + "."):
                    found.add(client)
    return found


def modules() -> dict[str, set[str]]:
    return {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): network_imports(path)
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def test_only_the_declared_senders_import_a_network_client() -> None:
    """Check that no module but those `bot.destinations.SENDERS` names imports httpx, smtplib,
    socket, urllib (other than urllib.parse), aiohttp, requests or http.client."""
    undeclared = {
        name: sorted(clients - destinations.SENDERS.get(name, frozenset()))
        for name, clients in modules().items()
        if clients - destinations.SENDERS.get(name, frozenset())
    }
    assert undeclared == {}


def test_every_declared_sender_still_is_one() -> None:
    """Check that the declaration names no module that no longer imports what it says."""
    found = modules()
    assert {name: found.get(name, set()) for name in destinations.SENDERS} == {
        name: set(clients) for name, clients in destinations.SENDERS.items()
    }


def test_the_static_check_sees_a_hidden_import(tmp_path: Path) -> None:
    """Check that the import reader finds clients imported inside functions and as submodules."""
    source = tmp_path / "sneaky.py"
    source.write_text(
        "def f():\n    import urllib.request\n    from http.client import HTTPSConnection\n"
        "from urllib.parse import urlsplit\n"
    )
    assert network_imports(source) == {"urllib", "http.client"}


def settings_with(keyring: Keyring, mailbox: str, **office: object) -> Settings:
    smtp = Smtp(host="mail.muenchen.de", to=mailbox, sender="bot@muenchen.de")
    return Settings(
        database_url="sqlite://",
        keyring=keyring,
        offices=(dataclasses.replace(Office(), staff_chat_ids=(-100123,), **office),),  # type: ignore[arg-type]
        smtp=smtp,
    )


def test_every_destination_is_listed_and_logged(
    keyring: Keyring, caplog: pytest.LogCaptureFixture
) -> None:
    """Check that the Bot API, the staff chats and the mailbox with its server are declared and
    logged at start."""
    settings = settings_with(keyring, "rueckkehr@muenchen.de", mail_domains=("muenchen.de",))
    caplog.set_level(logging.INFO, logger="bot.destinations")
    destinations.log_at_start(settings)
    assert [r.getMessage() for r in caplog.records] == [
        "destination: Telegram Bot API (clients' own chats and staff chats): https://api.telegram.org",
        "destination: staff chats of muenchen: -100123",
        "destination: mailbox of muenchen: rueckkehr@muenchen.de via mail.muenchen.de:587",
    ]


@pytest.mark.parametrize(
    "mailbox",
    ["auslaenderbehoerde@example.org", "info@bamf.bund.de", "rueckkehr@muenchen.de.evil.org"],
)
def test_a_mailbox_outside_the_office_domains_or_naming_an_authority_is_refused(
    keyring: Keyring, mailbox: str
) -> None:
    """Check that summaries can never be configured to go to an authority or a foreign domain."""
    settings = settings_with(keyring, mailbox, mail_domains=("muenchen.de", "example.org"))
    with pytest.raises(ConfigError, match="mailbox"):
        destinations.refuse_foreign_recipients(settings)


def test_a_mailbox_in_an_owned_domain_is_accepted(keyring: Keyring) -> None:
    """Check that the office's own mailbox (also in a subdomain it owns) passes."""
    for mailbox in ("rueckkehr@muenchen.de", "team@soz.muenchen.de"):
        destinations.refuse_foreign_recipients(
            settings_with(keyring, mailbox, mail_domains=("muenchen.de",))
        )


def test_production_needs_the_office_domains_before_mailing(keyring: Keyring) -> None:
    """Check that production will not mail summaries before the office names its domains."""
    settings = dataclasses.replace(settings_with(keyring, "rueckkehr@muenchen.de"), production=True)
    with pytest.raises(ConfigError, match="mail_domains"):
        destinations.refuse_foreign_recipients(settings)
