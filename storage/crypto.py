"""Pseudonyms and sealed chat ids: the database alone cannot tell who a client is."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_AAD = b"comehome chat ref v1"


class KeyError_(Exception):
    """A secret is missing, malformed, or a sealed value was made with a key we no longer have."""


def decode_secret(text: str, what: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except ValueError as error:
        raise KeyError_(f"{what} is not valid base64") from error
    if len(raw) != 32:
        raise KeyError_(f"{what} must be 32 bytes (base64 of 32 random bytes)")
    return raw


def new_secret() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


@dataclass(frozen=True)
class Keyring:
    """The pepper for pseudonyms and the chat keys, newest first: `{key id: 32-byte key}`."""

    pepper: bytes
    chat_keys: tuple[tuple[str, bytes], ...]
    # While a new pepper is introduced: the one before it, so that a client last seen under the
    # old pseudonym can be found and moved (see storage/keys.py and docs/KEYS.md).
    previous_pepper: bytes | None = None

    @classmethod
    def from_text(cls, pepper: str, chat_keys: str) -> Keyring:
        """`chat_keys` is "id:base64,id:base64", the current key first."""
        pairs = []
        for item in filter(None, (part.strip() for part in chat_keys.split(","))):
            key_id, _, secret = item.partition(":")
            if not key_id.isalnum() or len(key_id) > 8:
                raise KeyError_("each chat key needs a short alphanumeric id: 'k1:BASE64'")
            pairs.append((key_id, decode_secret(secret, f"chat key {key_id}")))
        if not pairs:
            raise KeyError_("at least one chat key is needed")
        return cls(decode_secret(pepper, "pepper"), tuple(pairs))

    def with_previous_pepper(self, pepper: str) -> Keyring:
        """This keyring, also knowing the pepper that was in use before the current one."""
        return replace(self, previous_pepper=decode_secret(pepper, "previous pepper"))

    def previous(self) -> Keyring | None:
        """The keyring as it was under the previous pepper (same chat keys), if there is one."""
        if self.previous_pepper is None:
            return None
        return replace(self, pepper=self.previous_pepper, previous_pepper=None)

    def client_key(self, channel: str, user_id: str) -> str:
        """The pseudonym a client's conversation is stored under."""
        message = f"{channel}:{user_id}".encode()
        return hmac.new(self.pepper, message, hashlib.sha256).hexdigest()

    def seal(self, chat_id: str) -> bytes:
        key_id, key = self.chat_keys[0]
        nonce = os.urandom(12)
        return key_id.encode() + b"." + nonce + AESGCM(key).encrypt(nonce, chat_id.encode(), _AAD)

    def open(self, sealed: bytes) -> str:
        key_id, _, rest = bytes(sealed).partition(b".")
        for candidate_id, key in self.chat_keys:
            if candidate_id.encode() == key_id:
                return AESGCM(key).decrypt(rest[:12], rest[12:], _AAD).decode()
        raise KeyError_(f"no chat key with id {key_id.decode(errors='replace')!r}")

    def is_current(self, sealed: bytes) -> bool:
        return bytes(sealed).startswith(self.chat_keys[0][0].encode() + b".")
