"""Fuzzing the whole stack: random events through PTB, the door, the flows and storage."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.demo import seed_demo_office
from flows.journey import EDGES
from storage.tables import conversations
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import UpdateFactory
from tests.e2e.test_telegram import BAD_INPUTS

STATES = {s for edge in EDGES for s in edge[:2]} - {"[*]", "any", "previous"}
VALUES = [
    "lang:de",
    "lang:en",
    "privacy:accept",
    "privacy:leave",
    "menu",
    "m:intake",
    "m:support",
    "m:contact",
    "m:book",
    "m:appt",
    "m:estimate",
    "m:delete",
    "sum:ok",
    "sum:edit:country",
    "a:country:IQ",
    "a:adults:2",
    "a:minors:0",
    "a:interests:done",
    "b:int:none",
    "b:int:ar",
    "sum:book",
    "a:note:skip",
    "b:slot:c1-202612011000",
    "b:ok",
    "b:later",
    "b:wait",
    "b:cancel",
    "b:cancel:yes",
    "del:yes",
    "del:no",
    "s:held:ABCDEFGH",
    "x" * 64,
]
TEXTS = [
    "/start",
    "/menu",
    "/help",
    "/delete",
    "/language",
    "/privacy",
    "/agenda",
    "Irak",
    "2",
    "٣",
    "Deutsch",
    "🙂",
    "x" * 4000,
    "مرحبا",
    "Fertig",
]
ids = itertools.count(10_000_000)


def event(kind: str, payload: Any, user: UpdateFactory) -> dict[str, Any]:
    if kind == "press":
        return user.press(payload)
    if kind == "text":
        return user.message(payload)
    if kind == "edit":
        return user.edited(payload)
    return user.message(**BAD_INPUTS[payload])


events = st.one_of(
    st.tuples(st.just("press"), st.sampled_from(VALUES) | st.text(min_size=1, max_size=64)),
    st.tuples(st.just("text"), st.sampled_from(TEXTS) | st.text(min_size=1, max_size=200)),
    st.tuples(st.just("edit"), st.just("Syrien")),
    st.tuples(st.just("media"), st.sampled_from(sorted(BAD_INPUTS))),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(events, min_size=1, max_size=12))
async def test_any_sequence_of_updates_always_gets_an_answer(
    telegram: Harness, sequence: list[tuple[str, Any]]
) -> None:
    """Check that random updates never raise, each gets an answer, and the state stays known."""
    seed_demo_office(telegram.assistant.db, "muenchen")
    user = UpdateFactory(user_id=next(ids))
    user.next_id = next(ids) * 100
    key = telegram.assistant.settings.keyring.client_key("telegram", str(user.user["id"]))
    for kind, payload in sequence:
        telegram.take_calls()
        assert await telegram.send(event(kind, payload, user)) == set()  # every step committed
        sent = [m for m, _ in telegram.take_calls() if m in ("sendMessage", "editMessageText")]
        assert sent, (kind, payload)
        with telegram.assistant.db.transaction() as tx:
            state = tx.execute(
                select(conversations.c.state).where(conversations.c.client_key == key)
            ).scalar_one_or_none()
        assert state is None or state in STATES
