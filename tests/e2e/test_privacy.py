"""Nothing to hand over: a whole journey with sentinel identities leaves none of them anywhere."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.logs import RedactingFormatter, quiet_libraries
from bot.service import reminders
from storage.tables import appointments, metadata
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory
from tests.e2e.staff_fixtures import Mailbox
from tests.e2e.test_staff import (  # noqa: F401 (fixtures)
    STAFF_CHAT,
    book,
    flush,
    in_staff_chat,
    settings,
    staffer,
)
from tests.e2e.test_telegram import BAD_INPUTS, database_dump

SENTINELS = (
    "7300000001337",
    "Sentinelfirst",
    "Sentinellast",
    "sentinel_username",
    "4917655501234",
    "Sentinelcontact",
    "Sentinelthird",
    "7300000009999",
    "Sentinelforwarded",
    "5550 1234",
    "sentinel@example.org",
)

REDACTING = RedactingFormatter()  # what the operator sees: the line with its traceback


async def test_no_sentinel_survives_a_whole_journey(
    telegram: Harness,
    user: UpdateFactory,
    staffer: UpdateFactory,
    mailbox: Mailbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Check that names, ids, a shared phone, a forwarded third party and a typed phone number
    reach no table, log line, staff message or e-mail; and after /delete nothing points back."""
    quiet_libraries()
    caplog.set_level(logging.DEBUG)
    await telegram.send(
        user.message(**BAD_INPUTS["contact"]), user.message(**BAD_INPUTS["forwarded"])
    )
    code = await book(telegram, user)
    await telegram.send(
        user.press("m:intake"),
        user.press("sum:edit:note"),
        user.message("Ruf an: 0176 5550 1234 oder sentinel@example.org"),
        user.press("sum:ok"),
    )
    with telegram.assistant.db.transaction() as tx:
        start = tx.execute(select(appointments.c.starts_at)).scalar_one()
    telegram.assistant.clock.now = start - timedelta(minutes=90)  # type: ignore[attr-defined]
    await reminders.run(telegram.assistant, telegram.door.sender(telegram.application.bot))
    await telegram.send(in_staff_chat(staffer.message(f"/case {code}")))
    await telegram.send(user.press("m:appt"), user.press("b:cancel"), user.press("b:cancel:yes"))
    await flush(telegram)
    key = telegram.assistant.settings.keyring.client_key("telegram", "7300000001337")
    before = database_dump(telegram)
    assert key in before  # the pseudonym is there while the client is
    await telegram.send(user.message("/delete"), user.press("del:yes"))
    await flush(telegram)

    staff_texts = [
        p["text"]
        for m, p in telegram.api.calls
        if m == "sendMessage" and p["chat_id"] == STAFF_CHAT
    ]
    mails = [m.get_payload(decode=True).decode() for m in mailbox.received]
    logs = "\n".join(f"{r.getMessage()}\n{REDACTING.format(r)}" for r in caplog.records)
    after = database_dump(telegram)
    assert len(staff_texts) >= 3 and len(mails) >= 2 and "step Pressed" in logs
    for place, text in (
        ("database", before),
        ("database after /delete", after),
        ("logs", logs),
        ("staff chat", "\n".join(staff_texts)),
        ("mail", "\n".join(mails)),
    ):
        for sentinel in SENTINELS:
            assert sentinel not in text, (place, sentinel)
    chat_key = telegram.assistant.settings.keyring.client_key("chat", "7300000001337")
    assert key not in after and chat_key not in after  # no row references the client any more
    with telegram.assistant.db.transaction() as tx:
        for table in metadata.sorted_tables:
            if "client_key" in table.c:
                assert tx.execute(select(table).where(table.c.client_key == key)).all() == []


async def test_a_client_cannot_reach_another_clients_appointment(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that another client's booking, move, cancel or staff buttons never touch this booking."""
    code = await book(telegram, user)
    other = UpdateFactory(user_id=7300000005555, first="Other", last="Client", username="other")
    other.next_id = 20000
    for update in (
        other.message("/start"),
        other.press("lang:de"),
        other.press("privacy:accept"),
        other.press("b:cancel:yes"),
        other.press("b:move"),
        other.press("b:ics"),
        other.press(f"s:cancel:{code}"),
        other.press(f"s:held:{code}"),
        other.message(f"/cancel {code} weg damit"),
    ):
        await telegram.send(update)
    replies_to_other = " ".join(
        p["text"]
        for m, p in telegram.api.calls
        if m == "sendMessage" and p["chat_id"] == 7300000005555
    )
    assert code not in replies_to_other
    with telegram.assistant.db.transaction() as tx:
        assert tx.execute(select(appointments.c.status, appointments.c.sequence)).one() == (
            "booked",
            0,
        )
