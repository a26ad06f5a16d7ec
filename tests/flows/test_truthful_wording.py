"""Wording that tells the truth about state: "will be" before the client confirms, "is" after;
a move names the old and the new time; /delete names the appointment it cancels; a skipped
household answer reads as not answered, with what was counted instead."""

from __future__ import annotations

from datetime import timedelta

from flows import journey, support_screens
from flows.model import (
    Button,
    Command,
    Conversation,
    Param,
    Pressed,
    Reply,
    Template,
    Text,
    Unsupported,
    When,
)
from flows.text import t
from tests.flows.helpers import Client
from tests.flows.test_booking import START, FakeBook, client_with
from tests.flows.test_support_screens import accepted, estimate_of, intake_done


def body_text(reply: Reply) -> list[str]:
    """The msgids a reply shows: its own, or those of its template's parameters."""
    if isinstance(reply.body, Text):
        return [reply.body.msgid]
    return [p.msgid for p in reply.body.params.values() if isinstance(p, Text)]


def booked(book: FakeBook, locale: str = "de") -> Client:
    client = client_with(book, locale)
    for value in ("m:book", "b:int:none", "b:slot:c1-00", "b:ok"):
        client.send(Pressed(value))
    assert book.held is not None
    return client


def test_moving_names_the_old_and_the_new_time_before_and_after() -> None:
    """Check that moving says "will be moved from <old> to <new>" before the client confirms,
    "is moved from <old> to <new>" after, and leaves exactly one appointment, at the new time."""
    book = FakeBook()
    client = booked(book)
    old, new = When(START), When(START + timedelta(hours=3))
    client.send(Pressed("m:appt"))
    times = client.send(Pressed("b:move"))
    stays = times.replies[-1].body
    assert isinstance(stays, Text) and "stays on {when} until you confirm" in stays.msgid
    assert stays.params["when"] == old
    asked = client.send(Pressed("b:slot:c1-03")).replies[-1]
    assert isinstance(asked.body, Template) and asked.body.name == "booking_confirm"
    change = asked.body.params["when"]
    assert isinstance(change, Text) and change.msgid.endswith("will be moved from {old} to {new}.")
    assert (change.params["old"], change.params["new"]) == (old, new)
    assert asked.buttons[0][0] == Button("b:ok", t("Yes, move it"))
    assert book.held is not None and book.held.start == START  # nothing moved yet
    done = client.send(Pressed("b:ok")).replies[0]
    assert isinstance(done.body, Template) and done.body.name == "booking_done"
    headline = done.body.params["headline"]
    assert isinstance(headline, Text) and headline.msgid.endswith("is moved from {old} to {new}.")
    assert (headline.params["old"], headline.params["new"]) == (old, new)
    assert "when" not in done.body.params  # the new time is in the headline, not twice
    assert book.held.start == START + timedelta(hours=3)  # one appointment, at the new time
    assert book.held.sequence == 1


def test_a_new_booking_says_will_be_booked_before_and_is_booked_after() -> None:
    """Check that the confirmation screen of a new booking says "will be booked" and the result
    "is booked", and names no old time."""
    book = FakeBook()
    client = client_with(book)
    for value in ("m:book", "b:int:none"):
        client.send(Pressed(value))
    asked = client.send(Pressed("b:slot:c1-00")).replies[-1]
    assert isinstance(asked.body, Template)
    assert asked.body.params["when"] == When(START)
    assert any("will be booked" in m for m in body_text(asked))
    done = client.send(Pressed("b:ok")).replies[0]
    assert isinstance(done.body, Template)
    assert done.body.params["headline"] == Text("Your appointment is booked.")


def test_every_confirmation_question_says_what_will_happen() -> None:
    """Check that each screen that asks the client to confirm a change says "will be" and no
    "is booked"/"is cancelled" before the change is made."""
    book = FakeBook()
    client = booked(book)
    questions: list[Reply] = []
    for values in (("m:appt", "b:move", "b:slot:c1-04"), ("m:appt", "b:cancel")):
        for value in values:
            outcome = client.send(Pressed(value))
        questions.append(outcome.replies[-1])
        client.send(Pressed("menu"))
    questions.append(client.send(Command("delete")).replies[-1])
    fresh = client_with(FakeBook())
    for value in ("m:book", "b:int:ar", "b:slot:c1-00"):
        outcome = fresh.send(Pressed(value))
    questions.append(outcome.replies[-1])
    for question in questions:
        shown = " ".join(body_text(question))
        assert "will be" in shown, shown
        assert not any(f"is {done}" in shown for done in ("booked", "moved", "cancelled")), shown
    assert book.held is not None  # nothing was changed by asking


def test_cancelling_names_the_time_in_the_question() -> None:
    """Check that "cancel the appointment?" names the appointment's time."""
    client = booked(FakeBook())
    client.send(Pressed("m:appt"))
    asked = client.send(Pressed("b:cancel")).replies[-1].body
    assert isinstance(asked, Text) and asked.params["when"] == When(START)
    assert asked.msgid.startswith("Your appointment on {when} will be cancelled.")


def test_delete_names_the_appointment_it_cancels_and_the_goodbye_confirms_it() -> None:
    """Check that /delete with an appointment names it in the question and confirms its
    cancellation in the goodbye; without one, neither mentions an appointment."""
    client = booked(FakeBook())
    asked = client.send(Command("delete")).replies[-1].body
    assert isinstance(asked, Text) and asked.params["when"] == When(START)
    assert "Your appointment on {when} will be cancelled too." in asked.msgid
    goodbye = client.send(Pressed("del:yes")).replies[-1].body
    assert isinstance(goodbye, Template) and goodbye.name == "deleted"
    cancelled = goodbye.params["cancelled"]
    assert isinstance(cancelled, Text) and cancelled.params["when"] == When(START)
    assert cancelled.msgid == "Your appointment on {when} is cancelled."
    none = client_with(FakeBook())
    asked = none.send(Command("delete")).replies[-1].body
    goodbye = none.send(Pressed("del:yes")).replies[-1].body
    assert isinstance(asked, Text) and "appointment" not in asked.msgid and not asked.params
    assert isinstance(goodbye, Template) and "cancelled" not in goodbye.params


def test_an_edited_message_is_answered_with_what_to_do() -> None:
    """Check that an edit is answered with "send it again as a new message" and keeps the step."""
    client = accepted()
    client.send(Pressed("m:intake"))
    before = client.conv
    outcome = client.send(Unsupported("edited"))
    assert client.conv == before
    said = outcome.replies[0].body
    assert isinstance(said, Text) and "send it again as a new message" in said.msgid


def household_lines(answers: dict[str, object]) -> tuple[Param, Param, Param]:
    conv = Conversation(journey.MENU, "en", answers=answers)
    ctx = accepted().ctx
    shown = support_screens.estimate_replies(conv, ctx)[0].body
    assert isinstance(shown, Template) and shown.name == "estimate"
    return shown.params["adults"], shown.params["minors"], shown.params["assumed"]


def test_skipped_household_answers_read_as_not_answered_with_what_was_counted() -> None:
    """Check that a skipped number of adults or children shows as "Not answered", and the
    estimate says it counted one adult and no children instead; given answers show as given."""
    not_answered = Text("not said", context="estimate")
    adults, minors, assumed = household_lines({"country": "IQ"})
    assert adults == minors == not_answered
    assert isinstance(assumed, Text) and assumed.msgid.startswith(
        "Counted as one adult, no children"
    )
    adults, minors, assumed = household_lines({"adults": 2})
    assert (adults, minors) == (2, not_answered)
    assert isinstance(assumed, Text) and assumed.msgid.startswith("Counted with no children")
    adults, minors, assumed = household_lines({"minors": 0})
    assert (adults, minors) == (not_answered, 0)
    assert isinstance(assumed, Text) and assumed.msgid.startswith("Counted as one adult,")
    assert household_lines({"adults": 1, "minors": 0})[2] == ""
    client = accepted()
    outcome = intake_done(client, country="IQ")
    shown = estimate_of(outcome).body
    assert isinstance(shown, Template)
    assert shown.params["assumed"] == support_screens.assumed_household({})
