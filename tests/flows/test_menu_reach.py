"""From every screen the client can reach, the menu is one tap away (the final goodbye aside)."""

from __future__ import annotations

import dataclasses

import pytest

from flows import booking, journey, staff
from flows.engine import step
from flows.model import (
    Command,
    Conversation,
    Event,
    Outcome,
    Pressed,
    Reply,
    TellClient,
    Typed,
    Unsupported,
)
from flows.ports import AppointmentView, Case, OfficeChoice
from flows.states import MENU, MENU_BUTTON
from tests.flows.helpers import TWO_OFFICES, Client, context
from tests.flows.test_booking import START, FakeBook

EXTRA_EVENTS: tuple[Event, ...] = (
    *(Command(name) for name in ("start", "menu", "help", "privacy", "language", "delete", "x")),
    Typed("hello?"),
    Typed("7"),
    Unsupported("sticker"),
    Unsupported("edited"),
    Pressed("b:old-button"),
)


def offers_menu(reply: Reply) -> bool:
    """The reply has a "Menu" button, or is the menu itself."""
    values = {button.value for row in reply.buttons for button in row}
    return MENU_BUTTON.value in values or {"m:support", "m:contact"} <= values


def check(outcome: Outcome, before: Conversation, event: Event) -> None:
    after = outcome.conversation
    if after is None or not after.data.accepted:  # the goodbye; the steps before the notice
        return
    last = outcome.replies[-1]
    assert offers_menu(last), (before.state, event, after.state, last.body)


def explore(offices: tuple[OfficeChoice, ...], book: FakeBook) -> set[str]:
    """Press every button of every screen reachable from /start (and send the other kinds of
    input there); check each answer. Returns the states reached."""
    ctx = dataclasses.replace(context(), bookings=book, offices=offices)
    start = Client()
    start.ctx = ctx
    start.send(Command("start"))
    assert start.conv is not None
    seen: set[tuple[str, str, str]] = set()
    queue: list[Conversation] = [start.conv]
    while queue and len(seen) < 500:
        conv = queue.pop(0)
        shown = {b.value for r in journey.prompt(conv, ctx) for row in r.buttons for b in row}
        events = [Pressed(value) for value in sorted(shown)] + list(EXTRA_EVENTS)
        for event in events:
            held = book.held
            outcome = step(conv, event, ctx)
            check(outcome, conv, event)
            book.held = held  # every branch starts from the same appointment book
            after = outcome.conversation
            if after is None:
                continue
            key = (after.state, repr(sorted(after.data.to_json())), repr(sorted(after.answers)))
            if key not in seen:
                seen.add(key)
                queue.append(after)
    return {state for state, _, _ in seen}


@pytest.mark.parametrize("offices", [(), TWO_OFFICES], ids=["one office", "two offices"])
@pytest.mark.parametrize("holding", [False, True], ids=["no appointment", "an appointment"])
def test_every_screen_offers_the_menu_in_one_tap(
    offices: tuple[OfficeChoice, ...], holding: bool
) -> None:
    """Check that every answer to every button, command or text, on every reachable screen after
    the privacy notice, ends with a message that has a "Menu" button (or is the menu)."""
    book = FakeBook()
    if holding:
        book.held = book._view(book.slots[2])
    reached = explore(offices, book)
    assert {MENU, booking.SLOTS, booking.CONFIRM, journey.SUMMARY, journey.DELETE} <= reached
    if holding:  # moving, cancelling
        assert {booking.APPOINTMENT, booking.CANCEL} <= reached
    else:
        assert booking.INTERPRETER in reached


def test_messages_sent_without_a_step_offer_the_menu() -> None:
    """Check that reminders, waiting-list news and a cancellation by the office offer the menu."""
    view = FakeBook()._view(FakeBook().slots[0])
    assert offers_menu(booking.reminder(view, "24h"))
    assert offers_menu(booking.waiting_list_news("ar"))
    assert offers_menu(_office_cancellation(view))


class _OneCaseDesk:
    """Just enough of the staff desk for one /cancel: a booked case, cancelled when asked."""

    def __init__(self, view: AppointmentView) -> None:
        self.view = view

    def case(self, code: str) -> Case | None:
        return Case(self.view, "client-key", {}, "ar") if code == self.view.case_code else None

    def cancel(self, code: str) -> Case | None:
        found = self.case(code)
        if found is None:
            return None
        cancelled = dataclasses.replace(self.view, status="cancelled", sequence=1)
        return dataclasses.replace(found, appointment=cancelled)


def _office_cancellation(view: AppointmentView) -> Reply:
    """The message a client gets when staff cancel their appointment with /cancel."""
    desk = _OneCaseDesk(view)
    command = Command("cancel", f"{view.case_code} The counsellor is ill.")
    _, effects = staff.step(command, desk, START, START.date())  # type: ignore[arg-type]
    told = [e for e in effects if isinstance(e, TellClient)]
    assert told
    return told[0].reply
