"""The tables, by concept; each table and column carries its privacy description (`info`, see
storage/privacy.py). Nothing here names a person: clients are keyed by a keyed hash, chats are
sealed."""

# isort: off
# The import order is the order of `metadata.tables`, and so of PRIVACY.md's tables.
from storage.tables.base import metadata
from storage.tables.conversations import conversations, daily_counts, outbox, processed_updates
from storage.tables.office import (
    blocked_slots,
    closure_days,
    counsellor_hours,
    counsellors,
    extra_slots,
    interpreter_hours,
    interpreter_languages,
    interpreters,
    office_settings,
    on_request_languages,
)
from storage.tables.appointments import appointments, audit_log, reminders, waiting_list
from storage.tables.doors import sent_messages, web_return_codes

# isort: on

__all__ = [
    "appointments",
    "audit_log",
    "blocked_slots",
    "closure_days",
    "conversations",
    "counsellor_hours",
    "counsellors",
    "daily_counts",
    "extra_slots",
    "interpreter_hours",
    "interpreter_languages",
    "interpreters",
    "metadata",
    "office_settings",
    "on_request_languages",
    "outbox",
    "processed_updates",
    "reminders",
    "sent_messages",
    "waiting_list",
    "web_return_codes",
]
