"""The web door's pages, kept in the outbox: a web client has no chat to push to, so replies
wait there until the browser asks, and the replies last shown stay as the client's current page.

A reload, a form submitted twice or another instance behind the same proxy shows that page from
the database; a reminder or waiting-list news queued meanwhile (or the replies of a step whose
instance stopped before showing them) is put in front of it at the next visit. Nothing of a web
client lives in a process, so a restart loses nothing. A page is forgotten `PAGE_KEPT` after it
was shown, at /delete and when the retention deletes the conversation (`forget_queued`); the
goodbye after /delete is never stored (`Incoming.answers_in_response`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update

from storage.crypto import Keyring
from storage.db import Database
from storage.outbox import APPOINTMENT, PAGE_OF, SHOWN, WEB, Delivery, delivery_of, outdated
from storage.tables import conversations, outbox

PAGE_KEPT = timedelta(hours=2)  # then a visit starts from the conversation's state again


class WebPages:
    def __init__(self, db: Database, keyring: Keyring) -> None:
        self.db, self.keyring = db, keyring

    async def show(
        self, client: str, now: datetime, step: Delivery | None = None
    ) -> Delivery | None:
        """The client's page: the replies of `step` (just committed) or else the page shown
        last, with whatever came for them since in front; recorded as shown, in one
        transaction. None when there is nothing to show (a new or a forgotten session).

        Committed without an fsync of its own, like a mark of a message sent (on SQLite it
        shares the writer's transaction with the steps of other clients): lost only to a power
        cut, and then the step's replies are still waiting and shown at the next visit."""
        shown = await self.db.run(partial(self._show, client=client, now=now, step=step), False)
        return None if shown is None else delivery_of(shown, self.keyring, None)

    def _show(
        self, tx: Connection, *, client: str, now: datetime, step: Delivery | None
    ) -> Row[Any] | None:
        rows = _rows(tx, client)
        if stale := outdated(tx, rows, now):  # a reminder of a time that no longer holds
            tx.execute(delete(outbox).where(outbox.c.id.in_(stale)))
            rows = [r for r in rows if r.id not in stale]
        pages = [r for r in rows if r.attempts == SHOWN and r.next_attempt_at > now]
        news = [  # a step that its instance is still showing (within its lease) waits
            r
            for r in rows
            if r.attempts >= 0
            and r.next_attempt_at <= now
            and (step is None or r.id != step.outbox_id)
        ]
        if step is None and not news:
            return pages[-1] if pages else None
        if step is not None:
            kept = next((r for r in rows if r.id == step.outbox_id), None)
            if kept is None:  # deleted meanwhile (/delete from another tab)
                return None
        else:
            kept = pages[-1] if pages else news.pop()
        shown = (*news, kept)
        replies = [raw for row in shown for raw in row.payload["replies"]]
        # What the page's reminders remind of: it is not shown again once that has changed.
        reminding = [entry for row in shown for entry in row.payload.get(APPOINTMENT, [])]
        news_ids = {r.id for r in news}
        gone = [r.id for r in rows if r.id != kept.id and (r.id in news_ids or r.attempts == SHOWN)]
        if gone:
            tx.execute(delete(outbox).where(outbox.c.id.in_(gone)))
        payload = {**kept.payload, "replies": replies}
        if reminding:
            payload[APPOINTMENT] = reminding
        tx.execute(
            update(outbox)
            .where(outbox.c.id == kept.id)
            .values(payload=payload, attempts=SHOWN, next_attempt_at=now + PAGE_KEPT)
        )
        return tx.execute(select(outbox).where(outbox.c.id == kept.id)).one()

    def prune(self, now: datetime) -> int:
        """Forget pages nobody has asked for within `PAGE_KEPT`, and every web row that no
        conversation stands behind any more (nobody could ever ask for it: a goodbye an older
        version stored, news for a conversation deleted or moved to a new pepper)."""
        old = (outbox.c.attempts == SHOWN) & (outbox.c.next_attempt_at <= now)
        page_of = outbox.c.payload[PAGE_OF].as_string()
        orphan = (outbox.c.channel == WEB) & (
            page_of.is_(None) | page_of.not_in(select(conversations.c.client_key))
        )
        gone = delete(outbox).where(old | orphan)
        return int(self.db.write(lambda tx: tx.execute(gone).rowcount))


def _rows(tx: Connection, client: str) -> Sequence[Row[Any]]:
    """The client's web rows, oldest first, locked against a request of theirs elsewhere."""
    return tx.execute(
        select(outbox)
        .where(outbox.c.channel == WEB, outbox.c.payload[PAGE_OF].as_string() == client)
        .order_by(outbox.c.id)
        .with_for_update()
    ).all()
