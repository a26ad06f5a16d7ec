"""Pseudonyms and sealed chat ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.crypto import KeyError_, Keyring, new_secret


def keyring(*ids: str, pepper: str | None = None) -> tuple[Keyring, dict[str, str]]:
    secrets = {key_id: new_secret() for key_id in ids}
    chat_keys = ",".join(f"{key_id}:{secret}" for key_id, secret in secrets.items())
    return Keyring.from_text(pepper or new_secret(), chat_keys), secrets


def test_pseudonyms_are_stable_and_depend_on_the_pepper() -> None:
    """Check that a client's key is the same each time, and different under another pepper."""
    ring, _ = keyring("k1")
    other, _ = keyring("k1")
    assert ring.client_key("telegram", "42") == ring.client_key("telegram", "42")
    assert ring.client_key("telegram", "42") != ring.client_key("terminal", "42")
    assert ring.client_key("telegram", "42") != other.client_key("telegram", "42")
    assert len(ring.client_key("telegram", "42")) == 64


@given(st.text(min_size=1, max_size=40))
def test_sealed_chat_ids_open_again(chat_id: str) -> None:
    """Check that any chat id sealed opens to itself and is not readable in the sealed bytes."""
    ring, _ = keyring("k1")
    sealed = ring.seal(chat_id)
    assert ring.open(sealed) == chat_id
    assert ring.seal(chat_id) != sealed  # a fresh nonce each time


def test_rotation_keeps_old_values_readable_until_the_old_key_is_removed() -> None:
    """Check that after adding a new key old values still open, and new ones use the new key."""
    old, secrets = keyring("k1")
    sealed_old = old.seal("-100123")
    pepper = new_secret()
    rotated = Keyring.from_text(pepper, f"k2:{new_secret()},k1:{secrets['k1']}")
    assert rotated.open(sealed_old) == "-100123"
    assert not rotated.is_current(sealed_old) and rotated.is_current(rotated.seal("x"))
    without_old = Keyring.from_text(pepper, f"k2:{new_secret()}")
    with pytest.raises(KeyError_):
        without_old.open(sealed_old)


@pytest.mark.parametrize(
    "pepper,keys",
    [("short", "k1:" + new_secret()), (new_secret(), ""), (new_secret(), "k-1:" + new_secret())],
)
def test_bad_secrets_are_refused(pepper: str, keys: str) -> None:
    """Check that malformed secrets are refused with an error instead of being used."""
    with pytest.raises(KeyError_):
        Keyring.from_text(pepper, keys)
