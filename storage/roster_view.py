"""What the office has set that decides which slots are offered and with whom, read in one go
(`read_roster`); the office changes it through storage/roster.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, select

from flows.booking import OWN_LANGUAGES
from flows.clock import BERLIN
from flows.schedule import OpeningRules, Slot, WeeklyHours
from storage.records import here
from storage.tables import (
    blocked_slots,
    closure_days,
    counsellor_hours,
    counsellors,
    extra_slots,
    interpreter_hours,
    interpreter_languages,
    interpreters,
    office_settings,
    on_request_languages,
)
from storage.times import aware

DEFAULT_RULES = OpeningRules(hours={})


@dataclass(frozen=True)
class Interpreter:
    """An interpreter of the roster, with languages and weekly availability (Berlin time)."""

    id: str
    name: str
    languages: frozenset[str]
    hours: tuple[WeeklyHours, ...]
    active: bool = True

    def covers(self, slot: Slot) -> bool:
        """Tell whether the whole slot lies inside one of the interpreter's windows."""
        start, end = slot.start.astimezone(BERLIN), slot.end.astimezone(BERLIN)
        return start.date() == end.date() and any(
            hours.weekday == start.weekday()
            and hours.start <= start.time()
            and end.time() <= hours.end
            for hours in self.hours
        )


@dataclass(frozen=True)
class Counsellor:
    id: str
    name: str
    hours: tuple[WeeklyHours, ...]


@dataclass(frozen=True)
class Roster:
    """Everything the office has set that decides which slots are offered, and with whom."""

    rules: OpeningRules
    languages_without_interpreter: tuple[str, ...]  # in the office file's order
    on_request: frozenset[str]
    interpreters: tuple[Interpreter, ...]
    extra: tuple[Slot, ...]
    blocked: tuple[Slot, ...]

    def needs_interpreter(self, language: str) -> bool:
        return language not in self.languages_without_interpreter


def read_roster(tx: Connection, office_id: str) -> Roster:
    """Load the office's rules, interpreters, single extra and blocked slots."""
    office = office_id
    settings = tx.execute(
        select(office_settings).where(office_settings.c.office_id == office)
    ).first()
    hours: dict[str, list[WeeklyHours]] = {
        row.id: []
        for row in tx.execute(select(counsellors.c.id).where(here(counsellors, office_id)))
    }
    for row in tx.execute(
        select(counsellor_hours).join(counsellors).where(counsellors.c.office_id == office)
    ):
        hours[row.counsellor_id].append(WeeklyHours(row.weekday, row.opens, row.closes))
    closures = frozenset(
        tx.execute(select(closure_days.c.day).where(closure_days.c.office_id == office)).scalars()
    )
    rules = DEFAULT_RULES if settings is None else rules_from(settings)
    rules = replace(rules, hours=hours, closure_days=closures)
    return Roster(
        rules=rules,
        # From the office's configuration (OfficeRoster.set_languages_without_interpreter, at
        # every start), in its order; an office never configured has the default.
        languages_without_interpreter=(
            OWN_LANGUAGES
            if settings is None
            else tuple(_items(settings.languages_without_interpreter))
        ),
        on_request=frozenset(
            tx.execute(
                select(on_request_languages.c.language).where(
                    on_request_languages.c.office_id == office
                )
            ).scalars()
        ),
        interpreters=read_interpreters(tx, office, active_only=True),
        extra=_slots(tx, office, extra_slots),
        blocked=_slots(tx, office, blocked_slots),
    )


def read_interpreters(tx: Connection, office_id: str, active_only: bool) -> tuple[Interpreter, ...]:
    query = select(interpreters).where(here(interpreters, office_id)).order_by(interpreters.c.id)
    if active_only:
        query = query.where(interpreters.c.active.is_(True))
    rows = tx.execute(query).all()
    languages: dict[str, set[str]] = {row.id: set() for row in rows}
    windows: dict[str, list[WeeklyHours]] = {row.id: [] for row in rows}
    for row in tx.execute(select(interpreter_languages)):
        languages.get(row.interpreter_id, set()).add(row.language)
    for row in tx.execute(select(interpreter_hours)):
        windows.get(row.interpreter_id, []).append(WeeklyHours(row.weekday, row.opens, row.closes))
    return tuple(
        Interpreter(
            row.id,
            row.name,
            frozenset(languages[row.id]),
            tuple(sorted(windows[row.id], key=lambda h: (h.weekday, h.start))),
            row.active,
        )
        for row in rows
    )


def _slots(tx: Connection, office_id: str, table: Any) -> tuple[Slot, ...]:
    rows = tx.execute(select(table).join(counsellors).where(counsellors.c.office_id == office_id))
    return tuple(Slot(row.counsellor_id, aware(row.starts_at), aware(row.ends_at)) for row in rows)


def rules_from(row: Any) -> OpeningRules:
    yearly = frozenset((int(item[:2]), int(item[3:])) for item in _items(row.yearly_closures))
    return OpeningRules(
        hours={},
        appointment_minutes=row.appointment_minutes,
        buffer_minutes=row.buffer_minutes,
        horizon_days=row.horizon_days,
        notice_working_days=row.notice_working_days,
        interpreter_notice_working_days=row.interpreter_notice_working_days,
        yearly_closures=yearly,
        holiday_subdivision=row.holiday_subdivision,
        holiday_categories=tuple(_items(row.holiday_categories)),
    )


def _items(text: str) -> list[str]:
    """The items of a comma-separated setting, in order."""
    return [item.strip() for item in text.split(",") if item.strip()]
