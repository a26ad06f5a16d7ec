"""Foundation: conversations, processed updates, outbox, anonymous daily counts.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("client_key", sa.String(64)),
        sa.Column("office_id", sa.String(32), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(16)),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("chat_ref", sa.LargeBinary, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("client_key", name="pk_conversations"),
    )
    op.create_index("ix_conversations_updated_at", "conversations", ["updated_at"])
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger, autoincrement=False),
        sa.Column("processed_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("update_id", name="pk_processed_updates"),
    )
    op.create_index("ix_processed_updates_processed_at", "processed_updates", ["processed_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("chat_ref", sa.LargeBinary, nullable=False),
        sa.Column("locale", sa.String(16)),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_next_attempt_at", "outbox", ["next_attempt_at"])
    op.create_table(
        "daily_counts",
        sa.Column("day", sa.Date),
        sa.Column("office_id", sa.String(32)),
        sa.Column("metric", sa.String(32)),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("day", "office_id", "metric", name="pk_daily_counts"),
    )


def downgrade() -> None:
    op.drop_table("daily_counts")
    op.drop_table("outbox")
    op.drop_table("processed_updates")
    op.drop_table("conversations")
