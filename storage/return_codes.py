"""Return codes of the web door: written down by a client to continue on another device.

Only a keyed hash of the code is stored; it leads to the session token, sealed like a chat id.
A new code replaces the client's earlier one; /delete and retention remove it with the rest.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from storage.crypto import Keyring
from storage.db import Database
from storage.tables import conversations, web_return_codes

# Crockford's base 32: no I, L, O or U, so a code read aloud or copied by hand survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10  # 50 bits; with the door's rate limits far beyond guessing
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def normalise(code: str) -> str:
    """The code as stored: capitals, lookalike letters mapped, separators dropped."""
    return "".join(ch for ch in code.upper().translate(_LOOKALIKES) if ch in ALPHABET)


def shown(code: str) -> str:
    """The code as a client reads it: two groups of five."""
    return f"{code[:5]}-{code[5:]}"


class ReturnCodes:
    def __init__(self, db: Database, keyring: Keyring) -> None:
        self.db, self.keyring = db, keyring

    def issue(self, client_key: str, token: str, now: datetime) -> str | None:
        """A new code for this conversation (replacing an earlier one); None if there is no
        conversation to come back to."""
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        with self.db.transaction() as tx:
            exists = tx.execute(
                select(conversations.c.client_key).where(conversations.c.client_key == client_key)
            ).first()
            if exists is None:
                return None
            forget(tx, [client_key])
            tx.execute(
                insert(web_return_codes).values(
                    code_key=self.keyring.client_key("return", code),
                    client_key=client_key,
                    token_ref=self.keyring.seal(token),
                    created_at=now,
                )
            )
        return code

    def redeem(self, code: str) -> str | None:
        """The session token a code leads to; None for a code that is not known (any more)."""
        normal = normalise(code)
        if len(normal) != LENGTH:
            return None
        key = self.keyring.client_key("return", normal)
        previous = self.keyring.previous()  # a pepper change in progress (docs/KEYS.md)
        with self.db.transaction() as tx:
            sealed = _token_ref(tx, key)
            if sealed is None and previous is not None:
                sealed = _token_ref(tx, old := previous.client_key("return", normal))
                if sealed is not None:  # the code moves to the current pepper
                    tx.execute(
                        update(web_return_codes)
                        .where(web_return_codes.c.code_key == old)
                        .values(code_key=key)
                    )
        return None if sealed is None else self.keyring.open(sealed)


def _token_ref(tx: Connection, code_key: str) -> bytes | None:
    query = select(web_return_codes.c.token_ref).where(web_return_codes.c.code_key == code_key)
    sealed: bytes | None = tx.execute(query).scalar_one_or_none()
    return sealed


def forget(tx: Connection, client_keys: list[str]) -> None:
    """Delete the return codes of these conversations (a new code, /delete, retention)."""
    tx.execute(delete(web_return_codes).where(web_return_codes.c.client_key.in_(client_keys)))
