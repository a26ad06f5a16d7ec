"""The waiting list: clients in line for a slot in their language, told first come first served
when one is free, each told once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.offers import booked_slots, offers
from storage.records import here
from storage.roster_view import read_roster
from storage.tables import waiting_list
from storage.times import aware, naive

WAITING_HOLD = timedelta(hours=24)  # how long a client told of a free slot has it to themselves


@dataclass(frozen=True)
class WaitingEntry:
    client_key: str
    language: str
    created_at: datetime


class WaitingList:
    """The waiting list of one office, on the caller's open transaction."""

    def __init__(self, tx: Connection, office_id: str) -> None:
        self.tx = tx
        self.office_id = office_id

    def join_waiting_list(self, client_key: str, language: str, now: datetime) -> int:
        """Put the client in line for slots in `language`; return their place (1 = next).

        Joining again for the same language keeps the place; another language starts anew.
        """
        entry = self.tx.execute(
            select(waiting_list).where(waiting_list.c.client_key == client_key)
        ).first()
        if entry is None or entry.language != language or entry.notified_at is not None:
            self.tx.execute(delete(waiting_list).where(waiting_list.c.client_key == client_key))
            dialect = postgresql if self.tx.dialect.name == "postgresql" else sqlite
            self.tx.execute(
                dialect.insert(waiting_list)
                .values(
                    office_id=self.office_id,
                    client_key=client_key,
                    language=language,
                    created_at=naive(aware(now)),
                )
                .on_conflict_do_nothing()
            )
        place = self.waiting_place(client_key)
        assert place is not None
        return place

    def waiting_place(self, client_key: str) -> int | None:
        """The client's place in line for their language (1 = next), or None."""
        entry = self.tx.execute(
            select(waiting_list).where(waiting_list.c.client_key == client_key)
        ).first()
        if entry is None:
            return None
        ahead = self.tx.execute(
            select(func.count())
            .select_from(waiting_list)
            .where(
                here(waiting_list, self.office_id),
                waiting_list.c.language == entry.language,
                waiting_list.c.notified_at.is_(None),
                or_(
                    waiting_list.c.created_at < entry.created_at,
                    and_(
                        waiting_list.c.created_at == entry.created_at,
                        waiting_list.c.id < entry.id,
                    ),
                ),
            )
        ).scalar_one()
        return int(ahead) + 1

    def leave_waiting_list(self, client_key: str) -> None:
        self.tx.execute(delete(waiting_list).where(waiting_list.c.client_key == client_key))

    def claim_waiting_list(
        self, now: datetime, hold: timedelta = WAITING_HOLD
    ) -> list[WaitingEntry]:
        """Claim the clients to tell that slots in their language are free, first come first.

        Per language, as many clients as there are free slots not already promised to clients
        told within `hold`; oldest entry first. Each entry is returned once (it stays, marked,
        until the client books or leaves; after `hold` it no longer holds a slot back).
        """
        now = aware(now)
        waiting = here(waiting_list, self.office_id)
        languages = self.tx.execute(
            select(waiting_list.c.language).where(waiting, waiting_list.c.notified_at.is_(None))
        ).scalars()
        roster = read_roster(self.tx, self.office_id)
        booked = booked_slots(self.tx, self.office_id, now)
        claimed: list[WaitingEntry] = []
        for language in sorted(set(languages)):
            promised = self.tx.execute(
                select(func.count()).where(
                    waiting,
                    waiting_list.c.language == language,
                    waiting_list.c.notified_at > naive(now - hold),
                )
            ).scalar_one()
            free = len(offers(roster, booked, now, language, None)) - int(promised)
            if free <= 0:
                continue
            rows = self.tx.execute(
                select(waiting_list)
                .where(
                    waiting,
                    waiting_list.c.language == language,
                    waiting_list.c.notified_at.is_(None),
                )
                .order_by(waiting_list.c.created_at, waiting_list.c.id)
                .limit(free)
                .with_for_update(skip_locked=True)
            ).all()
            if rows:
                self.tx.execute(
                    update(waiting_list)
                    .where(waiting_list.c.id.in_([row.id for row in rows]))
                    .values(notified_at=naive(now))
                )
            claimed += [
                WaitingEntry(row.client_key, row.language, aware(row.created_at)) for row in rows
            ]
        return claimed
