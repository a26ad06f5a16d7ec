"""The bot's own recent messages per chat (keyed hash), so that /delete can remove them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sent_messages",
        sa.Column("chat_key", sa.String(64)),
        sa.Column("message_id", sa.BigInteger, autoincrement=False),
        sa.Column("sent_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("chat_key", "message_id", name="pk_sent_messages"),
    )
    op.create_index("ix_sent_messages_sent_at", "sent_messages", ["sent_at"])


def downgrade() -> None:
    op.drop_table("sent_messages")
