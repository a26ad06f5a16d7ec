"""Production refuses what is weak: a mistyped mode, guessable keys, clear-text Bot API URLs."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from bot.config import ConfigError, load
from storage.crypto import new_secret


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def production(tmp_path: Path, **changes: str) -> dict[str, str]:
    env = {
        "COMEHOME_ENV": "production",
        "COMEHOME_DATA_DIR": str(tmp_path),
        "COMEHOME_PEPPER": new_secret(),
        "COMEHOME_CHAT_KEYS": f"k1:{new_secret()}",
        "COMEHOME_WEBHOOK_URL": "https://bot.example.org/telegram",
        "COMEHOME_WEBHOOK_SECRET": new_secret(),
    }
    return {**env, **changes}


def test_strong_production_settings_are_accepted(tmp_path: Path) -> None:
    """Check that freshly made keys and secrets pass, so the refusals below are about weakness."""
    assert load(production(tmp_path)).production


@pytest.mark.parametrize("mode", ["Production", "prod", "PRODUCTION", " production", "dev", ""])
def test_the_mode_must_be_spelled_exactly(tmp_path: Path, mode: str) -> None:
    """Check that a mistyped COMEHOME_ENV stops the start instead of running as development."""
    with pytest.raises(ConfigError, match="COMEHOME_ENV"):
        load({**production(tmp_path), "COMEHOME_ENV": mode})


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"COMEHOME_PEPPER": b64(bytes(32))}, "COMEHOME_PEPPER"),
        ({"COMEHOME_PEPPER": b64(b"\x07" * 32)}, "COMEHOME_PEPPER"),
        ({"COMEHOME_PEPPER": b64(b"ab" * 16)}, "COMEHOME_PEPPER"),
        ({"COMEHOME_CHAT_KEYS": f"k1:{b64(bytes(32))}"}, "COMEHOME_CHAT_KEYS"),
        ({"COMEHOME_WEBHOOK_SECRET": "a" * 32}, "COMEHOME_WEBHOOK_SECRET"),
        ({"COMEHOME_WEBHOOK_SECRET": "abcd" * 10}, "COMEHOME_WEBHOOK_SECRET"),
        ({"TELEGRAM_API_BASE_URL": "http://api.example.org"}, "TELEGRAM_API_BASE_URL"),
        ({"COMEHOME_WEBHOOK_URL": "http://bot.example.org/telegram"}, "COMEHOME_WEBHOOK_URL"),
    ],
)
def test_weak_settings_are_refused_in_production(
    tmp_path: Path, changes: dict[str, str], named: str
) -> None:
    """Check that all-equal or low-entropy keys, a guessable webhook secret and clear-text URLs
    stop a production start, naming the setting but not its value."""
    with pytest.raises(ConfigError, match=named) as refused:
        load(production(tmp_path, **changes))
    assert all(value not in str(refused.value) for value in changes.values() if len(value) > 8)


def test_a_pepper_equal_to_a_chat_key_is_refused(tmp_path: Path) -> None:
    """Check that the pepper and a chat key may not be the same secret."""
    same = new_secret()
    with pytest.raises(ConfigError, match="pepper"):
        load(production(tmp_path, COMEHOME_PEPPER=same, COMEHOME_CHAT_KEYS=f"k1:{same}"))


def test_plain_http_to_a_bot_api_on_this_machine_is_allowed(tmp_path: Path) -> None:
    """Check that a local Bot API server (on loopback) may be reached without TLS."""
    settings = load(production(tmp_path, TELEGRAM_API_BASE_URL="http://127.0.0.1:8081"))
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081"


def test_development_accepts_a_demo_without_secrets(tmp_path: Path) -> None:
    """Check that development still starts with weak settings (a laptop demo)."""
    env = {"COMEHOME_ENV": "development", "COMEHOME_DATA_DIR": str(tmp_path)}
    assert not load({**env, "TELEGRAM_API_BASE_URL": "http://api.example.org"}).production
