""" "Support on offer" and the household estimate, as pure flow: screens, buttons, the estimate."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from flows import intake, journey, support_screens
from flows.model import (
    Command,
    Money,
    Outcome,
    Param,
    Pressed,
    Reply,
    Template,
    Text,
    Typed,
)
from flows.support import Catalogue, Household, Rule, estimate, parse_catalogue
from tests.flows.helpers import Client, values

SUPPORT_TOML = Path(__file__).resolve().parents[2] / "support.toml"
SCREEN_STATES = {screen.state for screen in support_screens.SCREENS}


@cache
def shipped() -> Catalogue:
    return parse_catalogue(SUPPORT_TOML.read_text(encoding="utf-8"), "support.toml")


def accepted(catalogue: Catalogue | None = None, locale: str = "en") -> Client:
    """A client past the privacy notice, in a world with the shipped catalogue (or another)."""
    client = Client()
    client.ctx = replace(client.ctx, catalogue=catalogue or shipped())
    client.send(Command("start"))
    client.send(Pressed(f"lang:{locale}"))
    client.send(Pressed("privacy:accept"))
    return client


def intake_done(client: Client, **answers: str) -> Outcome:
    """Answer the intake by buttons (skipping what is not given) and confirm it."""
    client.send(Pressed("m:intake"))
    for question in intake.QUESTIONS:
        value = answers.get(question.slot, "skip")
        client.send(Pressed(f"a:{question.slot}:{value}"))
        if question.multi and value != "skip":
            client.send(Pressed(f"a:{question.slot}:done"))
    assert client.state == journey.SUMMARY
    return client.send(Pressed("sum:ok"))


def params_of(reply: Reply) -> dict[str, Param]:
    assert isinstance(reply.body, Template)
    return reply.body.params


def flatten(value: Param) -> list[Param]:
    """Every parameter inside a parameter, texts and lists opened."""
    if isinstance(value, Text):
        return [value, *(v for p in value.params.values() for v in flatten(p))]
    if isinstance(value, tuple):
        return [v for item in value for v in flatten(item)]
    return [value]


def amounts(reply: Reply) -> set[Decimal]:
    found = (v for p in params_of(reply).values() for v in flatten(p))
    return {v.amount for v in found if isinstance(v, Money)}


def msgids(value: Param) -> list[str]:
    return [v.msgid for v in flatten(value) if isinstance(v, Text)]


def screen(outcome: Outcome) -> Reply:
    (reply,) = outcome.replies
    return reply


# --- navigation -----------------------------------------------------------------------------------


def test_support_on_offer_is_the_first_entry_of_the_menu() -> None:
    """Check that the menu offers "support on offer" first, and that it opens the overview."""
    client = accepted()
    assert values(client.last)[0] == "m:support"  # type: ignore[arg-type]
    outcome = client.send(Pressed("m:support"))
    assert client.state == support_screens.SUPPORT
    assert screen(outcome).body == Template("support_overview")


def test_the_overview_offers_every_topic_the_estimate_and_the_menu() -> None:
    """Check that the overview has one button per topic, then the household estimate, then the menu."""
    client = accepted()
    outcome = client.send(Pressed("m:support"))
    assert values(outcome) == [
        "sup:how",
        "sup:reag",
        "sup:business",
        "sup:conditions",
        "sup:confidential",
        "sup:examples",
        "m:estimate",
        "menu",
    ]


def test_every_screen_is_reachable_and_ends_with_back_and_menu() -> None:
    """Check that following the buttons from the overview reaches every screen, each with back and menu."""
    client = accepted()
    client.send(Pressed("m:support"))
    seen: set[str] = set()
    queue = [v for v in values(client.last) if v.startswith("sup:")]  # type: ignore[arg-type]
    start = client.conv
    while queue:
        value = queue.pop()
        client.conv = start
        outcome = client.send(Pressed(value))
        state = client.state
        assert state in SCREEN_STATES, value
        if state in seen:
            continue
        seen.add(state)
        last_row = screen(outcome).buttons[-1]
        assert [b.value for b in last_row][1] == "menu"
        assert last_row[0].value.startswith("sup:") and isinstance(last_row[0].label, Text)
        assert last_row[0].label.msgid == "Back"
        queue += [v for v in values(outcome) if v.startswith("sup:") and v != last_row[0].value]
    assert seen == SCREEN_STATES


@pytest.mark.parametrize(
    ("path", "back_to"),
    [
        (["sup:how"], "support"),
        (["sup:how", "sup:departure"], "support.how"),
        (["sup:reag", "sup:countries"], "support.reag"),
        (["sup:examples"], "support"),
    ],
)
def test_back_leads_to_the_screen_above(path: list[str], back_to: str) -> None:
    """Check that "back" on a screen shows the screen it was opened from."""
    client = accepted()
    client.send(Pressed("m:support"))
    for value in path:
        outcome = client.send(Pressed(value))
    back = screen(outcome).buttons[-1][0]
    client.send(Pressed(back.value))
    assert client.state == back_to


@pytest.mark.parametrize("state", sorted(SCREEN_STATES))
def test_menu_from_any_screen_returns_to_the_menu(state: str) -> None:
    """Check that the menu button on every support screen leads back to the menu."""
    client = accepted()
    client.send(Pressed("sup:" + state.removeprefix("support.")))
    assert client.state == state
    outcome = client.send(Pressed("menu"))
    assert client.state == journey.MENU
    assert values(outcome)[0] == "m:support"


def test_pressed_screens_replace_their_message_and_typed_labels_send_a_new_one() -> None:
    """Check that a pressed topic is shown in place of the screen it was pressed on, a typed one below."""
    client = accepted()
    opened = client.send(Pressed("m:support"))
    assert not screen(opened).replaces_pressed
    pressed = client.send(Pressed("sup:conditions"))
    assert screen(pressed).replaces_pressed
    assert params_of(screen(pressed)) and screen(pressed).body.name == "support_conditions"  # type: ignore[union-attr]
    client.send(Pressed("sup:overview"))
    typed = client.send(Typed("examples of SUCCESSFUL returns"))
    assert client.state == "support.examples" and not screen(typed).replaces_pressed


def test_commands_on_a_screen_keep_the_clients_place() -> None:
    """Check that /help and /language on a support screen come back to the same screen."""
    client = accepted()
    client.send(Pressed("sup:reag"))
    client.send(Command("help"))
    assert client.state == "support.reag"
    client.send(Command("language"))
    client.send(Pressed("lang:de"))
    assert client.state == "support.reag" and client.conv.locale == "de"  # type: ignore[union-attr]


# --- stale buttons and typed text ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["sup:nonsense", "sup:", "a:country:IQ", "sum:ok", "del:yes"])
def test_a_stale_button_on_a_screen_says_so_and_shows_the_screen_again(value: str) -> None:
    """Check that a button of an older message does nothing on a support screen but explain itself."""
    client = accepted()
    client.send(Pressed("sup:business"))
    before = client.conv
    outcome = client.send(Pressed(value))
    assert outcome.conversation == before
    assert "earlier message" in outcome.replies[0].body.msgid  # type: ignore[union-attr]
    assert outcome.replies[-1].body.name == "support_business"  # type: ignore[union-attr]


def test_an_old_support_button_mid_intake_opens_the_screen_and_keeps_the_answers() -> None:
    """Check that a support button from an older message works like a menu button, answers kept."""
    client = accepted()
    client.send(Pressed("m:intake"))
    client.send(Pressed("a:country:IQ"))
    client.send(Pressed("sup:examples"))
    assert client.state == "support.examples"
    assert client.conv.answers == {"country": "IQ"}  # type: ignore[union-attr]


def test_typed_text_on_a_screen_gets_a_hint_and_the_screen_again() -> None:
    """Check that text that is no button label leaves the client on the screen, with a hint."""
    client = accepted()
    client.send(Pressed("sup:confidential"))
    outcome = client.send(Typed("how much money do I get?"))
    assert client.state == "support.confidential"
    assert outcome.replies[0].body == Text("Please choose one of the buttons.")
    assert outcome.replies[-1].body.name == "support_confidential"  # type: ignore[union-attr]


# --- figures from the catalogue ------------------------------------------------------------------


def test_the_reag_screen_takes_every_amount_from_the_catalogue() -> None:
    """Check that the REAG/GARP screen shows the catalogue's amounts as Money, with the date of
    the oldest of them."""
    client = accepted()
    reply = screen(client.send(Pressed("sup:reag")))
    assert amounts(reply) == {
        Decimal(200),
        Decimal(100),
        Decimal(1000),
        Decimal(500),
        Decimal(4000),
        Decimal(2000),
    }
    # The oldest date of the figures shown (2024-01-01), not the newest (the cap's 2025-01-13).
    assert params_of(reply)["as_of"] == date(2024, 1, 1)
    texts = [m for p in params_of(reply).values() for m in msgids(p)]
    assert not any(ch.isdigit() for m in texts for ch in m), "amounts must not be written in texts"


def test_a_changed_figure_shows_in_the_next_step() -> None:
    """Check that an amount the office changes in the file is what the next screen shows."""
    text = SUPPORT_TOML.read_text(encoding="utf-8")
    changed_text = text.replace(
        'basis = "per_adult"\namount = 200\n', 'basis = "per_adult"\namount = 250\n'
    )
    assert changed_text != text
    changed = parse_catalogue(changed_text, "support.toml")
    client = accepted(changed)
    reply = screen(client.send(Pressed("sup:reag")))
    assert Decimal(250) in amounts(reply) and Decimal(200) not in amounts(reply)


def test_the_business_screen_names_the_one_year_condition() -> None:
    """Check that the business grant is shown with its amount and its condition of one year's stay."""
    client = accepted()
    reply = screen(client.send(Pressed("sup:business")))
    assert Decimal(3000) in amounts(reply)
    texts = [m for p in params_of(reply).values() for m in msgids(p)]
    assert "only after one year or more in Germany" in texts
    conditions = screen(client.send(Pressed("sup:conditions")))
    assert msgids(params_of(conditions)["one_year_kinds"]) == [
        "Business start-up grant (Coming Home)"
    ]


def test_the_country_screen_lists_the_catalogues_countries() -> None:
    """Check that the country rules come from the catalogue's lists, dated by the oldest."""
    client = accepted()
    params = params_of(screen(client.send(Pressed("sup:countries"))))
    assert [c.code for c in params["visa_free"]] == ["AL", "BA", "GE", "MD", "ME", "MK", "RS", "UA"]  # type: ignore[union-attr]
    assert [c.code for c in params["suspended"]] == ["UA"]  # type: ignore[union-attr]
    assert params["startup_number"] == 38
    assert params["as_of"] == date(2024, 1, 1)  # the oldest list's date, not 2025-01-13


def test_without_a_catalogue_the_screens_show_no_figures() -> None:
    """Check that without a catalogue the screens still open, with no amounts and no date."""
    client = Client()
    client.send(Command("start"))
    client.send(Pressed("lang:en"))
    client.send(Pressed("privacy:accept"))
    for key in support_screens.BY_KEY:
        reply = screen(client.send(Pressed("sup:" + key)))
        assert amounts(reply) == set() and "as_of" not in params_of(reply)


# --- the household estimate ----------------------------------------------------------------------


def estimate_of(outcome: Outcome, name: str = "estimate") -> Reply:
    (found,) = [r for r in outcome.replies if isinstance(r.body, Template) and r.body.name == name]
    return found


def reasons_of(outcome: Outcome) -> tuple[Param, ...]:
    """The reasons under "Why", sent as a second message right after the estimate (if any)."""
    why = [
        r for r in outcome.replies if isinstance(r.body, Template) and r.body.name == "estimate_why"
    ]
    if not why:
        return ()
    names = [r.body.name for r in outcome.replies if isinstance(r.body, Template)]
    assert names.index("estimate_why") == names.index("estimate") + 1
    reasons = params_of(why[0])["reasons"]
    assert isinstance(reasons, tuple) and reasons
    return reasons


def test_the_estimate_comes_after_the_intake_and_before_the_menu() -> None:
    """Check that confirming the intake shows thanks, then the household estimate, then the menu."""
    client = accepted()
    outcome = intake_done(client, country="IQ", adults="2", minors="3", stay="one_year_or_more")
    bodies = [r.body for r in outcome.replies]
    estimate_reply = outcome.replies[1]
    assert isinstance(bodies[0], Text) and bodies[0].msgid.startswith("Thank you")
    assert isinstance(bodies[1], Template) and bodies[1].name == "estimate"
    assert bodies[2] == journey.menu_prompt(client.conv, client.ctx).body  # type: ignore[arg-type]
    params = bodies[1].params
    assert (params["adults"], params["minors"]) == (2, 3)
    assert params["as_of"] == date(2017, 1, 1) and reasons_of(outcome) == ()  # the oldest figure
    # 2 x 200 + 3 x 100 travel allowance; 2 x 1000 + 3 x 500 start-up aid; medical and business caps
    assert amounts(estimate_reply) == {Decimal(700), Decimal(3500), Decimal(2000), Decimal(3000)}


@pytest.mark.parametrize(
    ("answers", "rules"),
    [
        (
            {"country": "GE", "stay": "under_one_year"},
            {Rule.VISA_FREE_REDUCED, Rule.NOT_ON_STARTUP_LIST, Rule.NEEDS_ONE_YEAR_STAY},
        ),
        ({"country": "UA", "stay": "one_year_or_more"}, {Rule.SUSPENDED_DESTINATION}),
        ({"country": "TR", "stay": "one_year_or_more"}, {Rule.SPECIAL_RULES_COUNTRY}),
        (
            {"adults": "4", "minors": "6"},
            {Rule.COUNTRY_UNKNOWN, Rule.FAMILY_CAP, Rule.NEEDS_ONE_YEAR_STAY},
        ),
        ({"country": "IQ", "stay": "one_year_or_more"}, set()),
    ],
)
def test_the_estimate_says_why_for_every_rule_that_applies(
    answers: dict[str, str], rules: set[Rule]
) -> None:
    """Check that every rule that makes an item zero, reduced or open is explained in one sentence."""
    client = accepted()
    reasons = reasons_of(intake_done(client, **answers))
    household = support_screens.household_of(client.conv.answers)  # type: ignore[union-attr]
    assert household is not None
    result = estimate(shipped(), household)
    assert {rule for item in result.items for rule in item.rules} == rules
    expected = [
        support_screens.rule_sentence(rule, item, household).msgid
        for item in result.items
        for rule in item.rules
    ]
    shown = [r.msgid for r in reasons if isinstance(r, Text)]
    assert len(shown) == len(reasons) == len(set(shown))  # each reason once
    assert set(shown) == set(expected)


def test_each_rule_has_its_own_sentence() -> None:
    """Check that every rule of the estimate is explained by a sentence of its own."""
    item = estimate(shipped(), Household(2, 6)).items[0]
    unknown_stay, short_stay = Household(1, 0, "GE", None), Household(1, 0, "GE", False)
    sentences = {rule: support_screens.rule_sentence(rule, item, unknown_stay) for rule in Rule}
    assert len({s.msgid for s in sentences.values()}) == len(Rule)
    short = support_screens.rule_sentence(Rule.NEEDS_ONE_YEAR_STAY, item, short_stay)
    assert short.msgid != sentences[Rule.NEEDS_ONE_YEAR_STAY].msgid


def test_georgia_under_one_year_shows_zero_with_the_reasons() -> None:
    """Check that a visa-free country gets no start-up aid and no business grant, and says why."""
    client = accepted()
    outcome = intake_done(client, country="GE", adults="1", stay="under_one_year")
    lines = {
        m for m in msgids(params_of(estimate_of(outcome))["items"]) if m != "{kind}: {details}"
    }
    assert "nothing in your case" in lines and "the counselling decides" in lines
    reasons = msgids(reasons_of(outcome))
    assert "{kind}: reduced, because people from {country} need no visa for Europe." in reasons
    assert "{kind}: only after one year or more in Germany." in reasons


def test_my_estimate_is_in_the_menu_once_the_intake_is_done() -> None:
    """Check that "my estimate" appears in the menu after the intake and shows the estimate again."""
    client = accepted()
    assert "m:estimate" not in values(client.last)  # type: ignore[arg-type]
    outcome = intake_done(client, country="SY", adults="3", minors="2", stay="one_year_or_more")
    assert "m:estimate" in values(outcome)
    again = client.send(Pressed("m:estimate"))
    assert client.state == journey.MENU
    assert again.replies[-1].buttons[-1][0].value == "menu"
    assert amounts(estimate_of(again)) == amounts(estimate_of(outcome))


def test_the_estimate_follows_a_changed_answer() -> None:
    """Check that changing the number of children changes the estimate shown after confirming."""
    client = accepted()
    first = intake_done(client, country="IQ", adults="1", minors="0", stay="one_year_or_more")
    client.send(Pressed("m:intake"))
    client.send(Pressed("sum:edit:minors"))
    client.send(Pressed("a:minors:2"))
    second = client.send(Pressed("sum:ok"))
    assert Decimal(200) in amounts(estimate_of(first))
    assert Decimal(400) in amounts(estimate_of(second))


def test_the_household_estimate_before_the_intake_starts_the_questions() -> None:
    """Check that asking for the estimate before the intake explains and starts the questions."""
    client = accepted()
    client.send(Pressed("m:support"))
    outcome = client.send(Pressed("m:estimate"))
    assert client.state == journey.FIRST_QUESTION
    assert outcome.replies[0].body.msgid.startswith("First a few anonymous questions")  # type: ignore[union-attr]


def test_a_household_too_large_for_the_estimate_is_referred_to_the_counselling() -> None:
    """Check that more than ten adults get no made-up figures but a referral to the counselling."""
    client = accepted()
    client.send(Pressed("m:intake"))
    client.send(Pressed("a:country:IQ"))
    client.send(Typed("15"))
    for slot in ("minors", "situation", "stay", "interests", "note"):
        client.send(Pressed(f"a:{slot}:skip"))
    outcome = client.send(Pressed("sum:ok"))
    body = outcome.replies[1].body
    assert isinstance(body, Text) and body.msgid.startswith("For more than {limit} adults")


def test_without_a_catalogue_the_estimate_says_the_figures_are_unavailable() -> None:
    """Check that without a catalogue the client is told so instead of seeing made-up figures."""
    client = Client()
    client.send(Command("start"))
    client.send(Pressed("lang:en"))
    client.send(Pressed("privacy:accept"))
    outcome = intake_done(client, country="IQ")
    body = outcome.replies[1].body
    assert isinstance(body, Text) and body.msgid.startswith("The figures are not available")
