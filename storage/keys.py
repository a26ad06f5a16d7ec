"""Key rotation: stored chat ids under the newest chat key, pseudonyms under a new pepper.

Chat ids rotate offline: every sealed value still opens while its old key is on the keyring. A
pseudonym cannot be recomputed from the database alone (user ids are not stored), so a client moves
to the new pepper when they next write (`adopt_previous`), or here when the sealed chat id proves
who they are: in a Telegram private chat the chat id is the user id, checked against the old HMAC.
Keyed hashes of chat ids (sent_messages) and of listed staff move here, from ids we can read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from sqlalchemy import Column, Connection, Table, func, select, update

from storage.crypto import KeyError_, Keyring
from storage.db import Database
from storage.tables import (
    appointments,
    audit_log,
    conversations,
    outbox,
    sent_messages,
    waiting_list,
    web_return_codes,
)

# Every column that holds a sealed chat id (a test checks that no LargeBinary column is missing).
SEALED_COLUMNS: tuple[Column[bytes], ...] = (
    conversations.c.chat_ref,
    outbox.c.chat_ref,
    web_return_codes.c.token_ref,  # a web session token, sealed like a chat id
)
# Every column that holds a client's pseudonym, HMAC(pepper, "<channel>:<user id>").
CLIENT_KEY_COLUMNS: tuple[Column[str], ...] = (
    conversations.c.client_key,
    appointments.c.client_key,
    waiting_list.c.client_key,
    web_return_codes.c.client_key,
)
# Return codes, HMAC(pepper, "return:<code>"): the code is not stored, so a code made under the
# previous pepper moves when it is next used (storage/return_codes.py), like a client who writes.
CODE_KEY_COLUMNS: tuple[Column[str], ...] = (web_return_codes.c.code_key,)
# Staff pseudonyms, HMAC(pepper, "staff:<user id>"): re-keyed for the staff on the allow-list.
STAFF_KEY_COLUMNS: tuple[Column[str], ...] = (audit_log.c.staff_key,)
# Chats named by HMAC(pepper, "chat:<chat id>"): re-keyed for every chat id we can open.
CHAT_KEY_COLUMNS: tuple[Column[str], ...] = (sent_messages.c.chat_key,)

BATCH_SIZE = 500


class PseudonymInUse(Exception):
    """The new pseudonym already has a conversation, waiting-list entry or booked appointment."""


class NoPreviousPepper(Exception):
    """Re-keying needs the previous pepper (COMEHOME_PEPPER_PREVIOUS) beside the current one."""


# --- chat ids ---------------------------------------------------------------------------------


@dataclass
class SealedCount:
    """What one pass (or one batch) found in one sealed column."""

    column: str  # "conversations.chat_ref"
    resealed: int = 0  # moved to the current key (or, in a dry run: would be)
    current: int = 0  # already under the current key
    unreadable: int = 0  # under a key no longer on the keyring, or damaged

    def add(self, other: SealedCount) -> None:
        self.resealed += other.resealed
        self.current += other.current
        self.unreadable += other.unreadable


def reseal_batches(
    db: Database, keyring: Keyring, *, batch_size: int = BATCH_SIZE, dry_run: bool = False
) -> Iterator[SealedCount]:
    """Re-seal every chat id under the current key, one committed transaction per batch.

    Yields after each batch has committed, so a crash between batches (or a stopped iteration)
    leaves each row under the old or the new key: both open while both keys are on the keyring,
    and a second run continues where the first stopped. Rows are matched on their old sealed
    value, so a row deleted or changed meanwhile is left as it is.
    """
    for column in SEALED_COLUMNS:
        primary = _primary_key(column.table)
        after: object = None
        while True:
            count = SealedCount(_name(column))
            with db.transaction() as tx:
                query = select(primary, column).order_by(primary).limit(batch_size)
                if after is not None:
                    query = query.where(primary > after)
                rows = tx.execute(query).all()
                for row_key, sealed in rows:
                    _reseal(tx, keyring, column, primary, row_key, sealed, count, dry_run)
            if not rows:
                break
            after = rows[-1][0]
            yield count


def rotate_chat_refs(
    db: Database, keyring: Keyring, *, batch_size: int = BATCH_SIZE, dry_run: bool = False
) -> list[SealedCount]:
    """Re-seal every stored chat id under the current key; the totals per sealed column."""
    totals = {_name(column): SealedCount(_name(column)) for column in SEALED_COLUMNS}
    for batch in reseal_batches(db, keyring, batch_size=batch_size, dry_run=dry_run):
        totals[batch.column].add(batch)
    return list(totals.values())


def stale_chat_refs(db: Database, keyring: Keyring) -> int:
    """How many stored chat ids are not under the current key (0: older keys can be removed)."""
    stale = 0
    with db.transaction() as tx:
        for column in SEALED_COLUMNS:
            stale += sum(
                not keyring.is_current(sealed) for sealed in tx.execute(select(column)).scalars()
            )
    return stale


def _reseal(
    tx: Connection,
    keyring: Keyring,
    column: Column[bytes],
    primary: Column[object],
    row_key: object,
    sealed: bytes,
    count: SealedCount,
    dry_run: bool,
) -> None:
    if keyring.is_current(sealed):
        count.current += 1
        return
    try:
        chat_id = keyring.open(sealed)
    except (KeyError_, InvalidTag):
        count.unreadable += 1
        return
    count.resealed += 1
    if not dry_run:
        tx.execute(
            update(column.table)
            .where(primary == row_key, column == bytes(sealed))
            .values({column.name: keyring.seal(chat_id)})
        )


# --- pseudonyms -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    """Rows moved from an old pseudonym to a new one, per table."""

    conversations: int = 0
    appointments: int = 0
    waiting_list: int = 0
    return_codes: int = 0


def rekey_client(tx: Connection, old_key: str, new_key: str) -> Moved:
    """Move everything stored under `old_key` to `new_key`, within the caller's transaction.

    The caller holds the client's lock (`lock_client(tx, new_key)`). Refuses, before changing
    anything, when the new pseudonym is already in use, rather than merge two clients' data.
    """
    if _in_use(tx, new_key):
        raise PseudonymInUse("the new pseudonym already has data")
    moved = [
        tx.execute(
            update(column.table).where(column == old_key).values({column.name: new_key})
        ).rowcount
        for column in CLIENT_KEY_COLUMNS
    ]
    return Moved(*(int(n) for n in moved))


def adopt_previous(tx: Connection, keyring: Keyring, channel: str, user_id: str) -> bool:
    """A client not found under the current pepper: move what the previous pepper keyed to it.

    For the conversation lookup, inside the step's transaction, after `lock_client(tx, new key)`
    found no conversation. True when a conversation moved (load it again under the new key).
    """
    previous = keyring.previous()
    if previous is None:
        return False
    old_key = previous.client_key(channel, user_id)
    new_key = keyring.client_key(channel, user_id)
    if old_key == new_key:
        return False
    try:
        return rekey_client(tx, old_key, new_key).conversations > 0
    except PseudonymInUse:
        return False


@dataclass
class PepperReport:
    """Where the conversations stand between the previous pepper and the current one."""

    moved: int = 0  # re-keyed by this pass
    current: int = 0  # already under the current pepper
    previous: int = 0  # proven under the previous pepper, not moved (dry run, or new key in use)
    unknown: int = 0  # the chat id does not show the user id: moved when the client next writes
    last_activity: datetime | None = None  # latest updated_at among `previous` and `unknown`
    staff_entries: int = 0  # audit-log entries of listed staff moved (dry run: to move)
    sent_messages: int = 0  # remembered message ids of clients' and staff chats moved

    @property
    def remaining(self) -> int:
        """Conversations that may still be under the previous pepper."""
        return self.previous + self.unknown


def rekey_conversations(
    db: Database,
    keyring: Keyring,
    *,
    staff_user_ids: Iterable[int | str] = (),
    staff_chat_ids: Iterable[int | str] = (),
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
) -> PepperReport:
    """Move every conversation whose sealed chat id proves its user id to the current pepper.

    A conversation moves only if HMAC(previous pepper, channel and the user id read from its
    chat id) is exactly its pseudonym; nothing is guessed. Remembered message ids move for every
    chat id that opens; the staff on the allow-list have their audit-log entries, the staff chats
    their message ids re-keyed as well. Conversations are read in batches and each client is
    moved in a transaction of its own, so the pass never holds one client's rows while waiting
    for another client's step.
    """
    previous = keyring.previous()
    if previous is None:
        raise NoPreviousPepper("set COMEHOME_PEPPER_PREVIOUS to the pepper used before")
    report = PepperReport()
    with db.transaction() as tx:
        keys = list(tx.execute(select(conversations.c.client_key)).scalars())
    for start in range(0, len(keys), batch_size):
        with db.transaction() as tx:
            rows = tx.execute(
                select(
                    conversations.c.client_key,
                    conversations.c.channel,
                    conversations.c.chat_ref,
                    conversations.c.updated_at,
                ).where(conversations.c.client_key.in_(keys[start : start + batch_size]))
            ).all()
        for row in rows:
            _rekey_one(db, keyring, previous, _Stored(*row), report, dry_run)
    with db.transaction() as tx:
        report.staff_entries = rekey_staff(tx, keyring, previous, staff_user_ids, dry_run=dry_run)
        for chat_id in staff_chat_ids:
            report.sent_messages += _rekey_chat(tx, keyring, previous, str(chat_id), dry_run)
    return report


def rekey_staff(
    tx: Connection,
    keyring: Keyring,
    previous: Keyring,
    staff_user_ids: Iterable[int | str],
    *,
    dry_run: bool = False,
) -> int:
    """Move the audit-log entries of these staff members to the current pepper; how many."""
    moved = 0
    for user_id in staff_user_ids:
        old_key = previous.client_key("staff", str(user_id))
        new_key = keyring.client_key("staff", str(user_id))
        moved += _move(tx, STAFF_KEY_COLUMNS, old_key, new_key, dry_run)
    return moved


def _rekey_chat(
    tx: Connection, keyring: Keyring, previous: Keyring, chat_id: str, dry: bool
) -> int:
    old_key = previous.client_key("chat", chat_id)
    return _move(tx, CHAT_KEY_COLUMNS, old_key, keyring.client_key("chat", chat_id), dry)


def _move(
    tx: Connection, columns: Iterable[Column[str]], old_key: str, new_key: str, dry_run: bool
) -> int:
    """Rows keyed `old_key` in these columns, moved to `new_key` (in a dry run: counted)."""
    moved = 0
    for column in columns:
        if dry_run:
            query = select(func.count()).select_from(column.table).where(column == old_key)
            moved += int(tx.execute(query).scalar_one())
        else:
            statement = update(column.table).where(column == old_key)
            moved += int(tx.execute(statement.values({column.name: new_key})).rowcount)
    return moved


class _Stored(NamedTuple):
    """What the pepper pass reads of a conversation."""

    client_key: str
    channel: str
    chat_ref: bytes
    updated_at: datetime


def _rekey_one(
    db: Database,
    keyring: Keyring,
    previous: Keyring,
    row: _Stored,
    report: PepperReport,
    dry_run: bool,
) -> None:
    from storage.conversations import lock_client  # that module imports this one

    try:
        chat_id: str | None = keyring.open(row.chat_ref)
    except (KeyError_, InvalidTag):
        chat_id = None
    new_key = _proven_new_key(keyring, previous, row.client_key, row.channel, chat_id)
    with db.transaction() as tx:
        if new_key is not None:
            # The client's lock before any of their rows, in the order of a client's own step.
            lock_client(tx, new_key)
        if chat_id is not None:
            report.sent_messages += _rekey_chat(tx, keyring, previous, chat_id, dry_run)
        if new_key == row.client_key:
            report.current += 1
            return
        if new_key is not None and not dry_run:
            if not _has_conversation(tx, row.client_key):
                return  # the client's own step moved it, or /delete removed it, a moment ago
            try:
                rekey_client(tx, row.client_key, new_key)
            except PseudonymInUse:
                pass  # a new conversation under the new pepper: this one is left to retention
            else:
                report.moved += 1
                return
    if new_key is None:
        report.unknown += 1
    else:
        report.previous += 1
    if report.last_activity is None or row.updated_at > report.last_activity:
        report.last_activity = row.updated_at


def _proven_new_key(
    keyring: Keyring, previous: Keyring, client_key: str, channel: str, chat_id: str | None
) -> str | None:
    """The pseudonym under the current pepper, when the chat id shows whose conversation it is.

    Returns `client_key` itself when it is current already, and None when neither pepper
    reproduces it from the chat id (then only the client's next message can tell).
    """
    if chat_id is None:
        return None
    for user_id in _user_ids(chat_id):
        if keyring.client_key(channel, user_id) == client_key:
            return client_key
        if previous.client_key(channel, user_id) == client_key:
            return keyring.client_key(channel, user_id)
    return None


def _user_ids(chat_id: str) -> tuple[str, ...]:
    """Who may have written in this chat: a Telegram private chat's id is its user's id; the
    terminal door's chat is "terminal:<user>". Only a matching HMAC makes a candidate count."""
    _door, colon, user = chat_id.partition(":")
    return (chat_id, user) if colon else (chat_id,)


def _has_conversation(tx: Connection, key: str) -> bool:
    query = select(conversations.c.client_key).where(conversations.c.client_key == key)
    return tx.execute(query).first() is not None


def _in_use(tx: Connection, key: str) -> bool:
    checks = (
        select(conversations.c.client_key).where(conversations.c.client_key == key),
        select(waiting_list.c.id).where(waiting_list.c.client_key == key),
        select(appointments.c.id).where(
            appointments.c.client_key == key, appointments.c.status == "booked"
        ),
    )
    return any(tx.execute(check.limit(1)).first() is not None for check in checks)


def _primary_key(table: Table) -> Column[object]:
    (primary,) = table.primary_key.columns
    return primary


def _name(column: Column[bytes]) -> str:
    return f"{column.table.name}.{column.name}"


__all__ = [
    "CHAT_KEY_COLUMNS",
    "CLIENT_KEY_COLUMNS",
    "CODE_KEY_COLUMNS",
    "SEALED_COLUMNS",
    "STAFF_KEY_COLUMNS",
    "Moved",
    "NoPreviousPepper",
    "PepperReport",
    "PseudonymInUse",
    "SealedCount",
    "adopt_previous",
    "rekey_client",
    "rekey_conversations",
    "rekey_staff",
    "reseal_batches",
    "rotate_chat_refs",
    "stale_chat_refs",
]
