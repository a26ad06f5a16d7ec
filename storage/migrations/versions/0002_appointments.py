"""Appointments: office rules, counsellors, interpreters, bookings, reminders, waiting list.

The partial unique indexes make the database itself refuse a double booking of a counsellor, of
an interpreter and of a client (one booked appointment each at a time).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BOOKED = "status = 'booked'"
BOOKED_WITH_INTERPRETER = "status = 'booked' AND interpreter_id IS NOT NULL"
BOOKED_WITH_CLIENT = "status = 'booked' AND client_key IS NOT NULL"


def _counsellor_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["counsellor_id"],
        ["counsellors.id"],
        name=f"fk_{table}_counsellor_id",
        ondelete="CASCADE",
    )


def _interpreter_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["interpreter_id"],
        ["interpreters.id"],
        name=f"fk_{table}_interpreter_id",
        ondelete="CASCADE",
    )


def _partial_unique(name: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        "appointments",
        columns,
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.create_table(
        "office_settings",
        sa.Column("office_id", sa.String(32)),
        sa.Column("appointment_minutes", sa.Integer, nullable=False),
        sa.Column("buffer_minutes", sa.Integer, nullable=False),
        sa.Column("horizon_days", sa.Integer, nullable=False),
        sa.Column("notice_working_days", sa.Integer, nullable=False),
        sa.Column("interpreter_notice_working_days", sa.Integer, nullable=False),
        sa.Column("languages_without_interpreter", sa.String(200), nullable=False),
        sa.Column("yearly_closures", sa.String(200), nullable=False),
        sa.Column("holiday_subdivision", sa.String(8), nullable=False),
        sa.Column("holiday_categories", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("office_id", name="pk_office_settings"),
    )
    op.create_table(
        "counsellors",
        sa.Column("id", sa.String(24)),
        sa.Column("office_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_counsellors"),
    )
    op.create_table(
        "counsellor_hours",
        sa.Column("counsellor_id", sa.String(24)),
        sa.Column("weekday", sa.Integer, autoincrement=False),
        sa.Column("opens", sa.Time),
        sa.Column("closes", sa.Time, nullable=False),
        sa.PrimaryKeyConstraint("counsellor_id", "weekday", "opens", name="pk_counsellor_hours"),
        _counsellor_fk("counsellor_hours"),
    )
    op.create_table(
        "closure_days",
        sa.Column("office_id", sa.String(32)),
        sa.Column("day", sa.Date),
        sa.PrimaryKeyConstraint("office_id", "day", name="pk_closure_days"),
    )
    for table in ("extra_slots", "blocked_slots"):
        op.create_table(
            table,
            sa.Column("counsellor_id", sa.String(24)),
            sa.Column("starts_at", sa.DateTime),
            sa.Column("ends_at", sa.DateTime, nullable=False),
            sa.PrimaryKeyConstraint("counsellor_id", "starts_at", name=f"pk_{table}"),
            _counsellor_fk(table),
        )
    op.create_table(
        "interpreters",
        sa.Column("id", sa.String(24)),
        sa.Column("office_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_interpreters"),
    )
    op.create_table(
        "interpreter_languages",
        sa.Column("interpreter_id", sa.String(24)),
        sa.Column("language", sa.String(16)),
        sa.PrimaryKeyConstraint("interpreter_id", "language", name="pk_interpreter_languages"),
        _interpreter_fk("interpreter_languages"),
    )
    op.create_table(
        "interpreter_hours",
        sa.Column("interpreter_id", sa.String(24)),
        sa.Column("weekday", sa.Integer, autoincrement=False),
        sa.Column("opens", sa.Time),
        sa.Column("closes", sa.Time, nullable=False),
        sa.PrimaryKeyConstraint("interpreter_id", "weekday", "opens", name="pk_interpreter_hours"),
        _interpreter_fk("interpreter_hours"),
    )
    op.create_table(
        "on_request_languages",
        sa.Column("office_id", sa.String(32)),
        sa.Column("language", sa.String(16)),
        sa.PrimaryKeyConstraint("office_id", "language", name="pk_on_request_languages"),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("office_id", sa.String(32), nullable=False),
        sa.Column("case_code", sa.String(8), nullable=False),
        sa.Column("client_key", sa.String(64)),
        sa.Column("counsellor_id", sa.String(24), nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("interpreter_id", sa.String(24)),
        sa.Column("interpreter_status", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("cancelled_at", sa.DateTime),
        sa.PrimaryKeyConstraint("id", name="pk_appointments"),
        sa.UniqueConstraint("case_code", name="uq_appointments_case_code"),
        sa.ForeignKeyConstraint(
            ["counsellor_id"], ["counsellors.id"], name="fk_appointments_counsellor_id"
        ),
        sa.ForeignKeyConstraint(
            ["interpreter_id"], ["interpreters.id"], name="fk_appointments_interpreter_id"
        ),
        sa.CheckConstraint(
            "status IN ('booked', 'cancelled', 'held', 'no_show', 'departed')",
            name="ck_appointments_status",
        ),
        sa.CheckConstraint(
            "interpreter_status IN ('none', 'confirmed', 'requested')",
            name="ck_appointments_interpreter_status",
        ),
        sa.CheckConstraint(
            "interpreter_id IS NULL OR interpreter_status = 'confirmed'",
            name="ck_appointments_interpreter_confirmed",
        ),
    )
    # Counsellor slots lie on one fixed grid (length + buffer), so appointments of a counsellor
    # can only overlap by starting together, which this index refuses. Interpreters serve
    # several counsellors; their overlaps are checked under a row lock before the insert.
    _partial_unique("uq_appointments_counsellor_booked", ["counsellor_id", "starts_at"], BOOKED)
    _partial_unique(
        "uq_appointments_interpreter_booked",
        ["interpreter_id", "starts_at"],
        BOOKED_WITH_INTERPRETER,
    )
    _partial_unique("uq_appointments_client_booked", ["client_key"], BOOKED_WITH_CLIENT)
    op.create_index("ix_appointments_starts_at", "appointments", ["starts_at"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("appointment_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("claimed_at", sa.DateTime),
        sa.Column("sent_at", sa.DateTime),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.UniqueConstraint("appointment_id", "kind", name="uq_reminders_appointment_id_kind"),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name="fk_reminders_appointment_id",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_reminders_due_at", "reminders", ["due_at"])
    op.create_table(
        "waiting_list",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("office_id", sa.String(32), nullable=False),
        sa.Column("client_key", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("notified_at", sa.DateTime),
        sa.PrimaryKeyConstraint("id", name="pk_waiting_list"),
        sa.UniqueConstraint("client_key", name="uq_waiting_list_client_key"),
    )
    op.create_index(
        "ix_waiting_list_language_created_at", "waiting_list", ["language", "created_at"]
    )


def downgrade() -> None:
    for table in (
        "waiting_list",
        "reminders",
        "appointments",
        "on_request_languages",
        "interpreter_hours",
        "interpreter_languages",
        "interpreters",
        "blocked_slots",
        "extra_slots",
        "closure_days",
        "counsellor_hours",
        "counsellors",
        "office_settings",
    ):
        op.drop_table(table)
