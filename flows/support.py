"""The "support on offer" catalogue (programmes, dated figures, country rules) and what it may mean
for one household. Pure: parses TOML text handed in by the caller; the wording lives in gettext.
"""

from __future__ import annotations

import calendar
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Final, TypeVar

SCHEMA_VERSION: Final = 1
MAX_MEMBERS: Final = 10
ZERO: Final = Decimal(0)


class Kind(StrEnum):
    FLIGHT_TICKET = "flight_ticket"
    TRAVEL_ALLOWANCE = "travel_allowance"
    STARTUP_AID = "startup_aid"
    MEDICAL_COSTS = "medical_costs"
    BUSINESS_GRANT = "business_grant"
    REINTEGRATION_AID = "reintegration_aid"


class Basis(StrEnum):
    PER_ADULT = "per_adult"
    PER_MINOR = "per_minor"
    PER_PERSON = "per_person"
    PER_HOUSEHOLD = "per_household"
    FAMILY_CAP = "family_cap"  # the most one household gets for this kind


class Bound(StrEnum):
    EXACT = "exact"
    UP_TO = "up_to"
    CASE_BY_CASE = "case_by_case"  # no figure: the counselling decides
    IN_KIND = "in_kind"  # paid directly, e.g. the ticket


NUMERIC_BOUNDS: Final = frozenset({Bound.EXACT, Bound.UP_TO})


class Variant(StrEnum):
    STANDARD = "standard"
    VISA_FREE_REDUCED = "visa_free_reduced"


class CountryRule(StrEnum):
    """Names of a programme's country lists (ISO 3166-1 alpha-2 codes)."""

    VISA_FREE_REDUCED = "visa_free_reduced"
    STARTUP_ELIGIBLE = "startup_eligible"
    SPECIAL_RULES = "special_rules"
    SUSPENDED = "suspended"


class Rule(StrEnum):
    """Why an estimate item is zero, reduced or only an upper bound."""

    NO_TRAVELLERS = "no_travellers"
    SUSPENDED_DESTINATION = "suspended_destination"
    SPECIAL_RULES_COUNTRY = "special_rules_country"
    VISA_FREE_REDUCED = "visa_free_reduced"
    NOT_ON_STARTUP_LIST = "not_on_startup_list"
    COUNTRY_UNKNOWN = "country_unknown"
    NEEDS_ONE_YEAR_STAY = "needs_one_year_stay"
    FAMILY_CAP = "family_cap"


@dataclass(frozen=True)
class Figure:
    key: str
    kind: Kind
    basis: Basis
    bound: Bound
    amount: Decimal | None  # EUR; None exactly when the bound is case_by_case or in_kind
    as_of: date
    source: str
    variant: Variant = Variant.STANDARD
    needs_one_year_stay: bool = False


@dataclass(frozen=True)
class CountryList:
    rule: CountryRule
    codes: frozenset[str]
    as_of: date
    source: str


@dataclass(frozen=True)
class Programme:
    key: str
    current: bool
    figures: tuple[Figure, ...]
    countries: tuple[CountryList, ...] = ()

    def country_list(self, rule: CountryRule) -> CountryList | None:
        return next((c for c in self.countries if c.rule is rule), None)

    def kinds(self) -> tuple[Kind, ...]:
        return tuple(dict.fromkeys(f.kind for f in self.figures))


@dataclass(frozen=True)
class Catalogue:
    programmes: tuple[Programme, ...]

    def current(self) -> tuple[Programme, ...]:
        return tuple(p for p in self.programmes if p.current)

    def programme(self, key: str) -> Programme:
        for programme in self.programmes:
            if programme.key == key:
                return programme
        raise KeyError(key)


@dataclass(frozen=True)
class Household:
    adults: int = 1
    minors: int = 0
    country: str | None = None  # ISO 3166-1 alpha-2 nationality / destination
    stay_one_year_or_more: bool | None = None

    def __post_init__(self) -> None:
        for name, value in (("adults", self.adults), ("minors", self.minors)):
            if type(value) is not int or not 0 <= value <= MAX_MEMBERS:
                raise ValueError(f"{name} must be a whole number from 0 to {MAX_MEMBERS}")
        if self.country is not None and not _COUNTRY_CODE.fullmatch(self.country):
            raise ValueError("country must be an upper-case ISO 3166-1 alpha-2 code")
        if self.stay_one_year_or_more not in (True, False, None):
            raise ValueError("stay_one_year_or_more must be True, False or None")


@dataclass(frozen=True)
class EstimateItem:
    programme: str
    kind: Kind
    bound: Bound
    amount: Decimal  # exact amount or ceiling; zero for case_by_case, in_kind and excluded items
    rules: tuple[Rule, ...]
    figures: tuple[str, ...]  # catalogue keys the amount comes from
    as_of: date  # oldest as_of of the figures and country lists used: no newer date is claimed


@dataclass(frozen=True)
class Estimate:
    items: tuple[EstimateItem, ...]
    as_of: date | None  # oldest as_of of all items; None when nothing was estimated


# --- the estimate -------------------------------------------------------------------------------


def estimate(catalogue: Catalogue, household: Household) -> Estimate:
    """What each current programme may mean for the household, item by item, with the rules."""
    items = tuple(
        _estimate_kind(programme, kind, household)
        for programme in catalogue.current()
        for kind in programme.kinds()
    )
    return Estimate(items, min((i.as_of for i in items), default=None))


def _estimate_kind(programme: Programme, kind: Kind, household: Household) -> EstimateItem:
    """One item. Rules by precedence: nobody travels, suspended destination, special rules,
    visa-free reduction, start-up list, one year of stay, family cap."""
    figures = [f for f in programme.figures if f.kind is kind]
    cap = next((f for f in figures if f.basis is Basis.FAMILY_CAP), None)
    standard = [f for f in figures if f.variant is Variant.STANDARD and f is not cap]
    reduced = [f for f in figures if f.variant is Variant.VISA_FREE_REDUCED]
    country = household.country
    rules: list[Rule] = []
    lists: list[CountryList] = []

    def item(bound: Bound, amount: Decimal, used: Sequence[Figure]) -> EstimateItem:
        dates = [f.as_of for f in used] + [c.as_of for c in lists]
        keys = tuple(f.key for f in used)
        return EstimateItem(programme.key, kind, bound, amount, tuple(rules), keys, min(dates))

    def listed(rule: CountryRule) -> bool:
        country_list = programme.country_list(rule)
        if country_list is None or country not in country_list.codes:
            return False
        lists.append(country_list)
        return True

    if household.adults + household.minors == 0:
        rules.append(Rule.NO_TRAVELLERS)
        return item(Bound.EXACT, ZERO, standard)
    if listed(CountryRule.SUSPENDED):
        rules.append(Rule.SUSPENDED_DESTINATION)
        return item(Bound.EXACT, ZERO, standard)
    if listed(CountryRule.SPECIAL_RULES):
        rules.append(Rule.SPECIAL_RULES_COUNTRY)
        in_kind = _bound_of(standard) is Bound.IN_KIND
        return item(Bound.IN_KIND if in_kind else Bound.CASE_BY_CASE, ZERO, standard)

    chosen, bound = standard, _bound_of(standard)
    visa_free = programme.country_list(CountryRule.VISA_FREE_REDUCED)
    if reduced and visa_free is not None:
        if country is None:
            rules.append(Rule.COUNTRY_UNKNOWN)
            bound = _at_most(bound)
        elif listed(CountryRule.VISA_FREE_REDUCED):
            rules.append(Rule.VISA_FREE_REDUCED)
            chosen, bound = reduced, _bound_of(reduced)

    startup = programme.country_list(CountryRule.STARTUP_ELIGIBLE)
    if kind is Kind.STARTUP_AID and startup is not None:
        if country is None:
            if Rule.COUNTRY_UNKNOWN not in rules:
                rules.append(Rule.COUNTRY_UNKNOWN)
            bound = _at_most(bound)
        else:
            lists.append(startup)
            if country not in startup.codes:
                rules.append(Rule.NOT_ON_STARTUP_LIST)
                return item(Bound.EXACT, ZERO, chosen)

    if any(f.needs_one_year_stay for f in chosen):
        if household.stay_one_year_or_more is False:
            rules.append(Rule.NEEDS_ONE_YEAR_STAY)
            return item(Bound.EXACT, ZERO, chosen)
        if household.stay_one_year_or_more is None:
            rules.append(Rule.NEEDS_ONE_YEAR_STAY)
            bound = _at_most(bound)

    if bound not in NUMERIC_BOUNDS:
        return item(bound, ZERO, chosen)
    amount = sum((_count(f.basis, household) * (f.amount or ZERO) for f in chosen), ZERO)
    if cap is not None and cap.amount is not None and amount > cap.amount:
        rules.append(Rule.FAMILY_CAP)
        return item(bound, cap.amount, [*chosen, cap])
    return item(bound, amount, chosen)


def _count(basis: Basis, household: Household) -> int:
    return {
        Basis.PER_ADULT: household.adults,
        Basis.PER_MINOR: household.minors,
        Basis.PER_PERSON: household.adults + household.minors,
        Basis.PER_HOUSEHOLD: 1,
        Basis.FAMILY_CAP: 0,
    }[basis]


def _bound_of(figures: Sequence[Figure]) -> Bound:
    """The bound of figures that the parser has checked to be of one family."""
    bounds = {f.bound for f in figures}
    if bounds <= NUMERIC_BOUNDS:
        return Bound.UP_TO if Bound.UP_TO in bounds else Bound.EXACT
    return bounds.pop()


def _at_most(bound: Bound) -> Bound:
    """An exact amount becomes a ceiling when a condition of it is still open."""
    return Bound.UP_TO if bound is Bound.EXACT else bound


# --- the age of the figures ----------------------------------------------------------------------

DEFAULT_MAX_AGE_MONTHS: Final = (
    12  # figures older than this are worth checking against their source
)


@dataclass(frozen=True)
class Dated:
    """A figure or country list of a current programme, with its date (what `outdated` finds)."""

    programme: str
    what: str  # "figure travel_adult", "country list visa_free_reduced"
    as_of: date


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day where it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def outdated(catalogue: Catalogue, today: date, max_age_months: int) -> tuple[Dated, ...]:
    """The figures and country lists clients are shown (current programmes) whose date lies more
    than `max_age_months` before `today`, oldest first."""
    limit = months_before(today, max_age_months)
    found = [
        Dated(p.key, f"{label} {entry_key}", as_of)
        for p in catalogue.current()
        for label, entry_key, as_of in (
            *(("figure", f.key, f.as_of) for f in p.figures),
            *(("country list", c.rule.value, c.as_of) for c in p.countries),
        )
        if as_of < limit
    ]
    return tuple(sorted(found, key=lambda d: (d.as_of, d.programme, d.what)))


# --- parsing and validation ---------------------------------------------------------------------


class CatalogueError(ValueError):
    """An invalid catalogue, naming file, line and field."""

    def __init__(self, filename: str, line: int, location: str, problem: str) -> None:
        self.filename, self.line, self.location, self.problem = filename, line, location, problem
        where = f"{location}: " if location else ""
        super().__init__(f"{filename}:{line}: {where}{problem}")


_COUNTRY_CODE: Final = re.compile(r"[A-Z]{2}")
_CATALOGUE_KEY: Final = re.compile(r"[a-z][a-z0-9_]{0,47}")
_FIGURE_FIELDS: Final = frozenset(
    {"kind", "basis", "bound", "amount", "as_of", "source", "variant", "needs_one_year_stay"}
)
_LABELS: Final = {"programmes": "programme", "figures": "figure", "countries": "country list"}
Path = tuple[str, ...]
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class _Source:
    filename: str
    text: str

    def error(self, path: Path, problem: str) -> CatalogueError:
        return CatalogueError(self.filename, _line_of(self.text, path), _describe(path), problem)


def parse_catalogue(text: str, filename: str) -> Catalogue:
    """Parse and validate the catalogue TOML; raise CatalogueError naming file, line and field."""
    src = _Source(filename, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else max(1, len(text.splitlines()))
        problem = re.sub(r"\s*\(at [^)]*\)$", "", str(exc))
        raise CatalogueError(filename, line, "", f"invalid TOML: {problem}") from None
    _check_fields(src, (), data, {"schema", "programmes"})
    schema = data.get("schema")
    if type(schema) is not int or schema != SCHEMA_VERSION:
        raise src.error(("schema",), f"schema must be {SCHEMA_VERSION}")
    raw = _table(src, data, ("programmes",))
    programmes = tuple(_programme(src, key, _table(src, raw, ("programmes", key))) for key in raw)
    if not programmes:
        raise src.error(("programmes",), "programmes must list at least one programme")
    if not any(p.current for p in programmes):
        first: Path = ("programmes", programmes[0].key, "current")
        raise src.error(first, "at least one programme must have current = true")
    return Catalogue(programmes)


def _programme(src: _Source, key: str, raw: Mapping[str, object]) -> Programme:
    path: Path = ("programmes", key)
    _check_key(src, path)
    _check_fields(src, path, raw, {"current", "figures", "countries"})
    current = raw.get("current")
    if not isinstance(current, bool):
        raise src.error((*path, "current"), "current must be true or false")
    figures_raw = _table(src, raw, (*path, "figures"))
    figures = tuple(
        _figure(src, (*path, "figures", k), _table(src, figures_raw, (*path, "figures", k)))
        for k in figures_raw
    )
    if not figures:
        raise src.error((*path, "figures"), "figures must list at least one figure")
    countries_raw = _table(src, raw, (*path, "countries"), required=False)
    countries = tuple(
        _country_list(
            src, (*path, "countries", k), _table(src, countries_raw, (*path, "countries", k))
        )
        for k in countries_raw
    )
    programme = Programme(key, current, figures, countries)
    _check_families(src, path, programme)
    return programme


def _figure(src: _Source, path: Path, raw: Mapping[str, object]) -> Figure:
    _check_key(src, path)
    _check_fields(src, path, raw, _FIGURE_FIELDS)
    bound = _choice(src, path, raw, "bound", Bound, Bound.EXACT)
    amount: Decimal | None = None
    if bound in NUMERIC_BOUNDS:
        amount = _amount(src, (*path, "amount"), raw.get("amount"))
    elif "amount" in raw:
        raise src.error((*path, "amount"), f'amount is not allowed with bound "{bound}"')
    needs_stay = raw.get("needs_one_year_stay", False)
    if not isinstance(needs_stay, bool):
        raise src.error((*path, "needs_one_year_stay"), "needs_one_year_stay must be true or false")
    figure = Figure(
        key=path[-1],
        kind=_choice(src, path, raw, "kind", Kind),
        basis=_choice(src, path, raw, "basis", Basis),
        bound=bound,
        amount=amount,
        as_of=_date(src, (*path, "as_of"), raw.get("as_of")),
        source=_text(src, (*path, "source"), raw.get("source")),
        variant=_choice(src, path, raw, "variant", Variant, Variant.STANDARD),
        needs_one_year_stay=needs_stay,
    )
    if figure.basis is Basis.FAMILY_CAP and figure.amount is None:
        raise src.error((*path, "bound"), 'bound of a family_cap must be "exact" or "up_to"')
    return figure


def _country_list(src: _Source, path: Path, raw: Mapping[str, object]) -> CountryList:
    if path[-1] not in set(CountryRule):
        names = ", ".join(CountryRule)
        raise src.error(path, f'country list "{path[-1]}" is unknown; use one of {names}')
    _check_fields(src, path, raw, {"codes", "as_of", "source"})
    codes = raw.get("codes")
    if not isinstance(codes, list) or not all(
        isinstance(c, str) and _COUNTRY_CODE.fullmatch(c) for c in codes
    ):
        raise src.error(
            (*path, "codes"), 'codes must be a list of ISO 3166-1 alpha-2 codes like "AL"'
        )
    return CountryList(
        CountryRule(path[-1]),
        frozenset(codes),
        _date(src, (*path, "as_of"), raw.get("as_of")),
        _text(src, (*path, "source"), raw.get("source")),
    )


def _check_families(src: _Source, path: Path, programme: Programme) -> None:
    """Within one kind: a standard figure, at most one cap, and no mixing of numeric and
    case_by_case/in_kind figures, so that every estimate item has one clear bound."""
    for kind in programme.kinds():
        figures = [f for f in programme.figures if f.kind is kind]
        caps = [f for f in figures if f.basis is Basis.FAMILY_CAP]
        if len(caps) > 1:
            raise src.error((*path, "figures", caps[1].key), f'kind "{kind}" has two family_caps')
        for cap in caps:
            if cap.variant is not Variant.STANDARD:
                raise src.error(
                    (*path, "figures", cap.key, "variant"), "a family_cap must be standard"
                )
        for variant in Variant:
            family = [f for f in figures if f.variant is variant and f not in caps]
            if variant is Variant.STANDARD and not family:
                first = figures[0].key
                raise src.error((*path, "figures", first), f'kind "{kind}" needs a standard figure')
            kinds_of_bound = {
                f.bound if f.bound not in NUMERIC_BOUNDS else "numeric" for f in family
            }
            if len(kinds_of_bound) > 1:
                raise src.error(
                    (*path, "figures", family[-1].key, "bound"),
                    f'bound must not mix amounts with case_by_case or in_kind within kind "{kind}"',
                )
            if caps and family and family[0].bound not in NUMERIC_BOUNDS:
                raise src.error(
                    (*path, "figures", caps[0].key), "a family_cap needs amounts to cap"
                )


def _table(
    src: _Source, parent: Mapping[str, object], path: Path, *, required: bool = True
) -> dict[str, object]:
    value = parent.get(path[-1])
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise src.error(path, f"{path[-1]} must be a table")
    return value


def _check_fields(
    src: _Source, path: Path, raw: Mapping[str, object], allowed: set[str] | frozenset[str]
) -> None:
    for name in raw:
        if name not in allowed:
            raise src.error(
                (*path, name), f"{name} is not a known field; known: {', '.join(sorted(allowed))}"
            )


def _check_key(src: _Source, path: Path) -> None:
    if not _CATALOGUE_KEY.fullmatch(path[-1]):
        raise src.error(path, f'"{path[-1]}" must be lower-case ASCII letters, digits and "_"')


def _choice(
    src: _Source,
    path: Path,
    raw: Mapping[str, object],
    name: str,
    enum: type[E],
    default: E | None = None,
) -> E:
    value = raw.get(name)
    if value is None and default is not None:
        return default
    options: dict[str, E] = {member.value: member for member in enum}
    if not isinstance(value, str) or value not in options:
        raise src.error((*path, name), f"{name} must be one of {', '.join(options)}")
    return options[value]


def _amount(src: _Source, path: Path, value: object) -> Decimal:
    problem = f"{path[-1]} must be a non-negative number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise src.error(path, problem)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise src.error(path, problem) from None
    if not amount.is_finite() or amount < 0:
        raise src.error(path, problem)
    if amount != amount.quantize(Decimal("0.01")):
        raise src.error(path, f"{path[-1]} must have at most two decimal places")
    return amount


def _date(src: _Source, path: Path, value: object) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise src.error(path, f"{path[-1]} must be a date like 2024-01-01")
    return value


def _text(src: _Source, path: Path, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise src.error(path, f"{path[-1]} must be a non-empty text")
    return value.strip()


def _describe(path: Path) -> str:
    """('programmes', 'p', 'figures', 'f', 'amount') -> 'programme "p", figure "f"'."""
    return ", ".join(
        f'{_LABELS[path[i]]} "{path[i + 1]}"'
        for i in range(0, len(path) - 1, 2)
        if path[i] in _LABELS
    )


# TOML keys are bare (a-z, 0-9, _ and -) or quoted; tomllib reports no positions, so the line of a
# key is found again in the text: the line of the longest table or key that is a prefix of the path.
_PART: Final = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_DOTTED: Final = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER: Final = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]\]?")
_KEY_LINE: Final = re.compile(rf"^\s*({_DOTTED})\s*=")
_INLINE_KEY: Final = re.compile(rf"[{{,]\s*({_DOTTED})\s*=")


def _split_key(dotted: str) -> Path:
    return tuple(part.strip("\"'") for part in re.findall(_PART, dotted))


def _line_of(text: str, path: Path) -> int:
    best_line, best_depth = 1, 0
    table: Path = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        key = None if header else _KEY_LINE.match(line)
        if header:
            table = _split_key(header.group(1))
            candidates = [table]
        elif key:
            full = (*table, *_split_key(key.group(1)))
            inline = _INLINE_KEY.finditer(line, key.end())
            candidates = [full, *((*full, *_split_key(m.group(1))) for m in inline)]
        else:
            continue
        for candidate in candidates:
            depth = len(candidate)
            if depth > best_depth and path[:depth] == candidate:
                best_line, best_depth = number, depth
    return best_line
