"""The web door's return codes: a keyed hash of the code and the sealed session token.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_return_codes",
        sa.Column("code_key", sa.String(64)),
        sa.Column("client_key", sa.String(64), nullable=False),
        sa.Column("token_ref", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("code_key", name="pk_web_return_codes"),
    )
    op.create_index("ix_web_return_codes_client_key", "web_return_codes", ["client_key"])


def downgrade() -> None:
    op.drop_table("web_return_codes")
