"""The outbox: replies committed with their step and kept until the door confirms them sent.

A row is addressed by a sealed chat id and a channel: "telegram", "terminal" or "web" (a chat of
that door) or "email" (the office's mailbox). Rows are leased so that several instances never send the
same one twice; a failed send waits longer each time.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from flows.model import Reply
from storage.codec import decode_reply, encode_reply
from storage.crypto import Keyring
from storage.db import Database
from storage.prepared import Prepared
from storage.tables import appointments, outbox, sent_messages
from storage.times import aware, naive

WEB = "web"  # the web door's channel: its rows wait for the browser to ask (`storage.web_pages`)
PAGE_OF = "page"  # payload key: the web client whose page (or news for it) a row is
# Payload key: the appointments ({"id", "sequence"}) whose reminder the replies are. A reminder
# still waiting when its appointment was moved, cancelled or closed is dropped (`outdated`).
APPOINTMENT = "appointment"
SHOWN = -1  # `attempts` of a web row already shown: the client's current page, never sent
RETRY_BACKOFF = (5, 30, 120, 600, 1800)  # seconds before the next attempt to send
MAX_ATTEMPTS = 50  # 5 s, 30 s, 2 min, 10 min, then every 30 min: about a day
# The instance that committed a step sends its replies at once; only if it has not confirmed them
# within the lease (it crashed, or the network failed) may any instance's outbox flush take over.
LEASE = timedelta(seconds=15)
DELETABLE = timedelta(hours=47, minutes=50)  # a bot may delete its own messages for 48 hours


@dataclass(frozen=True)
class Delivery:
    """Replies waiting in the outbox for one chat (or the office mailbox)."""

    outbox_id: int
    chat_id: str
    locale: str | None
    replies: tuple[Reply, ...]
    pressed_message_id: int | None = None
    channel: str = "telegram"
    delete_message_ids: tuple[int, ...] = ()  # the bot's own messages to remove first (/delete)
    final: bool = False  # the client's last message (after /delete): nothing of it is remembered
    office: str = ""  # whose address and hours the replies show; "": the default office
    leased_until: datetime | None = None  # until when this instance may send it (see `extend`)
    sent_parts: int = 0  # Bot API calls of these replies that reached the chat (see `mark`)


# Statements of every reply, built once: SQLAlchemy reuses their compiled form.
# On the driver (storage/prepared.py).
_PUT = Prepared(insert(outbox).returning(outbox.c.id))
_SENT = Prepared(delete(outbox).where(outbox.c.id == bindparam("b_id")))
_PROGRESS = Prepared(
    update(outbox).where(outbox.c.id == bindparam("b_id")).values(sent_parts=bindparam("parts"))
)
_RECORD_IDS = {
    "postgresql": Prepared(postgresql.insert(sent_messages).on_conflict_do_nothing()),
    "sqlite": Prepared(sqlite.insert(sent_messages).on_conflict_do_nothing()),
}


def put(
    tx: Connection,
    keyring: Keyring,
    *,
    chat_ref: bytes | None = None,
    chat_id: str = "",
    channel: str,
    locale: str | None,
    replies: Sequence[Reply],
    due: datetime,
    pressed: int | None = None,
    delete: Sequence[int] = (),
    final: bool = False,
    office: str = "",
    about: str = "",
    client: str = "",
    reminds: tuple[int, int] | None = None,
) -> Delivery:
    """Queue replies in the step's transaction; `chat_ref` when the sealed id is at hand already;
    `about`: the pseudonym of the client whose answers or news they carry (see `forget_queued`);
    `client`: the pseudonym of the client whose own chat they go to. A web client has no chat to
    push to: its rows are found by that pseudonym when the browser asks (`storage.web_pages`).
    `reminds`: the id and sequence of the appointment the replies remind of (see `outdated`)."""
    sealed = chat_ref if chat_ref is not None else keyring.seal(chat_id)
    payload = {
        "replies": [encode_reply(reply) for reply in replies],
        "pressed": pressed,
        "delete": list(delete),
        "final": final,
        "office": office,
    }
    if about:
        payload["about"] = about
    if client and channel == WEB:
        payload[PAGE_OF] = client
    if reminds is not None:
        payload[APPOINTMENT] = [{"id": reminds[0], "sequence": reminds[1]}]
    row = {
        "chat_ref": sealed,
        "locale": locale,
        "payload": payload,
        "attempts": 0,
        "next_attempt_at": due,
        "channel": channel,
    }
    outbox_id = int(_PUT.rows(tx, row)[0]["id"])
    chat = chat_id or keyring.open(sealed)
    return Delivery(
        outbox_id,
        chat,
        locale,
        tuple(replies),
        pressed,
        channel,
        tuple(delete),
        final,
        office,
        due,
    )


def delivery_of(row: Row[Any], keyring: Keyring, leased_until: datetime | None) -> Delivery:
    """A stored outbox row as the replies it holds."""
    return Delivery(
        row.id,
        keyring.open(row.chat_ref),
        row.locale,
        tuple(decode_reply(raw) for raw in row.payload["replies"]),
        row.payload.get("pressed"),
        row.channel,
        tuple(row.payload.get("delete", ())),
        bool(row.payload.get("final")),
        str(row.payload.get("office", "")),
        leased_until,
        row.sent_parts,
    )


def outdated(tx: Connection, rows: Sequence[Row[Any]], now: datetime) -> list[int]:
    """The ids of the rows among `rows` that remind of an appointment no longer as they say: it
    was moved or cancelled since (its sequence moved on), closed, deleted, or has begun."""
    reminding = {row.id: row.payload.get(APPOINTMENT) or [] for row in rows}
    wanted = {entry["id"] for entries in reminding.values() for entry in entries}
    if not wanted:
        return []
    booked = tx.execute(
        select(appointments.c.id, appointments.c.sequence).where(
            appointments.c.id.in_(wanted),
            appointments.c.status == "booked",
            appointments.c.starts_at > naive(aware(now)),
        )
    )
    current = {row.id: row.sequence for row in booked}
    return [
        row_id
        for row_id, entries in reminding.items()
        if any(current.get(entry["id"]) != entry["sequence"] for entry in entries)
    ]


def forget_queued(tx: Connection, client: str) -> int:
    """Delete every staff summary still queued about a client (with their answers and note, to
    the staff chats and the mailbox). Replies to their own chat are left to the door: it deletes
    them in the chat after the last message (`with_late_messages`). What a door has already
    handed to Telegram or the mail server cannot be recalled. A web client's page and the news
    waiting for their next visit go too: nobody would ever ask for them again."""
    about = outbox.c.payload["about"].as_string() == client
    page = outbox.c.payload[PAGE_OF].as_string() == client  # a web client's pages and news
    return int(tx.execute(delete(outbox).where(or_(about, page))).rowcount)


class Outbox:
    def __init__(self, db: Database, keyring: Keyring) -> None:
        self.db, self.keyring = db, keyring

    def due(
        self,
        now: datetime,
        channels: Sequence[str],
        limit: int = 100,
        exclude: Collection[int] = (),
    ) -> Sequence[Delivery]:
        """Claim the unconfirmed replies of these channels that are due, oldest first, for a lease;
        `exclude`: outbox ids the caller is about to send itself (their lease is left alone)."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                select(outbox)
                .where(
                    outbox.c.next_attempt_at <= now,
                    outbox.c.channel.in_(channels),
                    outbox.c.attempts >= 0,  # a web page already shown is not sent
                    outbox.c.id.not_in(list(exclude)),
                )
                .order_by(outbox.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if stale := outdated(tx, rows, now):  # a reminder of a time that no longer holds
                tx.execute(delete(outbox).where(outbox.c.id.in_(stale)))
                rows = [row for row in rows if row.id not in stale]
            if rows:
                tx.execute(
                    update(outbox)
                    .where(outbox.c.id.in_([row.id for row in rows]))
                    .values(next_attempt_at=now + LEASE)
                )
        return [delivery_of(row, self.keyring, now + LEASE) for row in rows]

    def extend(self, delivery: Delivery, now: datetime) -> Delivery | None:
        """Lease a queued delivery for longer, if it is still ours: None when its lease ran out
        and an outbox flush (of any instance) has claimed it since, or it is gone."""
        with self.db.transaction() as tx:
            renewed = tx.execute(
                update(outbox)
                .where(
                    outbox.c.id == delivery.outbox_id,
                    outbox.c.next_attempt_at == delivery.leased_until,
                )
                .values(next_attempt_at=now + LEASE)
            ).rowcount
        return replace(delivery, leased_until=now + LEASE) if renewed else None

    def release_leases(self, now: datetime) -> int:
        """Make the replies leased by processes that are gone due now (see `TelegramDoor.take_over`:
        only an instance that knows it is the bot's only one may call this). A retry waiting for
        a longer back-off after a failure keeps its time."""
        with self.db.transaction() as tx:
            released = tx.execute(
                update(outbox)
                .where(
                    outbox.c.next_attempt_at > now,
                    outbox.c.next_attempt_at <= now + LEASE,
                    outbox.c.attempts >= 0,  # a web page's time is when it is forgotten
                )
                .values(next_attempt_at=now)
            )
            return int(released.rowcount)

    def marking(
        self, delivery: Delivery, parts: int, message_id: int | None, now: datetime, done: bool
    ) -> Callable[[Connection], None]:
        """The mark that `parts` Bot API calls of the delivery have reached the chat, the last of
        them leaving `message_id` there; `done`: all of them, and nothing of the replies is kept
        but the ids of the messages, so that /delete can still remove them for 48 hours.

        Committed before the chat's next call starts, so that a resend after a crash starts
        after the calls that got through: only the one in flight, or the last one whose mark was
        not committed yet, can reach the chat twice. The door hands it to `Database.defer`: it
        rides the next step's transaction on SQLite (or commits within 20 ms; on PostgreSQL at
        once) and never waits for the disk of its own; the next durable commit carries it to
        disk (`Database.transaction`)."""
        ids: list[dict[str, object]] = []
        if message_id is not None and delivery.channel == "telegram" and not delivery.final:
            chat_key = self.keyring.client_key("chat", delivery.chat_id)
            ids.append({"chat_key": chat_key, "message_id": message_id, "sent_at": now})

        def mark(tx: Connection) -> None:
            if done:
                _SENT.rows(tx, {"b_id": delivery.outbox_id})
            else:
                _PROGRESS.rows(tx, {"b_id": delivery.outbox_id, "parts": parts})
            for (
                row
            ) in ids:  # a resend after a crash may repeat an id already recorded: keep the first
                _RECORD_IDS[tx.dialect.name].rows(tx, row)

        return mark

    def forget_recent(self, tx: Connection, chat_id: str, now: datetime) -> list[int]:
        """The bot's messages in this chat that Telegram still lets it delete; forgets them all."""
        chat_keys = [self.keyring.client_key("chat", chat_id)]
        previous = self.keyring.previous()
        if previous is not None:  # a pepper change in progress (docs/KEYS.md)
            chat_keys.append(previous.client_key("chat", chat_id))
        mine = sent_messages.c.chat_key.in_(chat_keys)
        recent = (
            tx.execute(
                select(sent_messages.c.message_id)
                .where(mine, sent_messages.c.sent_at > now - DELETABLE)
                .order_by(sent_messages.c.message_id)
            )
            .scalars()
            .all()
        )
        tx.execute(delete(sent_messages).where(mine))
        return [int(message_id) for message_id in recent]

    def with_late_messages(self, delivery: Delivery, now: datetime) -> Delivery:
        """The last message after /delete, also deleting what was sent to the chat after the
        deletion committed (replies to earlier steps still queued then), and forgetting it."""
        with self.db.transaction() as tx:
            late = self.forget_recent(tx, delivery.chat_id, now)
        ids = sorted(set(delivery.delete_message_ids) | set(late))
        return replace(delivery, delete_message_ids=tuple(ids))

    def failed(self, outbox_id: int, now: datetime, undeliverable: bool = False) -> bool:
        """Sending failed: try again later, waiting longer each time. A message that can never
        arrive (the client blocked the bot) or failed `MAX_ATTEMPTS` times (about a day) is
        dropped: nothing waits for ever. Returns whether it was dropped."""
        with self.db.transaction() as tx:
            attempts = tx.execute(
                select(outbox.c.attempts).where(outbox.c.id == outbox_id)
            ).scalar_one_or_none()
            if attempts is None:
                return True
            if undeliverable or attempts + 1 >= MAX_ATTEMPTS:
                tx.execute(delete(outbox).where(outbox.c.id == outbox_id))
                return True
            wait = RETRY_BACKOFF[min(attempts, len(RETRY_BACKOFF) - 1)]
            tx.execute(
                update(outbox)
                .where(outbox.c.id == outbox_id)
                .values(attempts=attempts + 1, next_attempt_at=now + timedelta(seconds=wait))
            )
            return False

    def backlog(self) -> int:
        """Replies waiting to be sent. The web door's rows are not among them: they wait for
        the browser to ask, which is no sign of trouble in sending."""
        with self.db.transaction() as tx:
            waiting = (
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.attempts >= 0, outbox.c.channel != WEB)
            )
            return int(tx.execute(waiting).scalar_one())
