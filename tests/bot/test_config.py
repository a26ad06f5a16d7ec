"""Configuration: secrets, production refusals, the office file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load
from storage.crypto import new_secret


def test_local_secrets_are_made_once_and_readable_only_by_the_owner(tmp_path: Path) -> None:
    """Check that without secrets in the environment a private secrets file is made and reused."""
    first = load({"COMEHOME_DATA_DIR": str(tmp_path)})
    second = load({"COMEHOME_DATA_DIR": str(tmp_path)})
    assert (tmp_path / "secrets.toml").stat().st_mode & 0o777 == 0o600
    assert first.keyring == second.keyring
    assert first.database_url == f"sqlite:///{tmp_path / 'comehome.db'}"


def test_production_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    """Check that production mode never falls back to generated secrets."""
    with pytest.raises(ConfigError, match="COMEHOME_PEPPER"):
        load({"COMEHOME_ENV": "production", "COMEHOME_DATA_DIR": str(tmp_path)})
    assert not (tmp_path / "secrets.toml").exists()


def test_production_refuses_debug_logging(tmp_path: Path) -> None:
    """Check that DEBUG logging, which could reveal personal data, is refused in production."""
    env = {
        "COMEHOME_ENV": "production",
        "COMEHOME_PEPPER": new_secret(),
        "COMEHOME_CHAT_KEYS": f"k1:{new_secret()}",
        "COMEHOME_LOG_LEVEL": "debug",
    }
    with pytest.raises(ConfigError, match="DEBUG"):
        load(env)
    env["COMEHOME_LOG_LEVEL"] = "INFO"
    assert load(env).production


def test_malformed_secrets_are_named(tmp_path: Path) -> None:
    """Check that a malformed key is refused with a message naming it."""
    with pytest.raises(ConfigError, match="pepper"):
        load({"COMEHOME_PEPPER": "short", "COMEHOME_CHAT_KEYS": f"k1:{new_secret()}"})


def test_the_office_file_sets_address_hours_and_staff_chats(tmp_path: Path) -> None:
    """Check that an office TOML file replaces the default office."""
    office = tmp_path / "office.toml"
    office.write_text(
        '[office]\nid = "augsburg"\nname = "Rückkehrberatung Augsburg"\n'
        'address = ["Musterstr. 1", "86150 Augsburg"]\nphone = "+49 821 000000"\n'
        "staff_chat_ids = [-1001]\n"
        '[[office.hours]]\nweekdays = [0, 2]\nstart = "08:30"\nend = "12:00"\n',
        encoding="utf-8",
    )
    settings = load({"COMEHOME_DATA_DIR": str(tmp_path), "COMEHOME_OFFICE_FILE": str(office)})
    assert settings.office.id == "augsburg" and settings.office.staff_chat_ids == (-1001,)
    assert settings.office.hours[0].weekdays == (0, 2)


def test_a_broken_office_file_names_the_file(tmp_path: Path) -> None:
    """Check that an unreadable office file fails at start with the file named."""
    office = tmp_path / "office.toml"
    office.write_text("[office\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"office\.toml"):
        load({"COMEHOME_DATA_DIR": str(tmp_path), "COMEHOME_OFFICE_FILE": str(office)})
