"""The agenda job: each office's appointments of the day to its staff, once per working day
after the office's configured time, however many instances run."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from bot.service import delivery
from bot.service.delivery import Send
from flows import staff
from flows.clock import BERLIN
from flows.model import Command
from flows.schedule import OpeningRules, is_closed
from storage.conversations import ConversationStore
from storage.desk import StoredDesk
from storage.times import aware

if TYPE_CHECKING:
    from bot.assistant import Assistant

OFFICE_DAYS = OpeningRules(hours={})  # weekends, Bavarian holidays, 24 and 31 December: closed


def enqueue(store: ConversationStore, office: str, now: datetime, today: date) -> bool:
    """The office's agenda of `today` to its staff, unless an instance queued it already."""
    with store.db.transaction() as tx:
        if not store.claim_agenda(tx, today, office):
            return False
        desk = StoredDesk(tx, office, aware(now))
        for reply in staff.step(Command("agenda"), desk, now, today)[0]:
            store.to_staff(tx, reply, now, office)
        return True


async def run(assistant: Assistant, send: Send) -> bool:
    """Queue the agenda of every office whose time has come (not on days the offices are
    closed), then send the outbox; whether anything was queued."""
    now = assistant.clock()
    local = now.replace(tzinfo=UTC).astimezone(BERLIN)
    if is_closed(local.date(), OFFICE_DAYS):
        return False
    queued = False
    for office in assistant.settings.offices:
        if local.time() >= office.agenda_time:
            queued |= await asyncio.to_thread(
                enqueue, assistant.store, office.id, now, local.date()
            )
    if queued:
        await delivery.flush(assistant, send)
    return queued
