"""The reminders job: queue each due reminder exactly once, in its client's language."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.service import delivery
from bot.service.delivery import Send
from flows import booking
from storage.booking_port import view
from storage.conversations import ConversationStore
from storage.reminders import Reminders
from storage.times import aware

if TYPE_CHECKING:
    from bot.assistant import Assistant


def enqueue(store: ConversationStore, now: datetime) -> int:
    """Claim the due reminders of every office and queue them, claimed and queued in one
    transaction, so that however many instances run each goes out once. How many were queued."""
    queued = 0
    for office in store.offices:
        with store.db.transaction() as tx:
            book = Reminders(tx, office)
            due = book.claim_due_reminders(aware(now))
            for item in due:
                appointment = item.appointment
                if appointment.client_key is not None:
                    message = booking.reminder(view(appointment), item.kind)
                    reminds = (appointment.id, appointment.sequence)
                    store.to_client(tx, appointment.client_key, (message,), now, reminds)
                book.mark_reminder_sent(item.id, aware(now))
            queued += len(due)
    return queued


async def run(assistant: Assistant, send: Send) -> int:
    """Queue the due reminders, then send the outbox; how many were queued."""
    return await delivery.queue_and_send(assistant, send, enqueue, "reminders")
