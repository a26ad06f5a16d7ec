"""The waiting-list job: tell waiting clients, first come first served, that a time in their
language is free (at the office whose waiting list they are on)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.service import delivery
from bot.service.delivery import Send
from flows import booking
from storage.conversations import ConversationStore
from storage.times import aware
from storage.waiting_list import WaitingList

if TYPE_CHECKING:
    from bot.assistant import Assistant


def enqueue(store: ConversationStore, now: datetime) -> int:
    """Claim the waiting clients who can now be offered a time and queue the news (each once)."""
    queued = 0
    for office in store.offices:
        with store.db.transaction() as tx:
            claimed = WaitingList(tx, office).claim_waiting_list(aware(now))
            for entry in claimed:
                news = booking.waiting_list_news(entry.language)
                store.to_client(tx, entry.client_key, (news,), now)
            queued += len(claimed)
    return queued


async def run(assistant: Assistant, send: Send) -> int:
    """Queue the news for waiting clients, then send the outbox; how many were queued."""
    return await delivery.queue_and_send(assistant, send, enqueue, "waiting-list messages")
