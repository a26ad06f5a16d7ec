"""The retention job: forget old update ids, message ids and audit entries, and delete what the
retention period says is no longer needed (only anonymous counts outlive it)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from storage.web_pages import WebPages

if TYPE_CHECKING:
    from bot.assistant import Assistant

log = logging.getLogger(__name__)

PROCESSED_UPDATES_KEPT = timedelta(days=2)  # Telegram re-sends an update for at most 24 hours
EVERY = 3600.0  # seconds between rounds: PRIVACY.md's "hourly", whichever door runs the job


async def run(assistant: Assistant) -> None:
    retention, settings, now = assistant.retention, assistant.settings, assistant.clock()
    await asyncio.to_thread(retention.prune_processed, now - PROCESSED_UPDATES_KEPT)
    await asyncio.to_thread(retention.prune_audit, now - timedelta(days=settings.audit_days))
    await asyncio.to_thread(retention.prune_sent, now)
    await asyncio.to_thread(WebPages(assistant.db, settings.keyring).prune, now)
    before = now - timedelta(days=settings.retention_days)
    purged = await asyncio.to_thread(retention.purge_silent, before)
    ended = await asyncio.to_thread(retention.purge_appointments, before)
    if purged or ended:
        log.info("retention: deleted %d conversations and %d appointments", purged, ended)
