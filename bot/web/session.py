"""A web client's session: a random token in a cookie, and what is derived from it.

The token is the client's only identity (like a Telegram user id, it is never stored in clear):
the conversation is keyed by HMAC(pepper, "web:" + token); the CSRF token and each form's
update id are keyed hashes of it too, so nothing about a session needs storing in the door.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from storage.conversations import Incoming
from storage.crypto import Keyring

CHANNEL = "web"
COOKIE = "comehome"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")  # 16 random bytes, URL-safe base64
_NONCE = re.compile(r"^[0-9a-f]{16}$")
UPDATE_ID_BITS = 60


@dataclass(frozen=True)
class Session:
    token: str
    keyring: Keyring

    @classmethod
    def new(cls, keyring: Keyring) -> Session:
        return cls(secrets.token_urlsafe(16), keyring)

    @classmethod
    def from_cookie(cls, value: str | None, keyring: Keyring) -> Session | None:
        return cls(value, keyring) if value and _TOKEN.match(value) else None

    @property
    def client_key(self) -> str:
        """The conversation's pseudonym, exactly as the store derives it."""
        return self.keyring.client_key(CHANNEL, self.token)

    @property
    def chat_id(self) -> str:
        """Where the session's replies are addressed (sealed in the outbox, never the token)."""
        return "web:" + hashlib.sha256(b"chat:" + self.token.encode()).hexdigest()[:32]

    def incoming(self, nonce: str | None = None) -> Incoming:
        """Who wrote; with a form's nonce, the update id that lets the form apply only once."""
        update_id = self.update_id(nonce) if nonce is not None else None
        return Incoming(CHANNEL, self.token, self.chat_id, update_id, answers_in_response=True)

    @property
    def csrf(self) -> str:
        return self.keyring.client_key("csrf", self.token)[:32]

    def csrf_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.csrf.encode())

    def update_id(self, nonce: str) -> int:
        """A form's update id: negative (Telegram's are positive) and bound to this session, so
        one client's forms can never stand in for another's or for a Telegram update."""
        digest = self.keyring.client_key("form", f"{self.token}:{nonce}")
        return -(int(digest, 16) >> (256 - UPDATE_ID_BITS)) - 1


def new_nonce() -> str:
    return secrets.token_hex(8)


def valid_nonce(nonce: str | None) -> bool:
    return nonce is not None and bool(_NONCE.match(nonce))
