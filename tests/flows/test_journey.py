"""The client journey as a pure state machine: state + event -> state + replies + effects."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows import intake, journey, model
from flows.model import (
    Command,
    ConversationStarted,
    DeleteClientData,
    IntakeCompleted,
    Pressed,
    Template,
    Text,
    Typed,
    Unsupported,
)
from tests.flows.helpers import Client, msgids, values


def accepted(locale: str = "en") -> Client:
    client = Client()
    client.send(Command("start"))
    client.send(Pressed(f"lang:{locale}"))
    client.send(Pressed("privacy:accept"))
    return client


def test_first_contact_offers_languages_with_the_telegram_suggestion_first() -> None:
    """Check that a new client is offered every language, Telegram's suggestion first."""
    outcome = Client(hint="ar").send(Command("start"))
    assert outcome.conversation is not None and outcome.conversation.state == journey.LANGUAGE
    assert values(outcome)[0] == "lang:ar"
    assert sorted(values(outcome)) == sorted(f"lang:{c}" for c in ("de", "tr", "ar", "en", "fa_AF"))
    assert outcome.locale == "ar"


def test_privacy_notice_comes_before_any_question() -> None:
    """Check that choosing a language shows the privacy notice, and only accepting opens the menu."""
    client = Client()
    client.send(Command("start"))
    outcome = client.send(Pressed("lang:tr"))
    assert client.state == journey.PRIVACY
    assert [r.body for r in outcome.replies] == [Template("privacy")]
    assert values(outcome) == ["privacy:accept", "privacy:more", "privacy:leave"]
    assert client.send(Command("menu")).conversation.state == journey.PRIVACY  # type: ignore[union-attr]
    outcome = client.send(Pressed("privacy:accept"))
    assert client.state == journey.MENU and outcome.effects == (ConversationStarted(),)
    assert outcome.locale == "tr"


def test_leaving_at_the_privacy_notice_keeps_nothing() -> None:
    """Check that a client who leaves at the privacy notice has nothing kept."""
    client = Client()
    client.send(Command("start"))
    client.send(Pressed("lang:de"))
    outcome = client.send(Pressed("privacy:leave"))
    assert outcome.conversation is None and outcome.effects == (DeleteClientData(),)


def answer_everything(client: Client) -> None:
    client.send(Pressed("m:intake"))
    client.send(Typed("Irak"))
    client.send(Pressed("a:adults:2"))
    client.send(Typed("3"))
    client.send(Pressed("a:situation:tolerated"))
    client.send(Pressed("a:stay:one_year_or_more"))
    client.send(Pressed("a:interests:travel"))
    client.send(Pressed("a:interests:medical"))
    client.send(Pressed("a:interests:done"))
    client.send(Typed("We have a small child with asthma."))


def test_intake_collects_every_answer_and_shows_a_summary() -> None:
    """Check that the intake stores each answer and ends on the summary with all of them."""
    client = accepted("ar")
    answer_everything(client)
    assert client.state == journey.SUMMARY
    assert client.conv is not None
    assert client.conv.answers == {
        "country": "IQ",
        "adults": 2,
        "minors": 3,
        "situation": "tolerated",
        "stay": "one_year_or_more",
        "interests": ["travel", "medical"],
        "note": "We have a small child with asthma.",
    }
    summary = client.last.replies[-1]  # type: ignore[union-attr]
    assert isinstance(summary.body, Template) and summary.body.name == "intake_summary"
    outcome = client.send(Pressed("sum:ok"))
    assert outcome.effects == (IntakeCompleted(),) and client.state == journey.MENU


def test_every_question_can_be_skipped() -> None:
    """Check that "prefer not to say" on every question reaches the summary with nothing stored."""
    client = accepted()
    client.send(Pressed("m:intake"))
    for question in intake.IN_TURN:
        assert client.state == f"intake.{question.slot}"
        client.send(Pressed(f"a:{question.slot}:skip"))
    assert client.state == journey.SUMMARY
    assert client.conv is not None and set(client.conv.answers.values()) == {None}
    client.send(Pressed("sum:edit:note"))
    client.send(Pressed("a:note:skip"))
    assert client.state == journey.SUMMARY and client.conv.answers["note"] is None


def test_the_note_is_invited_on_the_summary_and_costs_no_tap() -> None:
    """Check that the note is not a question of its own: the summary invites it, text typed there
    is kept as the note and the summary comes back without the invitation; a client with nothing
    to add goes on from the summary."""
    client = accepted()
    client.send(Pressed("m:intake"))
    for slot in ("country", "adults", "minors", "situation", "stay", "interests"):
        client.send(Pressed(f"a:{slot}:skip"))
    summary = client.last.replies[-1]  # type: ignore[union-attr]
    assert isinstance(summary.body, Template) and "invitation" in summary.body.params
    outcome = client.send(Typed("Wir reisen mit einem Rollstuhl."))
    assert client.state == journey.SUMMARY
    assert client.conv.answers["note"] == "Wir reisen mit einem Rollstuhl."  # type: ignore[union-attr]
    again = outcome.replies[-1]
    assert isinstance(again.body, Template) and "invitation" not in again.body.params
    outcome = client.send(Typed("Iraq"))  # not a second note: the first one stays
    assert client.conv.answers["note"] == "Wir reisen mit einem Rollstuhl."  # type: ignore[union-attr]
    assert "confirm your answers" in msgids(outcome)[0] and client.state == journey.SUMMARY
    client.send(Typed("Yes, this is right"))  # a button's label is the button, not a note
    assert client.state == journey.MENU
    assert client.conv.answers["note"] == "Wir reisen mit einem Rollstuhl."  # type: ignore[union-attr]


def test_a_note_typed_on_the_summary_is_folded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check that text typed on the summary is folded once for comparing with button labels,
    though the step compares it with the summary's buttons and then with the note's."""
    client = accepted()
    client.send(Pressed("m:intake"))
    for slot in ("country", "adults", "minors", "situation", "stay", "interests"):
        client.send(Pressed(f"a:{slot}:skip"))
    folded: list[str] = []
    monkeypatch.setattr(model, "fold", lambda text: folded.append(text) or text.casefold())
    client.send(Typed("Wir reisen mit einem Rollstuhl."))
    assert client.conv is not None and client.conv.answers["note"] == "Wir reisen mit einem Rollstuhl."
    assert folded == ["Wir reisen mit einem Rollstuhl."]


def test_editing_one_answer_returns_to_the_summary() -> None:
    """Check that changing one answer from the summary comes back to the summary."""
    client = accepted()
    answer_everything(client)
    client.send(Pressed("sum:edit:adults"))
    assert client.state == "intake.adults"
    client.send(Pressed("a:adults:4"))
    assert client.state == journey.SUMMARY and client.conv.answers["adults"] == 4  # type: ignore[union-attr]


def test_an_ambiguous_or_unknown_country_asks_again() -> None:
    """Check that an unknown country keeps the question with a hint, and several matches offer a choice."""
    client = accepted()
    client.send(Pressed("m:intake"))
    outcome = client.send(Typed("Atlantis"))
    assert client.state == "intake.country"
    assert "could not find that country" in msgids(outcome)[0]
    client.send(Typed("türkiye"))
    assert client.conv.answers["country"] == "TR"  # type: ignore[union-attr]


@pytest.mark.parametrize("typed", ["0", "21", "two", "-1", "1.5", "x" * 4000])
def test_impossible_household_sizes_are_refused(typed: str) -> None:
    """Check that an adult count outside 1..20 is answered with a hint and the question stays."""
    client = accepted()
    client.send(Pressed("m:intake"))
    client.send(Pressed("a:country:IQ"))
    outcome = client.send(Typed(typed))
    assert client.state == "intake.adults"
    assert "adults" not in client.conv.answers  # type: ignore[union-attr]
    assert outcome.replies[-1].body == intake.BY_SLOT["adults"].prompt


def test_arabic_indic_digits_are_read_as_numbers() -> None:
    """Check that a household size typed with Arabic-Indic digits is understood."""
    client = accepted("ar")
    client.send(Pressed("m:intake"))
    client.send(Pressed("a:country:IQ"))
    client.send(Typed("٣"))
    assert client.conv.answers["adults"] == 3  # type: ignore[union-attr]


def test_a_typed_label_counts_as_pressing_its_button() -> None:
    """Check that typing a button's label, in any case and spacing, works like pressing it."""
    client = accepted()
    client.send(Typed("  preliminary INTAKE (anonymous) "))
    assert client.state == "intake.country"


def test_the_note_is_scrubbed_and_the_client_is_told() -> None:
    """Check that a phone number in the note is removed before storing, and the client is told."""
    client = accepted()
    client.send(Pressed("m:intake"))
    for slot in ("country", "adults", "minors", "situation", "stay", "interests"):
        client.send(Pressed(f"a:{slot}:skip"))
    outcome = client.send(Typed("Call me on +49 170 1234567 please"))
    assert client.conv.answers["note"] == "Call me on […] please"  # type: ignore[union-attr]
    assert "removed something" in msgids(outcome)[0]


def test_direction_controls_are_not_kept_in_the_note() -> None:
    """Check that bidi controls typed into the note (which would turn a staff summary's line
    around) are not stored."""
    client = accepted("ar")
    client.send(Pressed("m:intake"))
    for slot in ("country", "adults", "minors", "situation", "stay", "interests"):
        client.send(Pressed(f"a:{slot}:skip"))
    client.send(Typed("\u2069\u202eصباحاً\u2066 please\u200e"))
    assert client.conv.answers["note"] == "صباحاً please"  # type: ignore[union-attr]


def test_a_too_long_note_is_refused() -> None:
    """Check that a note over the limit is not stored and the client is asked to shorten it."""
    client = accepted()
    client.send(Pressed("m:intake"))
    for slot in ("country", "adults", "minors", "situation", "stay", "interests"):
        client.send(Pressed(f"a:{slot}:skip"))
    client.send(Typed("a" * 4000))
    assert client.state == "intake.note" and "note" not in client.conv.answers  # type: ignore[union-attr]


def test_the_summary_offers_booking_right_away() -> None:
    """Check that the intake summary has "Book an appointment now", which saves the answers and
    goes straight to the interpreter question of the booking."""
    from tests.flows.test_booking import FakeBook

    client = accepted("ar")
    client.ctx = replace(client.ctx, bookings=FakeBook())
    answer_everything(client)
    assert values(client.last)[0] == "sum:book"  # type: ignore[arg-type]
    outcome = client.send(Pressed("sum:book"))
    assert outcome.effects == (IntakeCompleted(),)
    assert client.state == "book.interpreter" and client.conv.data.intake_done  # type: ignore[union-attr]
    assert "Thank you" in msgids(outcome)[0]


def test_multiple_choice_toggles_and_edits_the_pressed_message() -> None:
    """Check that pressing a chosen interest again removes it, shown in place of the old message."""
    client = accepted()
    client.send(Pressed("m:intake"))
    for slot in ("country", "adults", "minors", "situation", "stay"):
        client.send(Pressed(f"a:{slot}:skip"))
    client.send(Pressed("a:interests:travel"))
    outcome = client.send(Pressed("a:interests:business"))
    assert outcome.replies[0].replaces_pressed
    client.send(Pressed("a:interests:travel"))
    client.send(Pressed("a:interests:done"))
    assert client.conv.answers["interests"] == ["business"]  # type: ignore[union-attr]


@pytest.mark.parametrize("command", ["help", "privacy", "language", "delete", "frobnicate"])
def test_commands_mid_intake_keep_the_clients_place(command: str) -> None:
    """Check that commands in the middle of the intake never lose the answers or the place."""
    client = accepted()
    client.send(Pressed("m:intake"))
    client.send(Pressed("a:country:IQ"))
    client.send(Command(command))
    if command == "language":
        client.send(Pressed("lang:de"))
    if command == "delete":
        client.send(Pressed("del:no"))
    assert client.state == "intake.adults"
    assert client.conv.answers == {"country": "IQ"}  # type: ignore[union-attr]
    assert client.conv.locale == ("de" if command == "language" else "en")  # type: ignore[union-attr]


def test_delete_asks_once_then_removes_everything() -> None:
    """Check that /delete asks for confirmation and then asks storage to remove everything."""
    client = accepted()
    answer_everything(client)
    client.send(Command("delete"))
    assert client.state == journey.DELETE
    outcome = client.send(Pressed("del:yes"))
    assert outcome.conversation is None and outcome.effects == (DeleteClientData(),)
    assert outcome.locale == "en"


def test_delete_for_an_unknown_client_stores_nothing() -> None:
    """Check that /delete from someone never seen says so and creates no conversation."""
    outcome = Client().send(Command("delete"))
    assert outcome.conversation is None and outcome.effects == ()


@pytest.mark.parametrize(
    "kind", ["sticker", "photo", "voice", "document", "contact", "location", "forwarded", "edited"]
)
def test_media_and_forwards_are_answered_and_change_nothing(kind: str) -> None:
    """Check that media, contacts, forwards and edits get an answer and leave the step as it was."""
    client = accepted()
    client.send(Pressed("m:intake"))
    before = client.conv
    outcome = client.send(Unsupported(kind))
    assert outcome.conversation == before
    said = "send it again as a new message" if kind == "edited" else "only read text"
    assert said in msgids(outcome)[0]
    assert outcome.replies[-1].body == intake.BY_SLOT["country"].prompt


def test_a_stale_button_says_so_and_shows_where_we_are() -> None:
    """Check that a button of an older question is not applied and the current question is shown."""
    client = accepted()
    client.send(Pressed("m:intake"))
    client.send(Pressed("a:country:IQ"))
    before = client.conv
    outcome = client.send(Pressed("a:country:TR"))
    assert outcome.conversation == before
    assert "earlier message" in msgids(outcome)[0]
    assert outcome.replies[-1].body == intake.BY_SLOT["adults"].prompt


def test_old_menu_buttons_still_work_after_privacy() -> None:
    """Check that a menu button from an old message works from anywhere once privacy is accepted."""
    client = accepted()
    client.send(Pressed("m:intake"))
    client.send(Pressed("m:contact"))
    assert client.state == journey.MENU
    assert client.last.replies[0].body == Template("contact")  # type: ignore[union-attr]


def test_no_question_asks_for_identifying_details() -> None:
    """Check that no intake slot is meant for a name, address, birth date, phone, e-mail or ID."""
    forbidden = {"name", "address", "birth", "phone", "email", "mail", "id", "passport", "file"}
    for question in intake.QUESTIONS:
        assert not forbidden & set(question.slot.split("_"))
        assert isinstance(question.prompt, Text)


def test_the_privacy_details_are_one_tap_away_and_a_wrong_answer_repeats_only_the_buttons() -> None:
    """Check that "More about privacy" shows what is kept and what Telegram sees, with the choice
    under it; that typed nonsense gets the buttons again but not the notice; and that /privacy
    shows the details too."""
    client = Client()
    client.send(Command("start"))
    client.send(Pressed("lang:en"))
    more = client.send(Pressed("privacy:more"))
    assert [r.body for r in more.replies] == [
        Template("privacy_more"),
        Template("privacy_door"),
    ]
    assert values(more) == ["privacy:accept", "privacy:leave"]
    wrong = client.send(Typed("menu please"))
    assert len(wrong.replies) == 1 and not isinstance(wrong.replies[0].body, Template)
    assert values(wrong) == ["privacy:accept", "privacy:more", "privacy:leave"]
    asked = client.send(Command("privacy"))
    assert Template("privacy_door") in [r.body for r in asked.replies]
    assert client.state == journey.PRIVACY
