"""The "support on offer" screens as data, and the non-binding household estimate as a reply.

A screen is a template (`support_<key>.j2`) with buttons to go deeper, back and to the menu;
amounts reach it from the catalogue as Money parameters, never written into a text. States:
"support" (the overview) and "support.<key>"; buttons: "sup:<key>" (and "sup:overview").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import assert_never

from flows import intake
from flows.model import (
    Answers,
    Button,
    Conversation,
    Country,
    Money,
    Outcome,
    Param,
    Reply,
    Template,
    Text,
)
from flows.ports import Context
from flows.states import MENU_BUTTON
from flows.support import (
    MAX_MEMBERS,
    ZERO,
    Basis,
    Bound,
    Catalogue,
    CountryRule,
    EstimateItem,
    Figure,
    Household,
    Kind,
    Rule,
    Variant,
    estimate,
)
from flows.text import pt, t

SUPPORT = "support"
PREFIX = "sup:"
OVERVIEW = "overview"  # the key of the overview in button values: "sup:overview"


@dataclass(frozen=True)
class Screen:
    """One screen: state "support.<key>", template "support_<key>", opened by "sup:<key>"."""

    key: str
    title: Text  # the label of the button that opens it
    parent: str | None = None  # the screen "back" leads to; None: the overview
    kinds: tuple[Kind, ...] = ()  # the catalogue's figures of these kinds are shown on it

    @property
    def state(self) -> str:
        return f"{SUPPORT}.{self.key}"

    @property
    def template(self) -> str:
        return f"support_{self.key}"


SCREENS: tuple[Screen, ...] = (
    Screen("how", t("How the office helps")),
    Screen("departure", t("Departure and after your return"), parent="how"),
    Screen(
        "reag",
        t("Journey and start-up help (REAG/GARP)"),
        kinds=(Kind.FLIGHT_TICKET, Kind.TRAVEL_ALLOWANCE, Kind.STARTUP_AID, Kind.MEDICAL_COSTS),
    ),
    Screen("countries", t("What depends on your country"), parent="reag"),
    Screen(
        "business",
        t("Starting a business and further help"),
        kinds=(Kind.BUSINESS_GRANT, Kind.REINTEGRATION_AID),
    ),
    Screen("conditions", t("Conditions")),
    Screen("confidential", t("Free, non-binding and confidential")),
    Screen("examples", t("Examples of successful returns")),
)
BY_KEY = {screen.key: screen for screen in SCREENS}
BY_STATE = {screen.state: screen for screen in SCREENS}


def parent_state(screen: Screen) -> str:
    return BY_KEY[screen.parent].state if screen.parent else SUPPORT


EDGES: tuple[tuple[str, str, str], ...] = (
    *((parent_state(s), s.state, "more" if s.parent else "topic") for s in SCREENS),
    *((s.state, parent_state(s), "back") for s in SCREENS),
)

# TRANSLATORS: the kinds of help, shown at the start of a line: "Travel allowance: €200.00 per adult".
KIND_LABELS: dict[Kind, Text] = {
    Kind.FLIGHT_TICKET: t("Journey (ticket)"),
    Kind.TRAVEL_ALLOWANCE: t("Travel allowance"),
    Kind.STARTUP_AID: t("Start-up aid"),
    Kind.MEDICAL_COSTS: t("Medical costs after arrival"),
    Kind.BUSINESS_GRANT: t("Business start-up grant (Coming Home)"),
    Kind.REINTEGRATION_AID: t("Bavarian reintegration aid"),
}


def is_support_state(state: str) -> bool:
    return state == SUPPORT or state in BY_STATE


# --- screens ------------------------------------------------------------------------------------


def children(key: str | None) -> tuple[Screen, ...]:
    """The screens one level below `key` (None: below the overview)."""
    return tuple(screen for screen in SCREENS if screen.parent == key)


def overview_reply() -> Reply:
    """The overview: one button per topic, the household estimate, and the menu."""
    topics = tuple((Button(PREFIX + s.key, s.title),) for s in children(None))
    estimate_row = (Button("m:estimate", t("What may apply to my household")),)
    return Reply(Template("support_overview"), (*topics, estimate_row, (MENU_BUTTON,)))


def screen_reply(screen: Screen, ctx: Context) -> Reply:
    """A topic: its text with figures from the catalogue, "more" buttons, back and menu."""
    deeper = tuple((Button(PREFIX + s.key, s.title),) for s in children(screen.key))
    back = Button(PREFIX + (screen.parent or OVERVIEW), pt("button", "Back"))
    return Reply(
        Template(screen.template, screen_params(screen, ctx.catalogue)),
        (*deeper, (back, MENU_BUTTON)),
    )


def prompt(conv: Conversation, ctx: Context) -> Reply:
    """What a support state shows."""
    screen = BY_STATE.get(conv.state)
    return screen_reply(screen, ctx) if screen else overview_reply()


def navigate(conv: Conversation, value: str, pressed: bool, ctx: Context) -> Outcome | None:
    """A "sup:" button, from any step after the privacy notice, also from an older message.
    A pressed button shows the screen in place of its own message, so the chat stays short."""
    key = value.removeprefix(PREFIX)
    if key != OVERVIEW and key not in BY_KEY:
        return None
    moved = conv.afresh(BY_KEY[key].state if key in BY_KEY else SUPPORT)
    shown = prompt(moved, ctx)
    reply = Reply(shown.body, shown.buttons, replaces_pressed=pressed)
    return Outcome(moved, (reply,), locale=conv.locale)


def screen_params(screen: Screen, catalogue: Catalogue | None) -> dict[str, Param]:
    """The figures a screen shows, each a Money parameter, and the date of the oldest one."""
    if catalogue is None:
        return {}
    if screen.key == "countries":
        return _country_params(catalogue)
    if screen.key == "conditions":
        needing = [f.kind for p in catalogue.current() for f in p.figures if f.needs_one_year_stay]
        return {"one_year_kinds": tuple(KIND_LABELS[k] for k in dict.fromkeys(needing))}
    if not screen.kinds:
        return {}
    lines, dates = [], []
    for kind in screen.kinds:
        figures = [
            f
            for p in catalogue.current()
            for f in p.figures
            if f.kind is kind and f.variant is Variant.STANDARD
        ]
        if figures:
            lines.append(figure_line(kind, figures))
            dates += [f.as_of for f in figures]
    params: dict[str, Param] = {"figures": tuple(lines)}
    if dates:
        params["as_of"] = min(dates)  # the oldest: no figure is newer than it says
    return params


def figure_line(kind: Kind, figures: Sequence[Figure]) -> Text:
    """ "Travel allowance: €200.00 per adult and €100.00 per child"."""
    details: list[Param] = []
    for figure in figures:
        phrase = _figure_phrase(figure)
        if phrase not in details:
            details.append(phrase)
    if any(f.needs_one_year_stay for f in figures):
        details.append(t("only after one year or more in Germany"))
    # TRANSLATORS: a kind of help and what it amounts to: "Travel allowance: €200.00 per adult".
    return t("{kind}: {details}", kind=KIND_LABELS[kind], details=tuple(details))


# TRANSLATORS: amounts of one kind of help, joined as a list: "€200.00 per adult and €100.00 per child".
_PER: dict[tuple[Basis, bool], Callable[[Money], Text]] = {
    (Basis.PER_ADULT, False): lambda m: t("{amount} per adult", amount=m),
    (Basis.PER_ADULT, True): lambda m: t("up to {amount} per adult", amount=m),
    (Basis.PER_MINOR, False): lambda m: t("{amount} per child", amount=m),
    (Basis.PER_MINOR, True): lambda m: t("up to {amount} per child", amount=m),
    (Basis.PER_PERSON, False): lambda m: t("{amount} per person", amount=m),
    (Basis.PER_PERSON, True): lambda m: t("up to {amount} per person", amount=m),
    (Basis.PER_HOUSEHOLD, False): lambda m: t("{amount} per household", amount=m),
    (Basis.PER_HOUSEHOLD, True): lambda m: t("up to {amount} per household", amount=m),
    (Basis.FAMILY_CAP, False): lambda m: t("at most {amount} per family", amount=m),
    (Basis.FAMILY_CAP, True): lambda m: t("at most {amount} per family", amount=m),
}


def _figure_phrase(figure: Figure) -> Text:
    if figure.bound is Bound.IN_KIND:
        return t("paid directly")
    if figure.bound is Bound.CASE_BY_CASE or figure.amount is None:
        return t("the counselling decides")
    return _PER[figure.basis, figure.bound is Bound.UP_TO](Money(figure.amount))


def _country_params(catalogue: Catalogue) -> dict[str, Param]:
    """The countries of each rule, over the current programmes, shown by their names."""
    codes: dict[CountryRule, set[str]] = {rule: set() for rule in CountryRule}
    dates: list[date] = []
    for programme in catalogue.current():
        for country_list in programme.countries:
            codes[country_list.rule] |= country_list.codes
            dates.append(country_list.as_of)

    def names(rule: CountryRule) -> tuple[Param, ...]:
        return tuple(Country(code) for code in sorted(codes[rule]))

    params: dict[str, Param] = {
        "visa_free": names(CountryRule.VISA_FREE_REDUCED),
        "special": names(CountryRule.SPECIAL_RULES),
        "suspended": names(CountryRule.SUSPENDED),
    }
    if codes[CountryRule.STARTUP_ELIGIBLE]:
        params["startup_number"] = len(codes[CountryRule.STARTUP_ELIGIBLE])
    if dates:
        params["as_of"] = min(dates)  # the oldest: no figure is newer than it says
    return params


# --- the household estimate ---------------------------------------------------------------------


def household_of(answers: Answers) -> Household | None:
    """The household the intake describes; None when it is larger than the estimate covers.
    A skipped count means the person asking travels alone."""
    adults, minors = answers.get("adults"), answers.get("minors")
    adults = adults if isinstance(adults, int) else 1
    minors = minors if isinstance(minors, int) else 0
    if adults > MAX_MEMBERS or minors > MAX_MEMBERS:
        return None
    country = answers.get("country")
    stay = {"one_year_or_more": True, "under_one_year": False}.get(str(answers.get("stay")))
    valid = (
        isinstance(country, str) and len(country) == 2 and country.isascii() and country.isupper()
    )
    return Household(adults, minors, country if valid else None, stay)


def estimate_replies(
    conv: Conversation, ctx: Context, buttons: tuple[tuple[Button, ...], ...] = ()
) -> tuple[Reply, ...]:
    """What may apply to the client's household, item by item with the date; then, in a second
    message (so that each stays short on a phone), why some items are lower or open."""
    household = household_of(conv.answers)
    if household is None:
        return (
            Reply(
                t(
                    "For more than {limit} adults or more than {limit} children, the counselling "
                    "works out the figures with you.",
                    limit=MAX_MEMBERS,
                ),
                buttons,
            ),
        )
    result = estimate(ctx.catalogue, household) if ctx.catalogue else None
    if result is None or result.as_of is None:
        return (
            Reply(
                t(
                    "The figures are not available at the moment. The counselling tells you "
                    "what support you can receive."
                ),
                buttons,
            ),
        )
    reasons: list[Param] = []
    for item in result.items:
        for rule in item.rules:
            sentence = rule_sentence(rule, item, household)
            if sentence not in reasons:
                reasons.append(sentence)
    params: dict[str, Param] = {
        "adults": _as_told("adults", conv.answers),
        "minors": _as_told("minors", conv.answers),
        "assumed": assumed_household(conv.answers),
        "country": _as_told("country", {"country": household.country}),
        "stay": _as_told("stay", conv.answers),
        "items": tuple(estimate_line(item) for item in result.items),
        "as_of": result.as_of,
    }
    if not reasons:
        return (Reply(Template("estimate", params), buttons),)
    why = Reply(Template("estimate_why", {"reasons": tuple(reasons)}), buttons)
    return (Reply(Template("estimate", params)), why)


def assumed_household(answers: Answers) -> Param:
    """What the estimate counted for a household size the client did not give ("" if given)."""
    no_adults = not isinstance(answers.get("adults"), int)
    no_minors = not isinstance(answers.get("minors"), int)
    if no_adults and no_minors:
        # TRANSLATORS: under "Adults: not said" in the estimate: what was counted instead.
        return t("Counted as one adult, no children, because you did not say.")
    if no_adults:
        # TRANSLATORS: under "Adults: not said" in the estimate: what was counted instead.
        return t("Counted as one adult, because you did not say.")
    if no_minors:
        # TRANSLATORS: under "Children: not said" in the estimate: what was counted instead.
        return t("Counted with no children, because you did not say.")
    return ""


def _as_told(slot: str, answers: Answers) -> Param:
    """An answer as the estimate shows it: as given, or "not said" if skipped."""
    if answers.get(slot) is None:
        # TRANSLATORS: in the estimate, an answer the client skipped (adults, children, country…).
        return pt("estimate", "not said")
    return intake.answer_label(slot, answers)


def estimate_line(item: EstimateItem) -> Text:
    """ "Start-up aid: up to €4,000.00", or why there is no amount."""
    details: Param
    if item.bound is Bound.IN_KIND:
        details = t("paid directly")
    elif item.bound is Bound.CASE_BY_CASE:
        details = t("the counselling decides")
    elif item.amount == ZERO:
        details = t("nothing in your case")
    elif item.bound is Bound.UP_TO:
        details = t("up to {amount}", amount=Money(item.amount))
    else:
        details = Money(item.amount)
    return t("{kind}: {details}", kind=KIND_LABELS[item.kind], details=details)


def rule_sentence(rule: Rule, item: EstimateItem, household: Household) -> Text:
    """Why an item is zero, reduced or only an upper bound, in one sentence."""
    # TRANSLATORS: the reasons under "Why" in the estimate; {kind} is a kind of help.
    kind = KIND_LABELS[item.kind]
    country: Param = Country(household.country) if household.country else t("your country")
    if rule is Rule.NO_TRAVELLERS:
        return t("Nobody would travel, so nothing is counted.")
    if rule is Rule.SUSPENDED_DESTINATION:
        return t("Assisted return to {country} is suspended at present.", country=country)
    if rule is Rule.SPECIAL_RULES_COUNTRY:
        return t(
            "Special rules apply to {country}: the counselling explains what is possible.",
            country=country,
        )
    if rule is Rule.VISA_FREE_REDUCED:
        return t(
            "{kind}: reduced, because people from {country} need no visa for Europe.",
            kind=kind,
            country=country,
        )
    if rule is Rule.NOT_ON_STARTUP_LIST:
        return t(
            "{kind}: only for the countries on the programme's list, and {country} is not on it.",
            kind=kind,
            country=country,
        )
    if rule is Rule.COUNTRY_UNKNOWN:
        return t("You did not name a country, so some amounts are upper limits.")
    if rule is Rule.NEEDS_ONE_YEAR_STAY:
        if household.stay_one_year_or_more is False:
            return t("{kind}: only after one year or more in Germany.", kind=kind)
        return t(
            "{kind}: only after one year or more in Germany; you did not say how long you "
            "have been here.",
            kind=kind,
        )
    if rule is Rule.FAMILY_CAP:
        return t("{kind}: at most {amount} per family.", kind=kind, amount=Money(item.amount))
    assert_never(rule)
