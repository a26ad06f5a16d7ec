"""The tables. Nothing here names a person: clients are keyed by a keyed hash, chats are sealed."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Time,
    UniqueConstraint,
    text,
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
    Column("channel", String(16), nullable=False, server_default="telegram"),  # the door
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
    # "telegram" / "terminal": a chat of that door; "email": the office's mailbox
    Column("channel", String(16), nullable=False, server_default="telegram"),
    # Bot API calls of these replies that reached the chat (migration 0006): a resend skips them
    Column("sent_parts", Integer, nullable=False, server_default="0"),
)

daily_counts = Table(
    "daily_counts",
    metadata,
    Column("day", Date, primary_key=True),
    Column("office_id", String(32), primary_key=True),
    Column("metric", String(32), primary_key=True),
    Column("count", Integer, nullable=False),
)

# --- appointments (migration 0002) -----------------------------------------------------------
# Office rules, the interpreter roster and bookings. Times of day are Europe/Berlin wall-clock
# times; instants (starts_at, due_at, …) are naive UTC like everywhere else in storage. Nothing
# here names a client: an appointment knows its client only by the conversation's pseudonym.

BOOKED = text("status = 'booked'")
BOOKED_WITH_INTERPRETER = text("status = 'booked' AND interpreter_id IS NOT NULL")
BOOKED_WITH_CLIENT = text("status = 'booked' AND client_key IS NOT NULL")

office_settings = Table(
    "office_settings",
    metadata,
    Column("office_id", String(32), primary_key=True),
    Column("appointment_minutes", Integer, nullable=False),
    Column("buffer_minutes", Integer, nullable=False),
    Column("horizon_days", Integer, nullable=False),
    Column("notice_working_days", Integer, nullable=False),
    Column("interpreter_notice_working_days", Integer, nullable=False),
    Column("languages_without_interpreter", String(200), nullable=False),  # "de,en"
    Column("yearly_closures", String(200), nullable=False),  # "12-24,12-31"
    Column("holiday_subdivision", String(8), nullable=False),  # "BY"
    Column("holiday_categories", String(64), nullable=False),  # "public,catholic"
)

counsellors = Table(
    "counsellors",
    metadata,
    Column("id", String(24), primary_key=True),  # short ASCII, part of slot keys: "c1"
    Column("office_id", String(32), nullable=False),
    Column("name", String(100), nullable=False),
)

counsellor_hours = Table(
    "counsellor_hours",
    metadata,
    Column(
        "counsellor_id",
        String(24),
        ForeignKey("counsellors.id", name="fk_counsellor_hours_counsellor_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("weekday", Integer, primary_key=True, autoincrement=False),  # 0 = Monday
    Column("opens", Time, primary_key=True),
    Column("closes", Time, nullable=False),
)

closure_days = Table(
    "closure_days",
    metadata,
    Column("office_id", String(32), primary_key=True),
    Column("day", Date, primary_key=True),
)

extra_slots = Table(
    "extra_slots",
    metadata,
    Column(
        "counsellor_id",
        String(24),
        ForeignKey("counsellors.id", name="fk_extra_slots_counsellor_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("starts_at", DateTime, primary_key=True),
    Column("ends_at", DateTime, nullable=False),
)

blocked_slots = Table(
    "blocked_slots",
    metadata,
    Column(
        "counsellor_id",
        String(24),
        ForeignKey("counsellors.id", name="fk_blocked_slots_counsellor_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("starts_at", DateTime, primary_key=True),
    Column("ends_at", DateTime, nullable=False),
)

interpreters = Table(
    "interpreters",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("office_id", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("active", Boolean, nullable=False),
)

interpreter_languages = Table(
    "interpreter_languages",
    metadata,
    Column(
        "interpreter_id",
        String(24),
        ForeignKey(
            "interpreters.id", name="fk_interpreter_languages_interpreter_id", ondelete="CASCADE"
        ),
        primary_key=True,
    ),
    Column("language", String(16), primary_key=True),  # a locale code: "ar", "fa_AF"
)

interpreter_hours = Table(
    "interpreter_hours",
    metadata,
    Column(
        "interpreter_id",
        String(24),
        ForeignKey(
            "interpreters.id", name="fk_interpreter_hours_interpreter_id", ondelete="CASCADE"
        ),
        primary_key=True,
    ),
    Column("weekday", Integer, primary_key=True, autoincrement=False),
    Column("opens", Time, primary_key=True),
    Column("closes", Time, nullable=False),
)

on_request_languages = Table(
    "on_request_languages",
    metadata,
    Column("office_id", String(32), primary_key=True),
    Column("language", String(16), primary_key=True),
)

appointments = Table(
    "appointments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("office_id", String(32), nullable=False),
    Column("case_code", String(8), nullable=False),
    Column("client_key", String(64)),  # the conversation's pseudonym; NULL once the client left
    Column(
        "counsellor_id",
        String(24),
        ForeignKey("counsellors.id", name="fk_appointments_counsellor_id"),
        nullable=False,
    ),
    Column("starts_at", DateTime, nullable=False),
    Column("ends_at", DateTime, nullable=False),
    Column("language", String(16), nullable=False),
    Column(
        "interpreter_id",
        String(24),
        ForeignKey("interpreters.id", name="fk_appointments_interpreter_id"),
    ),
    Column("interpreter_status", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("sequence", Integer, nullable=False),  # the .ics SEQUENCE
    Column("created_at", DateTime, nullable=False),
    Column("cancelled_at", DateTime),
    UniqueConstraint("case_code", name="uq_appointments_case_code"),
    CheckConstraint(
        "status IN ('booked', 'cancelled', 'held', 'no_show', 'departed')",
        name="ck_appointments_status",
    ),
    CheckConstraint(
        "interpreter_status IN ('none', 'confirmed', 'requested')",
        name="ck_appointments_interpreter_status",
    ),
    CheckConstraint(
        "interpreter_id IS NULL OR interpreter_status = 'confirmed'",
        name="ck_appointments_interpreter_confirmed",
    ),
    # The database itself refuses double booking. All slots of a counsellor lie on one grid
    # (length + buffer from office_settings), so two appointments of a counsellor overlap only
    # if they start together; interpreters are checked for overlap under a row lock before the
    # insert, and these indexes catch whatever that check could miss at the same start.
    Index(
        "uq_appointments_counsellor_booked",
        "counsellor_id",
        "starts_at",
        unique=True,
        sqlite_where=BOOKED,
        postgresql_where=BOOKED,
    ),
    Index(
        "uq_appointments_interpreter_booked",
        "interpreter_id",
        "starts_at",
        unique=True,
        sqlite_where=BOOKED_WITH_INTERPRETER,
        postgresql_where=BOOKED_WITH_INTERPRETER,
    ),
    # One booked appointment per client: a double tap on "confirm" cannot book twice.
    Index(
        "uq_appointments_client_booked",
        "client_key",
        unique=True,
        sqlite_where=BOOKED_WITH_CLIENT,
        postgresql_where=BOOKED_WITH_CLIENT,
    ),
    Index("ix_appointments_starts_at", "starts_at"),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "appointment_id",
        Integer,
        ForeignKey("appointments.id", name="fk_reminders_appointment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("kind", String(8), nullable=False),  # "24h" | "2h"
    Column("due_at", DateTime, nullable=False),
    Column("claimed_at", DateTime),
    Column("sent_at", DateTime),
    UniqueConstraint("appointment_id", "kind", name="uq_reminders_appointment_id_kind"),
    Index("ix_reminders_due_at", "due_at"),
)

waiting_list = Table(
    "waiting_list",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("office_id", String(32), nullable=False),
    Column("client_key", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),  # first come, first served
    Column("notified_at", DateTime),
    UniqueConstraint("client_key", name="uq_waiting_list_client_key"),
    Index("ix_waiting_list_language_created_at", "language", "created_at"),
)


audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),  # UTC
    Column("office_id", String(32), nullable=False),
    Column("staff_key", String(64), nullable=False),  # HMAC of the staff member's Telegram id
    Column("action", String(32), nullable=False),
    Column("case_code", String(16), nullable=False, server_default=""),
)

sent_messages = Table(
    "sent_messages",
    metadata,
    # Which of the bot's messages are in a client's chat, so that /delete can remove them while
    # Telegram still allows it (48 hours). The chat is named by a keyed hash, not its id.
    Column("chat_key", String(64), primary_key=True),
    Column("message_id", BigInteger, primary_key=True, autoincrement=False),
    Column("sent_at", DateTime, nullable=False, index=True),  # UTC
)

# --- the web door's return codes (migration 0007) ---------------------------------------------
# A code a web client may write down to continue on another device: only its keyed hash is kept,
# with the session token it leads back to sealed like a chat id.

web_return_codes = Table(
    "web_return_codes",
    metadata,
    Column("code_key", String(64), primary_key=True),  # HMAC-SHA256(pepper, "return:" + code)
    Column("client_key", String(64), nullable=False, index=True),  # the conversation's pseudonym
    Column("token_ref", LargeBinary, nullable=False),  # the session token, sealed with AES-GCM
    Column("created_at", DateTime, nullable=False),
)
