"""The tables. Nothing here names a person: clients are keyed by a keyed hash, chats are sealed."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

conversations = Table(
    "conversations",
    metadata,
    Column("client_key", String(64), primary_key=True),  # HMAC-SHA256(pepper, channel:user id)
    Column("office_id", String(32), nullable=False),
    Column("state", String(64), nullable=False),
    Column("locale", String(16)),
    Column("answers", JSON, nullable=False),
    Column("data", JSON, nullable=False),
    Column("chat_ref", LargeBinary, nullable=False),  # the chat id, sealed with AES-GCM
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime, nullable=False, index=True),  # UTC, for retention
)

processed_updates = Table(
    "processed_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("processed_at", DateTime, nullable=False, index=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_ref", LargeBinary, nullable=False),
    Column("locale", String(16)),
    Column("payload", JSON, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False, index=True),
)

daily_counts = Table(
    "daily_counts",
    metadata,
    Column("day", Date, primary_key=True),
    Column("office_id", String(32), primary_key=True),
    Column("metric", String(32), primary_key=True),
    Column("count", Integer, nullable=False),
)
