"""Tests of the support catalogue, the household estimate and the shipped support.toml."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.support import (
    MAX_MEMBERS,
    ZERO,
    Basis,
    Bound,
    Catalogue,
    CatalogueError,
    CountryList,
    CountryRule,
    Estimate,
    EstimateItem,
    Figure,
    Household,
    Kind,
    Programme,
    Rule,
    Variant,
    estimate,
    parse_catalogue,
)

SUPPORT_TOML = Path(__file__).resolve().parents[2] / "support.toml"
REAG = "reag_garp_2024"
BUSINESS = "coming_home_business"

# ISO 3166-1 alpha-2 (249 codes) plus XK, the code in common use for Kosovo.
_ISO_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK
"""
COUNTRIES: tuple[str, ...] = tuple(_ISO_CODES.split())

households = st.builds(
    Household,
    adults=st.integers(0, MAX_MEMBERS),
    minors=st.integers(0, MAX_MEMBERS),
    country=st.sampled_from((*COUNTRIES, None)),
    stay_one_year_or_more=st.sampled_from((True, False, None)),
)


@cache
def shipped() -> Catalogue:
    return parse_catalogue(SUPPORT_TOML.read_text(encoding="utf-8"), "support.toml")


def item(result: Estimate, programme: str, kind: Kind) -> EstimateItem:
    (found,) = [i for i in result.items if i.programme == programme and i.kind is kind]
    return found


def codes(programme: Programme, rule: CountryRule) -> frozenset[str]:
    country_list = programme.country_list(rule)
    return frozenset() if country_list is None else country_list.codes


def full_amount(programme: Programme, kind: Kind, household: Household) -> Decimal:
    """Oracle: the standard figures of a kind for this household, before any rule or cap."""
    per = {
        Basis.PER_ADULT: household.adults,
        Basis.PER_MINOR: household.minors,
        Basis.PER_PERSON: household.adults + household.minors,
        Basis.PER_HOUSEHOLD: 1,
    }
    return sum(
        (
            per[f.basis] * (f.amount or Decimal(0))
            for f in programme.figures
            if f.kind is kind and f.variant is Variant.STANDARD and f.basis in per
        ),
        Decimal(0),
    )


def cap_of(programme: Programme, kind: Kind) -> Decimal | None:
    caps = [f.amount for f in programme.figures if f.kind is kind and f.basis is Basis.FAMILY_CAP]
    return caps[0] if caps else None


def line_number(text: str, needle: str, *, after: str = "") -> int:
    """1-based number of the first line starting with `needle` after the line `after`."""
    lines = text.splitlines()
    start = lines.index(after) + 1 if after else 0
    return next(n for n in range(start, len(lines)) if lines[n].startswith(needle)) + 1


def check_invariants(catalogue: Catalogue, household: Household, result: Estimate) -> None:
    """The rules every estimate obeys, whatever the household."""
    assert result.items, "a catalogue with a current programme always yields items"
    assert result.as_of == min(i.as_of for i in result.items)
    current = {p.key for p in catalogue.current()}
    assert {i.programme for i in result.items} == current
    travellers = household.adults + household.minors
    for entry in result.items:
        programme = catalogue.programme(entry.programme)
        assert isinstance(entry.amount, Decimal)
        assert entry.amount >= 0, entry
        assert entry.amount <= full_amount(programme, entry.kind, household), entry
        cap = cap_of(programme, entry.kind)
        if cap is not None:
            assert entry.amount <= cap, entry
        if entry.bound in (Bound.CASE_BY_CASE, Bound.IN_KIND):
            assert entry.amount == 0, entry
        if entry.amount == 0 and entry.bound in (Bound.EXACT, Bound.UP_TO):
            assert entry.rules, f"zero without a named rule: {entry}"
        dates = [f.as_of for f in programme.figures if f.key in entry.figures]
        assert entry.as_of <= min(dates)  # never newer than a figure it used
        if travellers == 0:
            assert entry.amount == 0
            assert Rule.NO_TRAVELLERS in entry.rules


def check_reag_rules(catalogue: Catalogue, household: Household, result: Estimate) -> None:
    """The country and family rules of REAG/GARP 2.0, each visible as a named rule."""
    reag = catalogue.programme(REAG)
    country = household.country
    items = [i for i in result.items if i.programme == REAG]
    if household.adults + household.minors == 0:
        return
    if country in codes(reag, CountryRule.SUSPENDED):
        assert all(i.amount == 0 and Rule.SUSPENDED_DESTINATION in i.rules for i in items)
        assert all(i.bound is Bound.EXACT for i in items)
        return
    if country in codes(reag, CountryRule.SPECIAL_RULES):
        assert all(Rule.SPECIAL_RULES_COUNTRY in i.rules for i in items)
        assert all(i.bound in (Bound.CASE_BY_CASE, Bound.IN_KIND) for i in items)
        return
    assert not any(Rule.SUSPENDED_DESTINATION in i.rules for i in items)
    startup = item(result, REAG, Kind.STARTUP_AID)
    travel = item(result, REAG, Kind.TRAVEL_ALLOWANCE)
    full_startup = full_amount(reag, Kind.STARTUP_AID, household)
    full_travel = full_amount(reag, Kind.TRAVEL_ALLOWANCE, household)
    cap = cap_of(reag, Kind.STARTUP_AID)
    assert cap is not None
    if country is None:
        assert Rule.COUNTRY_UNKNOWN in startup.rules
        assert startup.bound is Bound.UP_TO
        assert startup.amount == min(full_startup, cap)
        assert travel.bound is Bound.UP_TO and travel.amount == full_travel
    elif country not in codes(reag, CountryRule.STARTUP_ELIGIBLE):
        assert startup.amount == 0
        assert Rule.NOT_ON_STARTUP_LIST in startup.rules
    else:
        assert startup.amount == min(full_startup, cap)
        assert (Rule.FAMILY_CAP in startup.rules) == (full_startup > cap)
    if country in codes(reag, CountryRule.VISA_FREE_REDUCED):
        assert Rule.VISA_FREE_REDUCED in travel.rules
        assert travel.bound is Bound.CASE_BY_CASE or travel.amount < full_travel
    elif country is not None:
        assert travel.rules == ()
        assert (travel.bound, travel.amount) == (Bound.EXACT, full_travel)


def check_stay_rule(household: Household, result: Estimate) -> None:
    """The business start-up grant needs at least one year of stay."""
    grant = item(result, BUSINESS, Kind.BUSINESS_GRANT)
    if household.adults + household.minors == 0:
        return
    if household.stay_one_year_or_more is False:
        assert (grant.amount, grant.rules) == (ZERO, (Rule.NEEDS_ONE_YEAR_STAY,))
    elif household.stay_one_year_or_more is None:
        assert grant.rules == (Rule.NEEDS_ONE_YEAR_STAY,)
        assert grant.bound is Bound.UP_TO and grant.amount > 0
    else:
        assert grant.rules == ()
        assert grant.bound is Bound.UP_TO and grant.amount > 0


# --- the shipped support.toml ------------------------------------------------------------------


def test_shipped_catalogue_parses_with_the_current_programmes() -> None:
    """Check that support.toml parses and marks REAG/GARP 2.0, the Coming Home business grant and
    the Bavarian programme as current, and keeps the seed figures as an older entry."""
    catalogue = shipped()
    assert {p.key for p in catalogue.current()} == {REAG, BUSINESS, "bavarian_reintegration"}
    assert catalogue.programme("seed_office_description").current is False


@pytest.mark.parametrize(
    ("programme", "figure", "bound", "amount"),
    [
        (REAG, "travel_adult", Bound.EXACT, 200),
        (REAG, "travel_minor", Bound.EXACT, 100),
        (REAG, "startup_adult", Bound.EXACT, 1000),
        (REAG, "startup_minor", Bound.EXACT, 500),
        (REAG, "startup_family_cap", Bound.UP_TO, 4000),
        (REAG, "medical_costs", Bound.UP_TO, 2000),
        (REAG, "flight_ticket", Bound.IN_KIND, None),
        (BUSINESS, "business_grant", Bound.UP_TO, 3000),
        ("seed_office_description", "travel_allowance", Bound.EXACT, 200),
        ("seed_office_description", "startup_aid", Bound.UP_TO, 500),
        ("seed_office_description", "business_grant", Bound.UP_TO, 3000),
        ("seed_office_description", "flight_ticket", Bound.IN_KIND, None),
        ("bavarian_reintegration", "reintegration_aid", Bound.CASE_BY_CASE, None),
    ],
)
def test_shipped_figures_match_the_sources(
    programme: str, figure: str, bound: Bound, amount: int | None
) -> None:
    """Check that each shipped figure has the amount and bound the public sources give."""
    (found,) = [f for f in shipped().programme(programme).figures if f.key == figure]
    assert found.bound is bound
    assert found.amount == (None if amount is None else Decimal(amount))


def test_every_shipped_figure_is_dated_and_sourced() -> None:
    """Check that every figure and country list in support.toml has a plausible date and a
    source, and that the seed figures are older than the REAG/GARP 2.0 ones."""
    catalogue = shipped()
    dated: list[Figure | CountryList] = [f for p in catalogue.programmes for f in p.figures]
    dated += [c for p in catalogue.programmes for c in p.countries]
    for entry in dated:
        assert date(2010, 1, 1) <= entry.as_of <= date.today(), entry
        assert len(entry.source) >= 10, entry
    seed = max(f.as_of for f in catalogue.programme("seed_office_description").figures)
    assert seed < min(f.as_of for f in catalogue.programme(REAG).figures)


def test_shipped_country_rules() -> None:
    """Check the shipped country lists: the eight visa-free states (no XK), Ukraine suspended,
    Türkiye with special rules, and the start-up list without the visa-free states."""
    reag = shipped().programme(REAG)
    visa_free = codes(reag, CountryRule.VISA_FREE_REDUCED)
    assert visa_free == {"AL", "BA", "GE", "MK", "ME", "MD", "RS", "UA"}
    assert codes(reag, CountryRule.SUSPENDED) == {"UA"}
    assert "TR" in codes(reag, CountryRule.SPECIAL_RULES)
    startup = codes(reag, CountryRule.STARTUP_ELIGIBLE)
    assert {"IQ", "IR", "SY", "NG", "PK"} <= startup
    assert not startup & visa_free
    assert all(
        code in COUNTRIES for p in shipped().programmes for c in p.countries for code in c.codes
    )


# --- the estimate, by example ------------------------------------------------------------------


def test_family_below_the_cap_gets_full_amounts() -> None:
    """Check that two adults and three minors from Iraq get 700 EUR travel allowance and
    3,500 EUR start-up aid, exactly, with no rule applied."""
    result = estimate(shipped(), Household(2, 3, "IQ", True))
    travel = item(result, REAG, Kind.TRAVEL_ALLOWANCE)
    startup = item(result, REAG, Kind.STARTUP_AID)
    assert (travel.bound, travel.amount, travel.rules) == (Bound.EXACT, Decimal(700), ())
    assert (startup.bound, startup.amount, startup.rules) == (Bound.EXACT, Decimal(3500), ())


def test_large_family_is_capped_at_4000() -> None:
    """Check that start-up aid for 3 adults and 3 minors (4,500 EUR) is capped at 4,000 EUR,
    that the cap is named, and that the estimate carries the oldest date it used."""
    result = estimate(shipped(), Household(3, 3, "IQ", True))
    startup = item(result, REAG, Kind.STARTUP_AID)
    assert startup.amount == Decimal(4000)
    assert startup.rules == (Rule.FAMILY_CAP,)
    assert "startup_family_cap" in startup.figures
    assert startup.as_of == date(2024, 1, 1) and result.as_of == date(2017, 1, 1)


def test_visa_free_country_gets_reduced_travel_allowance_and_no_startup_aid() -> None:
    """Check that an Albanian household's travel allowance is marked reduced (no full 200 EUR) and
    that its start-up aid is zero because Albania is not on the start-up list."""
    result = estimate(shipped(), Household(1, 2, "AL", True))
    travel = item(result, REAG, Kind.TRAVEL_ALLOWANCE)
    startup = item(result, REAG, Kind.STARTUP_AID)
    assert travel.rules == (Rule.VISA_FREE_REDUCED,)
    assert travel.amount < Decimal(400)
    assert set(travel.figures) == {"travel_adult_reduced", "travel_minor_reduced"}
    assert (startup.amount, startup.rules) == (ZERO, (Rule.NOT_ON_STARTUP_LIST,))


def test_ukraine_is_suspended_for_every_reag_item() -> None:
    """Check that for Ukraine every REAG/GARP item, the ticket included, is zero and says the
    destination is suspended, while the office's own grant is still shown."""
    result = estimate(shipped(), Household(2, 1, "UA", True))
    reag = [i for i in result.items if i.programme == REAG]
    assert {i.kind for i in reag} >= {Kind.FLIGHT_TICKET, Kind.TRAVEL_ALLOWANCE, Kind.STARTUP_AID}
    assert all(
        (i.bound, i.amount, i.rules) == (Bound.EXACT, ZERO, (Rule.SUSPENDED_DESTINATION,))
        for i in reag
    )
    assert item(result, BUSINESS, Kind.BUSINESS_GRANT).amount == Decimal(3000)


def test_turkiye_shows_special_rules_and_no_numbers() -> None:
    """Check that for Türkiye no REAG/GARP amount is shown: the items are case by case (the
    ticket stays in kind) and name the special rules."""
    result = estimate(shipped(), Household(1, 1, "TR", True))
    reag = {i.kind: i for i in result.items if i.programme == REAG}
    assert reag[Kind.FLIGHT_TICKET].bound is Bound.IN_KIND
    for kind in (Kind.TRAVEL_ALLOWANCE, Kind.STARTUP_AID, Kind.MEDICAL_COSTS):
        assert (reag[kind].bound, reag[kind].amount) == (Bound.CASE_BY_CASE, ZERO)
        assert reag[kind].rules == (Rule.SPECIAL_RULES_COUNTRY,)


def test_unknown_country_gives_upper_bounds() -> None:
    """Check that without a country the travel allowance and start-up aid are only upper bounds
    ("up to"), named as depending on the country, and the start-up aid still respects the cap."""
    result = estimate(shipped(), Household(4, 4, None, True))
    travel = item(result, REAG, Kind.TRAVEL_ALLOWANCE)
    startup = item(result, REAG, Kind.STARTUP_AID)
    assert (travel.bound, travel.amount, travel.rules) == (
        Bound.UP_TO,
        Decimal(1200),
        (Rule.COUNTRY_UNKNOWN,),
    )
    assert (startup.bound, startup.amount) == (Bound.UP_TO, Decimal(4000))
    assert startup.rules == (Rule.COUNTRY_UNKNOWN, Rule.FAMILY_CAP)


@pytest.mark.parametrize(
    ("stay", "bound", "amount", "rules"),
    [
        (True, Bound.UP_TO, 3000, ()),
        (None, Bound.UP_TO, 3000, (Rule.NEEDS_ONE_YEAR_STAY,)),
        (False, Bound.EXACT, 0, (Rule.NEEDS_ONE_YEAR_STAY,)),
    ],
)
def test_business_grant_needs_one_year_of_stay(
    stay: bool | None, bound: Bound, amount: int, rules: tuple[Rule, ...]
) -> None:
    """Check that the business start-up grant is up to 3,000 EUR after a year of stay, zero
    before, and an upper bound naming the condition when the stay is unknown."""
    grant = item(estimate(shipped(), Household(1, 0, "SN", stay)), BUSINESS, Kind.BUSINESS_GRANT)
    assert (grant.bound, grant.amount, grant.rules) == (bound, Decimal(amount), rules)


def test_household_without_travellers_gets_nothing() -> None:
    """Check that a household of nobody gets zero everywhere, with the reason named."""
    result = estimate(shipped(), Household(0, 0, "IQ", True))
    assert all(i.amount == 0 and i.rules == (Rule.NO_TRAVELLERS,) for i in result.items)


def test_older_figures_are_not_used_for_estimates() -> None:
    """Check that the seed figures (not current) never appear in an estimate."""
    result = estimate(shipped(), Household(1, 0, "IQ", True))
    assert "seed_office_description" not in {i.programme for i in result.items}


MINI = """\
schema = 1

[programmes.p]
current = true

[programmes.p.figures.travel_adult]
kind = "travel_allowance"
basis = "per_adult"
amount = 200
as_of = 2024-01-01
source = "test source"

[programmes.p.figures.travel_adult_reduced]
kind = "travel_allowance"
basis = "per_adult"
variant = "visa_free_reduced"
amount = 75.50
as_of = 2024-06-01
source = "test source"

[programmes.p.figures.startup_adult]
kind = "startup_aid"
basis = "per_adult"
amount = 1000
as_of = 2024-01-01
source = "test source"

[programmes.p.figures.startup_cap]
kind = "startup_aid"
basis = "family_cap"
bound = "up_to"
amount = 2500
as_of = 2024-01-01
source = "test source"

[programmes.p.countries.visa_free_reduced]
codes = ["AL"]
as_of = 2024-02-01
source = "test source"

[programmes.p.countries.startup_eligible]
codes = ["IQ"]
as_of = 2024-03-01
source = "test source"

[programmes.old]
current = false

[programmes.old.figures.travel]
kind = "travel_allowance"
basis = "per_adult"
amount = 999
as_of = 2030-01-01
source = "test source"
"""


def test_reduced_figure_replaces_the_standard_one() -> None:
    """Check that where the office enters a reduced amount, visa-free nationals get exactly that
    amount per adult, as a Decimal, with the oldest date among the figures and lists used."""
    result = estimate(parse_catalogue(MINI, "mini.toml"), Household(3, 0, "AL", True))
    travel = item(result, "p", Kind.TRAVEL_ALLOWANCE)
    assert (travel.bound, travel.amount) == (Bound.EXACT, Decimal("226.50"))
    assert travel.rules == (Rule.VISA_FREE_REDUCED,)
    assert travel.as_of == date(2024, 2, 1)  # the visa-free list, older than the 2024-06-01 amount
    assert result.as_of == date(2024, 1, 1)  # start-up aid's; not the non-current programme's 2030


def test_date_of_the_estimate_is_the_oldest_date_used() -> None:
    """Check that the estimate carries the date of the oldest figure or country list it used, so
    that it never claims a newer date than one of its figures has."""
    result = estimate(parse_catalogue(MINI, "mini.toml"), Household(1, 0, "IQ", True))
    assert item(result, "p", Kind.TRAVEL_ALLOWANCE).as_of == date(2024, 1, 1)
    assert item(result, "p", Kind.STARTUP_AID).as_of == date(2024, 1, 1)  # not the list's 03-01
    assert result.as_of == date(2024, 1, 1)
    shipped_result = estimate(shipped(), Household(1, 0, "IQ", True))
    assert shipped_result.as_of == date(2017, 1, 1)  # the business grant's, the oldest shown


# --- the estimate, as properties ---------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(households)
def test_estimate_properties(household: Household) -> None:
    """Check, for any household, that no item is negative or above its cap or its figures, that
    every zero names its rule, and that the REAG/GARP and stay rules hold."""
    catalogue = shipped()
    result = estimate(catalogue, household)
    check_invariants(catalogue, household, result)
    check_reag_rules(catalogue, household, result)
    check_stay_rule(household, result)


@pytest.mark.parametrize("country", [*COUNTRIES, None])
def test_estimate_properties_for_every_country(country: str | None) -> None:
    """Check the same properties for every country code, for a single person, the largest
    household, and a family on the cap's edge, with each stay answer."""
    catalogue = shipped()
    for adults, minors in ((1, 0), (0, 1), (2, 4), (MAX_MEMBERS, MAX_MEMBERS)):
        for stay in (True, False, None):
            household = Household(adults, minors, country, stay)
            result = estimate(catalogue, household)
            check_invariants(catalogue, household, result)
            check_reag_rules(catalogue, household, result)
            check_stay_rule(household, result)


@pytest.mark.parametrize(
    "fields",
    [
        {"adults": MAX_MEMBERS + 1},
        {"minors": -1},
        {"adults": True},
        {"country": "de"},
        {"country": "DEU"},
        {"country": ""},
    ],
)
def test_household_rejects_out_of_range_answers(fields: dict[str, object]) -> None:
    """Check that a household outside 0-10 people or with a malformed country code is refused."""
    with pytest.raises(ValueError):
        Household(**fields)  # type: ignore[arg-type]


# --- invalid catalogues name file, line and field ----------------------------------------------


def test_negative_amount_in_the_shipped_file_names_file_line_and_field() -> None:
    """Check that a negative amount in support.toml is reported with the file, the line of the
    amount and the programme, figure and field."""
    text = SUPPORT_TOML.read_text(encoding="utf-8")
    header = f"[programmes.{REAG}.figures.travel_adult]"
    line = line_number(text, "amount =", after=header)
    lines = text.splitlines()
    lines[line - 1] = "amount = -200"
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue("\n".join(lines), "support.toml")
    assert str(caught.value) == (
        f'support.toml:{line}: programme "{REAG}", figure "travel_adult": '
        "amount must be a non-negative number"
    )
    assert (caught.value.filename, caught.value.line) == ("support.toml", line)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_broken_amount_is_found_on_its_line(data: st.DataObject) -> None:
    """Check that whichever figure of the shipped file gets a bad amount, the error points at the
    line of that amount and names the figure."""
    text = SUPPORT_TOML.read_text(encoding="utf-8")
    numeric = [
        (p.key, f.key)
        for p in shipped().programmes
        for f in p.figures
        if f.bound in (Bound.EXACT, Bound.UP_TO)
    ]
    programme, figure = data.draw(st.sampled_from(numeric))
    bad = data.draw(st.sampled_from(["-1", '"200"', "true", "-0.01", "nan", "[200]"]))
    line = line_number(text, "amount =", after=f"[programmes.{programme}.figures.{figure}]")
    lines = text.splitlines()
    lines[line - 1] = f"amount = {bad}"
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue("\n".join(lines), "office/munich.toml")
    assert str(caught.value).startswith(
        f'office/munich.toml:{line}: programme "{programme}", figure "{figure}": amount must be'
    )


def _mutate(old: str, new: str) -> str:
    assert MINI.count(old) >= 1, old
    return MINI.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "needle", "after", "message"),
    [
        (
            _mutate("amount = 200\n", 'amount = "200"\n'),
            "amount =",
            "[programmes.p.figures.travel_adult]",
            'programme "p", figure "travel_adult": amount must be a non-negative number',
        ),
        (
            _mutate("amount = 200\n", "amount = 200.001\n"),
            "amount =",
            "[programmes.p.figures.travel_adult]",
            "amount must have at most two decimal places",
        ),
        (
            _mutate("amount = 200\n", "amout = 200\n"),
            "amout =",
            "[programmes.p.figures.travel_adult]",
            'figure "travel_adult": amout is not a known field',
        ),
        (
            _mutate("as_of = 2024-01-01\n", 'as_of = "1 Jan 2024"\n'),
            "as_of =",
            "[programmes.p.figures.travel_adult]",
            "as_of must be a date like 2024-01-01",
        ),
        (
            _mutate("as_of = 2024-01-01\n", "as_of = 2024-01-01T10:00:00\n"),
            "as_of =",
            "[programmes.p.figures.travel_adult]",
            "as_of must be a date like 2024-01-01",
        ),
        (
            _mutate('kind = "startup_aid"', 'kind = "startup"'),
            "kind =",
            "[programmes.p.figures.startup_adult]",
            'figure "startup_adult": kind must be one of flight_ticket, travel_allowance',
        ),
        (
            _mutate('codes = ["IQ"]', 'codes = ["iq"]'),
            "codes =",
            "[programmes.p.countries.startup_eligible]",
            'programme "p", country list "startup_eligible": codes must be a list',
        ),
        (
            _mutate(
                'source = "test source"\n\n[programmes.p.figures.startup_adult]',
                "\n[programmes.p.figures.startup_adult]",
            ),
            "[programmes.p.figures.travel_adult_reduced]",
            "",
            'figure "travel_adult_reduced": source must be a non-empty text',
        ),
        (
            _mutate("current = true", 'current = "yes"'),
            "current =",
            "[programmes.p]",
            'programme "p": current must be true or false',
        ),
        (
            _mutate("current = true", "current = false"),
            "current =",
            "[programmes.p]",
            'programme "p": at least one programme must have current = true',
        ),
        (
            _mutate(
                'basis = "family_cap"\nbound = "up_to"\namount = 2500',
                'basis = "family_cap"\nbound = "case_by_case"',
            ),
            "bound =",
            "[programmes.p.figures.startup_cap]",
            'figure "startup_cap": bound of a family_cap must be "exact" or "up_to"',
        ),
        (
            _mutate(
                'variant = "visa_free_reduced"\namount = 75.50',
                'variant = "visa_free_reduced"\nbound = "case_by_case"\namount = 75.50',
            ),
            "amount =",
            "[programmes.p.figures.travel_adult_reduced]",
            'amount is not allowed with bound "case_by_case"',
        ),
        (
            _mutate(
                "[programmes.p.countries.visa_free_reduced]", "[programmes.p.countries.visa_free]"
            ),
            "[programmes.p.countries.visa_free]",
            "",
            'country list "visa_free" is unknown',
        ),
        (
            _mutate("schema = 1", "schema = 2"),
            "schema =",
            "",
            "schema must be 1",
        ),
        (
            _mutate(
                'basis = "per_adult"\namount = 1000',
                'basis = "per_adult"\namount = 1000\nbound = "case_by_case"',
            ),
            "amount =",
            "[programmes.p.figures.startup_adult]",
            "amount is not allowed",
        ),
        (
            _mutate("[programmes.p.figures.startup_adult]", "[programmes.p.figures.Startup-Adult]"),
            "[programmes.p.figures.Startup-Adult]",
            "",
            "must be lower-case ASCII letters",
        ),
        (
            _mutate("amount = 200\n", "amount = = 200\n"),
            "amount =",
            "[programmes.p.figures.travel_adult]",
            "invalid TOML",
        ),
    ],
)
def test_invalid_catalogue_names_file_line_and_field(
    text: str, needle: str, after: str, message: str
) -> None:
    """Check that each kind of mistake an editor can make is reported with the file name, the
    line where it is and the field, in one readable sentence."""
    line = line_number(text, needle, after=after)
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "mini.toml")
    assert re.match(rf"mini\.toml:{line}: ", str(caught.value)), str(caught.value)
    assert message in str(caught.value)
    assert caught.value.line == line


def test_inline_table_error_points_at_its_line() -> None:
    """Check that a figure written as an inline table is reported on its own line."""
    text = MINI.replace(
        "[programmes.old]\ncurrent = false\n",
        "[programmes.old]\ncurrent = false\n[programmes.old.figures]\n"
        'ticket = { kind = "flight_ticket", basis = "per_person", amount = -5, '
        'as_of = 2024-01-01, source = "x" }\n',
    ).replace(
        '[programmes.old.figures.travel]\nkind = "travel_allowance"\nbasis = "per_adult"\n'
        'amount = 999\nas_of = 2030-01-01\nsource = "test source"\n',
        "",
    )
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "mini.toml")
    assert caught.value.line == line_number(text, "ticket = {")
    assert 'figure "ticket": amount must be a non-negative number' in str(caught.value)


def test_two_family_caps_for_one_kind_are_refused() -> None:
    """Check that a second family cap for the same kind is refused on the second cap's line."""
    text = MINI.replace(
        "[programmes.p.countries.visa_free_reduced]",
        '[programmes.p.figures.second_cap]\nkind = "startup_aid"\nbasis = "family_cap"\n'
        'bound = "up_to"\namount = 3000\nas_of = 2024-01-01\nsource = "test source"\n\n'
        "[programmes.p.countries.visa_free_reduced]",
    )
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, "mini.toml")
    assert caught.value.line == line_number(text, "[programmes.p.figures.second_cap]")
    assert "two family_caps" in str(caught.value)
