"""The declared transitions are the real ones, and no event sequence breaks the journey."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import booking, intake, journey
from flows.diagram import mermaid
from flows.engine import step
from flows.model import Command, Conversation, Event, Pressed, Typed, Unsupported
from flows.ports import OfficeChoice
from tests.flows.helpers import TWO_OFFICES, Client, context, values
from tests.flows.test_booking import FakeBook

KNOWN_STATES = {s for edge in journey.EDGES for s in edge[:2]} - {"[*]", "any", "previous"}


def allowed(source: str, target: str | None) -> bool:
    target = target or "[*]"
    if source == target:
        return True
    return any(a in (source, "any") and b in (target, "previous") for a, b, _ in journey.EDGES)


@pytest.mark.parametrize("offices", [(), TWO_OFFICES], ids=["one office", "two offices"])
def test_every_button_leads_along_a_declared_transition(offices: tuple[OfficeChoice, ...]) -> None:
    """Check that pressing any button shown in any reachable state follows a declared edge."""
    ctx = dataclasses.replace(context(), bookings=FakeBook(), offices=offices)
    start = Client()
    start.send(Command("start"))
    assert start.conv is not None
    seen: set[tuple[str, str]] = set()
    queue: list[Conversation] = [start.conv]
    explored = 0
    while queue and explored < 400:
        conv = queue.pop(0)
        explored += 1
        for value in {
            v
            for r in journey.prompt(conv, ctx)
            for row in r.buttons
            for v in (b.value for b in row)
        }:
            outcome = step(conv, Pressed(value), ctx)
            after = outcome.conversation
            assert allowed(conv.state, after.state if after else None), (conv.state, value)
            if after is not None and (after.state, repr(sorted(after.data.to_json()))) not in seen:
                seen.add((after.state, repr(sorted(after.data.to_json()))))
                queue.append(after)
    reached = {state for state, _ in seen}
    assert {
        journey.MENU,
        journey.SUMMARY,
        journey.DELETE,
        *(f"intake.{q.slot}" for q in intake.QUESTIONS),
        *booking.STATES,
        *([journey.OFFICE] if offices else []),
    } <= reached


def test_the_diagram_shows_every_state() -> None:
    """Check that the Mermaid diagram names every state the journey declares."""
    diagram = mermaid()
    assert diagram.startswith("stateDiagram-v2")
    for state in KNOWN_STATES:
        assert f'"{state}"' in diagram


BUTTON_VALUES = [
    "lang:de",
    "lang:ar",
    "lang:xx",
    "privacy:accept",
    "privacy:leave",
    "menu",
    "m:intake",
    "m:contact",
    "m:language",
    "m:delete",
    "m:office",
    "office:augsburg",
    "office:nowhere",
    "sum:ok",
    "sum:edit:note",
    "del:yes",
    "del:no",
    "a:country:IQ",
    "a:adults:3",
    "a:minors:0",
    "a:interests:done",
    "a:interests:travel",
    "b:int:none",
    "b:int:fa_AF",
    "b:interpreter",
    "sum:book",
    "a:note:skip",
    "a:situation:zzz",
    "",
]
events = st.one_of(
    st.builds(Typed, st.text(max_size=300)),
    st.builds(
        Typed,
        st.sampled_from(
            ["Irak", "2", "٣", "Deutsch", "Done", "Menu", "x" * 4000, "86150", "Fürstenfeldbruck"]
        ),
    ),
    st.builds(Pressed, st.sampled_from(BUTTON_VALUES) | st.text(max_size=64)),
    st.builds(
        Command, st.sampled_from(["start", "menu", "help", "delete", "privacy", "language", "foo"])
    ),
    st.builds(Unsupported, st.sampled_from(["sticker", "photo", "contact", "forwarded", "edited"])),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events, max_size=40), st.sampled_from([(), TWO_OFFICES]))
def test_any_sequence_of_events_always_gets_an_answer(
    sequence: list[Event], offices: tuple[OfficeChoice, ...]
) -> None:
    """Check that random events never raise, always get a reply, and keep a known state."""
    ctx = dataclasses.replace(context(hint="de"), offices=offices)
    conv: Conversation | None = None
    for event in sequence:
        outcome = step(conv, event, ctx)
        assert outcome.replies, event
        conv = outcome.conversation
        if conv is not None:
            assert conv.state in KNOWN_STATES
            assert conv.locale is None or conv.locale in ctx.locales
            assert conv.office in ("", *(o.id for o in offices))


def test_button_values_never_carry_translated_text() -> None:
    """Check that every button value is short ASCII, whatever the language."""
    client = Client(hint="ar")
    client.send(Command("start"))
    for value in values(client.last):  # type: ignore[arg-type]
        assert value.isascii() and len(value.encode()) <= 64
