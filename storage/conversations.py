"""The conversations' repository: claim an update, lock, load and save a conversation, forget a
client, address replies to a client or the staff. The step that uses these, in one transaction,
is bot/service/step.py; what retention deletes is storage/retention.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from flows.model import (
    Conversation,
    ConversationData,
    Reply,
)
from flows.ports import Figures
from storage import counts, return_codes
from storage.booking import AppointmentBook
from storage.crypto import Keyring
from storage.db import Database
from storage.keys import adopt_previous
from storage.outbox import Outbox, forget_queued, put
from storage.prepared import Prepared
from storage.tables import (
    audit_log,
    conversations,
    daily_counts,
    processed_updates,
)


@dataclass(frozen=True)
class Incoming:
    """Who wrote (pseudonymised before anything is stored) and which update it was."""

    channel: str
    user_id: str
    chat_id: str
    update_id: int | None = None
    pressed_message_id: int | None = None
    # The door answers in the response to the request itself (the web door): the goodbye after
    # /delete is handed back without ever being stored, so nothing of the client stays behind.
    answers_in_response: bool = False


@dataclass(frozen=True)
class StaffDestinations:
    """Where staff summaries go: the staff chats, and the office mailbox when mail is set up."""

    chat_ids: tuple[int, ...] = ()
    mailbox: str | None = None
    locale: str = "de"


# The statements of every step, built once: SQLAlchemy then reuses their compiled form and cache
# key instead of building both again for each update (most of a step's time on SQLite).
# On the driver (storage/prepared.py): most of a step's time on SQLite was SQLAlchemy's own.
_CONVERSATION = Prepared(
    select(conversations).where(conversations.c.client_key == bindparam("b_key")).with_for_update()
)
_NEW_CONVERSATION = Prepared(insert(conversations))
_CHANGED_CONVERSATION = Prepared(
    update(conversations)
    .where(conversations.c.client_key == bindparam("b_key"))
    .values(version=conversations.c.version + 1)
)
_CLAIMS = {
    name: Prepared(
        dialect.insert(processed_updates)
        .on_conflict_do_nothing()
        .returning(processed_updates.c.update_id)
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
# PostgreSQL: the claim and the client's lock in one round trip; RETURNING takes the lock only
# when the update was new (a repeated update locks nothing and is skipped).
_CLAIM_AND_LOCK = Prepared(
    postgresql.insert(processed_updates)
    .on_conflict_do_nothing()
    .returning(processed_updates.c.update_id, func.pg_advisory_xact_lock(bindparam("b_lock")))
)
_CHAT_OF = select(
    conversations.c.chat_ref,
    conversations.c.locale,
    conversations.c.channel,
    conversations.c.office_id,
).where(conversations.c.client_key == bindparam("b_key"))
_AUDIT = insert(audit_log)


class ConversationStore:
    """Where the replies of the installation's offices go (a client's chat, the staff chats and
    mailbox); `office_id` is the default office."""

    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        office_id: str = "muenchen",
        staff: StaffDestinations | None = None,
        others: Mapping[str, StaffDestinations] | None = None,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.office_id = office_id
        self.destinations = {office_id: staff or StaffDestinations(), **(others or {})}
        self.outbox = Outbox(db, keyring)

    @property
    def offices(self) -> tuple[str, ...]:
        return tuple(self.destinations)

    def known(self, office_id: str | None) -> str:
        """The office itself, or the default for one no longer configured (or never chosen)."""
        return office_id if office_id in self.destinations else self.office_id

    def to_staff(
        self, tx: Connection, reply: Reply, now: datetime, office: str, about: str = ""
    ) -> None:
        """A summary to every staff chat of the office and, where mail is set up, its mailbox;
        `about`: the client whose answers it carries, so that their /delete can withdraw it."""
        staff = self.destinations[office]
        addresses = [(str(chat_id), "telegram") for chat_id in staff.chat_ids]
        if staff.mailbox:
            addresses.append((staff.mailbox, "email"))
        for address, channel in addresses:
            put(
                tx,
                self.keyring,
                chat_id=address,
                channel=channel,
                locale=staff.locale,
                replies=(reply,),
                due=now,
                office=office,
                about=about,
            )

    def to_client(
        self,
        tx: Connection,
        client: str,
        replies: tuple[Reply, ...],
        now: datetime,
        reminds: tuple[int, int] | None = None,
    ) -> None:
        """Replies for a client's own chat, in their language; nothing if they deleted their data.
        `reminds`: the id and sequence of the appointment they remind of (dropped, unsent and
        unshown, once it is moved or cancelled)."""
        row = tx.execute(_CHAT_OF, {"b_key": client}).first()
        if row is not None:
            put(
                tx,
                self.keyring,
                chat_ref=row.chat_ref,
                channel=row.channel,
                locale=row.locale,
                replies=replies,
                due=now,
                office=self.known(row.office_id),
                client=client,
                reminds=reminds,
            )

    def claim_agenda(self, tx: Connection, day: date, office: str) -> bool:
        """Whether this instance is the first to send the office's agenda of `day`."""
        dialect = postgresql if tx.dialect.name == "postgresql" else sqlite
        claimed = tx.execute(
            dialect.insert(daily_counts)
            .values(day=day, office_id=office, metric="agenda_sent", count=1)
            .on_conflict_do_nothing()
            .returning(daily_counts.c.day)
        ).first()
        return claimed is not None

    def figures(self, office_id: str = "") -> Figures:
        """The anonymous counts of an office (the default one) of every day so far."""
        with self.db.transaction() as tx:
            return counts.figures(tx, self.known(office_id), date.min, date.max)


def claim_update(tx: Connection, update_id: int | None, now: datetime) -> bool:
    """Record the update id; False when it was recorded before (the update is then skipped)."""
    if update_id is None:
        return True
    claimed = _CLAIMS[tx.dialect.name].rows(tx, {"update_id": update_id, "processed_at": now})
    return bool(claimed)


def load(
    tx: Connection, keyring: Keyring, key: str, channel: str, user_id: str
) -> tuple[Conversation | None, bytes | None]:
    """The client's conversation (locked by `lock_client`) and its sealed chat id, (None, None)
    when there is none; one last seen under the previous pepper is first moved to `key` with its
    appointments and waiting-list entry (storage/keys.py)."""
    rows = _CONVERSATION.rows(tx, {"b_key": key})
    if not rows and adopt_previous(tx, keyring, channel, user_id):
        rows = _CONVERSATION.rows(tx, {"b_key": key})
    if not rows:
        return None, None
    return _to_conversation(rows[0]), bytes(rows[0]["chat_ref"])


def save(
    tx: Connection,
    key: str,
    before: Conversation | None,
    after: Conversation,
    now: datetime,
    office: str,
    first_address: Callable[[], tuple[str, bytes]],
) -> None:
    """Store the conversation after a step; a new one also gets its channel and sealed chat id
    (`first_address`, asked only then)."""
    values: dict[str, Any] = {
        "office_id": office,
        "state": after.state,
        "locale": after.locale,
        "answers": after.answers,
        "data": after.data.to_json(),
        "updated_at": now,
    }
    if before is None:
        channel, chat_ref = first_address()
        _NEW_CONVERSATION.rows(
            tx,
            {"client_key": key, "version": 1, "channel": channel, "chat_ref": chat_ref, **values},
        )
    else:
        _CHANGED_CONVERSATION.rows(tx, {"b_key": key, **values})


def locale_of(tx: Connection, client: str) -> str | None:
    """The language the client chose; None before they chose one, or with no conversation."""
    query = select(conversations.c.locale).where(conversations.c.client_key == client)
    locale: str | None = tx.execute(query).scalar_one_or_none()
    return locale


def forget_client(tx: Connection, client: str, office: str, now: datetime) -> None:
    """Everything stored about a client: appointments (of every office), waiting list,
    conversation, and every reply still queued about them."""
    forget_queued(tx, client)
    AppointmentBook(tx, office).delete_for_client(client, now)
    tx.execute(delete(conversations).where(conversations.c.client_key == client))
    return_codes.forget(tx, [client])


def audit(tx: Connection, now: datetime, office: str, staff: str, action: str, case: str) -> None:
    """A staff action on a case, kept for the period the office set (`prune_audit`)."""
    tx.execute(
        _AUDIT,
        {"at": now, "office_id": office, "staff_key": staff, "action": action, "case_code": case},
    )


def claim_and_lock(tx: Connection, update_id: int | None, now: datetime, key: str) -> bool:
    """`claim_update`, then `lock_client` if it was new; on PostgreSQL in one statement."""
    if update_id is None or tx.dialect.name != "postgresql":
        claimed = claim_update(tx, update_id, now)
        if claimed:
            lock_client(tx, key)
        return claimed
    params = {"update_id": update_id, "processed_at": now, "b_lock": _lock_number(key)}
    return bool(_CLAIM_AND_LOCK.rows(tx, params))


def _lock_number(key: str) -> int:
    return int(key[:15], 16)


def lock_client(tx: Connection, key: str) -> None:
    """Serialise a client's steps until the transaction ends.

    SQLite's BEGIN IMMEDIATE already admits one writer at a time. On PostgreSQL a row lock cannot
    cover a client's first step (there is no row yet), so a transaction-scoped advisory lock on the
    pseudonym does; other clients proceed in parallel.
    """
    if tx.dialect.name == "postgresql":
        tx.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_number(key)})


def _to_conversation(row: Any) -> Conversation:
    return Conversation(
        row["state"],
        row["locale"],
        dict(row["answers"]),
        ConversationData.from_json(row["data"]),
        row["version"],
        row["office_id"],
    )
