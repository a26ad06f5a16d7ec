"""Retention with a frozen clock: exactly what the schedule says goes, and the counts stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.service import retention
from storage.tables import appointments, conversations
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory
from tests.e2e.test_booking import book_first_time


def count(telegram: Harness, table: object) -> int:
    with telegram.assistant.db.transaction() as tx:
        return int(tx.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


async def test_retention_deletes_exactly_what_the_schedule_says(telegram: Harness) -> None:
    """Check that a silent intake goes after 30 days, a booked client stays until 30 days after
    the appointment, the appointment goes then too, and the anonymous counts remain."""
    silent, booked = UpdateFactory(user_id=1111), UpdateFactory(user_id=2222)
    booked.next_id = 9000  # update ids are unique per bot, not per user
    for update in (
        silent.message("/start"),
        silent.press("lang:de"),
        silent.press("privacy:accept"),
    ):
        await telegram.send(update)
    await book_first_time(telegram, booked)
    assert count(telegram, conversations) == 2 and count(telegram, appointments) == 1
    clock = telegram.assistant.clock
    with telegram.assistant.db.transaction() as tx:
        ends = tx.execute(select(appointments.c.ends_at)).scalar_one()

    clock.now += timedelta(days=30, minutes=1)  # type: ignore[attr-defined]
    assert (
        telegram.assistant.retention.purge_silent(clock.now - timedelta(days=30), dry_run=True) == 1
    )
    await retention.run(telegram.assistant)
    assert count(telegram, conversations) == 1 and count(telegram, appointments) == 1

    clock.now = ends + timedelta(days=29)  # type: ignore[attr-defined]
    await retention.run(telegram.assistant)
    assert count(telegram, appointments) == 1  # not yet 30 days after it took place

    clock.now = ends + timedelta(days=30, minutes=1)  # type: ignore[attr-defined]
    await retention.run(telegram.assistant)
    await retention.run(telegram.assistant)  # the conversation goes once its appointment is gone
    assert count(telegram, appointments) == 0 and count(telegram, conversations) == 0
    assert telegram.assistant.store.figures().conversations == 2
