"""What the office sets: booking rules, counsellors' hours, single slots, closure days,
interpreters and languages served on request (used by `comehome slots|interpreters`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from flows.booking import OWN_LANGUAGES
from flows.schedule import OpeningRules, Slot, WeeklyHours, generate_slots
from storage.db import Database
from storage.records import Appointment, check_id, here, of_office, to_appointment
from storage.roster_view import (
    DEFAULT_RULES,
    Counsellor,
    Interpreter,
    read_interpreters,
    read_roster,
    rules_from,
)
from storage.tables import (
    appointments,
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
from storage.times import aware, naive


class OfficeRoster:
    """What the office sets: rules, counsellors' hours, single slots, closures, interpreters."""

    def __init__(self, db: Database, office_id: str = "muenchen") -> None:
        self.db = db
        self.office_id = office_id

    def set_rules(self, **changes: Any) -> OpeningRules:
        """Change appointment length, buffer, horizon or notice (OpeningRules field names)."""
        allowed = {
            "appointment_minutes",
            "buffer_minutes",
            "horizon_days",
            "notice_working_days",
            "interpreter_notice_working_days",
        }
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown rules: {', '.join(sorted(unknown))}")
        with self.db.transaction() as tx:
            row = self._settings_row(tx)
            rules = replace(rules_from(row), **changes)
            tx.execute(
                update(office_settings)
                .where(office_settings.c.office_id == self.office_id)
                .values({name: getattr(rules, name) for name in allowed})
            )
            return read_roster(tx, self.office_id).rules

    def set_languages_without_interpreter(self, languages: Iterable[str]) -> None:
        """The languages the office counsels in without an interpreter, as its configuration
        says (`Office.languages_without_interpreter`), in its order (a repeat counts once): given
        at every start, so that the slots offered and the prompts, which both read the roster,
        follow the office file."""
        codes = ",".join(dict.fromkeys(languages))
        with self.db.transaction() as tx:
            if self._settings_row(tx).languages_without_interpreter != codes:
                tx.execute(
                    update(office_settings)
                    .where(office_settings.c.office_id == self.office_id)
                    .values(languages_without_interpreter=codes)
                )

    def _settings_row(self, tx: Connection) -> Any:
        """The office's settings row, made with the default rules and languages without an
        interpreter when it has none; a second instance starting at once finds it made."""
        dialect = postgresql if tx.dialect.name == "postgresql" else sqlite
        rules = DEFAULT_RULES
        tx.execute(
            dialect.insert(office_settings)
            .values(
                office_id=self.office_id,
                appointment_minutes=rules.appointment_minutes,
                buffer_minutes=rules.buffer_minutes,
                horizon_days=rules.horizon_days,
                notice_working_days=rules.notice_working_days,
                interpreter_notice_working_days=rules.interpreter_notice_working_days,
                languages_without_interpreter=",".join(OWN_LANGUAGES),
                yearly_closures=",".join(
                    f"{m:02d}-{d:02d}" for m, d in sorted(rules.yearly_closures)
                ),
                holiday_subdivision=rules.holiday_subdivision,
                holiday_categories=",".join(rules.holiday_categories),
            )
            .on_conflict_do_nothing()
        )
        return tx.execute(
            select(office_settings)
            .where(office_settings.c.office_id == self.office_id)
            .with_for_update()
        ).one()

    def rules(self) -> OpeningRules:
        with self.db.transaction() as tx:
            return read_roster(tx, self.office_id).rules

    def add_counsellor(self, counsellor_id: str, name: str | None = None) -> None:
        """Add a counsellor (or rename one)."""
        check_id(counsellor_id, "counsellor")
        with self.db.transaction() as tx:
            self._ensure_counsellor(tx, counsellor_id, name)

    def _ensure_counsellor(self, tx: Connection, counsellor_id: str, name: str | None) -> None:
        check_id(counsellor_id, "counsellor")
        row = tx.execute(select(counsellors).where(counsellors.c.id == counsellor_id)).first()
        if row is None:
            tx.execute(
                insert(counsellors).values(
                    id=counsellor_id, office_id=self.office_id, name=name or counsellor_id
                )
            )
        elif row.office_id != self.office_id:
            raise ValueError(f"counsellor {counsellor_id} belongs to office {row.office_id}")
        elif name:
            tx.execute(
                update(counsellors).where(counsellors.c.id == counsellor_id).values(name=name)
            )

    def set_hours(
        self,
        counsellor_id: str,
        weekdays: Iterable[int],
        windows: Sequence[tuple[time, time]],
        keep: bool = False,
        name: str | None = None,
    ) -> None:
        """Set a counsellor's weekly hours on these weekdays (replacing theirs unless `keep`)."""
        days = sorted(set(weekdays))
        hours = [WeeklyHours(day, start, end) for day in days for start, end in windows]
        _check_no_overlap(hours)
        with self.db.transaction() as tx:
            self._ensure_counsellor(tx, counsellor_id, name)
            mine = counsellor_hours.c.counsellor_id == counsellor_id
            if not keep:
                tx.execute(
                    delete(counsellor_hours).where(mine, counsellor_hours.c.weekday.in_(days))
                )
            existing = tx.execute(select(counsellor_hours).where(mine)).all()
            _check_no_overlap(
                [*hours, *(WeeklyHours(r.weekday, r.opens, r.closes) for r in existing)]
            )
            if hours:
                tx.execute(
                    insert(counsellor_hours),
                    [
                        {
                            "counsellor_id": counsellor_id,
                            "weekday": h.weekday,
                            "opens": h.start,
                            "closes": h.end,
                        }
                        for h in hours
                    ],
                )

    def counsellors(self) -> list[Counsellor]:
        with self.db.transaction() as tx:
            rows = tx.execute(
                select(counsellors)
                .where(here(counsellors, self.office_id))
                .order_by(counsellors.c.id)
            ).all()
            hours = read_roster(tx, self.office_id).rules.hours
        return [
            Counsellor(
                row.id,
                row.name,
                tuple(sorted(hours.get(row.id, ()), key=lambda h: (h.weekday, h.start))),
            )
            for row in rows
        ]

    def add_slot(self, counsellor_id: str, start: datetime, minutes: int | None = None) -> Slot:
        """Offer one extra slot (on the same conditions as the weekly ones)."""
        return self._single(extra_slots, counsellor_id, start, minutes)

    def block_slot(self, counsellor_id: str, start: datetime, minutes: int | None = None) -> Slot:
        """Take a time out of the counsellor's offer (bookings already made stay)."""
        return self._single(blocked_slots, counsellor_id, start, minutes)

    def remove_slot(self, counsellor_id: str, start: datetime) -> bool:
        return self._unset(extra_slots, counsellor_id, start)

    def unblock_slot(self, counsellor_id: str, start: datetime) -> bool:
        return self._unset(blocked_slots, counsellor_id, start)

    def _single(self, table: Any, counsellor_id: str, start: datetime, minutes: int | None) -> Slot:
        with self.db.transaction() as tx:
            if (
                tx.execute(
                    select(counsellors.c.id).where(counsellors.c.id == counsellor_id)
                ).first()
                is None
            ):
                raise ValueError(
                    f"no counsellor {counsellor_id!r}: set their hours or add them first"
                )
            length = minutes or read_roster(tx, self.office_id).rules.appointment_minutes
            begin = aware(start)
            slot = Slot(counsellor_id, begin, begin + timedelta(minutes=length))
            tx.execute(
                delete(table).where(
                    table.c.counsellor_id == counsellor_id, table.c.starts_at == naive(begin)
                )
            )
            tx.execute(
                insert(table).values(
                    counsellor_id=counsellor_id,
                    starts_at=naive(slot.start),
                    ends_at=naive(slot.end),
                )
            )
        return slot

    def _unset(self, table: Any, counsellor_id: str, start: datetime) -> bool:
        with self.db.transaction() as tx:
            result = tx.execute(
                delete(table).where(
                    table.c.counsellor_id == counsellor_id,
                    table.c.starts_at == naive(aware(start)),
                )
            )
            return bool(result.rowcount)

    def close_day(self, day: date) -> None:
        """Close the office on this day: no slot is offered (bookings already made stay)."""
        with self.db.transaction() as tx:
            dialect = postgresql if tx.dialect.name == "postgresql" else sqlite
            tx.execute(
                dialect.insert(closure_days)
                .values(office_id=self.office_id, day=day)
                .on_conflict_do_nothing()
            )

    def reopen_day(self, day: date) -> bool:
        with self.db.transaction() as tx:
            result = tx.execute(
                delete(closure_days).where(
                    closure_days.c.office_id == self.office_id, closure_days.c.day == day
                )
            )
            return bool(result.rowcount)

    def add_interpreter(
        self,
        name: str,
        languages: Iterable[str],
        hours: Iterable[WeeklyHours],
        interpreter_id: str | None = None,
    ) -> str:
        """Add an interpreter (or replace the languages and hours of one); return the id."""
        codes = sorted(set(languages))
        windows = list(hours)
        if not codes:
            raise ValueError("an interpreter needs at least one language")
        _check_no_overlap(windows)
        with self.db.transaction() as tx:
            known = {row.id: row for row in tx.execute(select(interpreters))}
            new_id = interpreter_id or _free_id(_slug(name), known)
            check_id(new_id, "interpreter")
            if new_id in known and known[new_id].office_id != self.office_id:
                raise ValueError(
                    f"interpreter {new_id} belongs to office {known[new_id].office_id}"
                )
            if new_id in known:
                tx.execute(
                    update(interpreters)
                    .where(interpreters.c.id == new_id)
                    .values(name=name, active=True)
                )
            else:
                tx.execute(
                    insert(interpreters).values(
                        id=new_id, office_id=self.office_id, name=name, active=True
                    )
                )
            for table in (interpreter_languages, interpreter_hours):
                tx.execute(delete(table).where(table.c.interpreter_id == new_id))
            tx.execute(
                insert(interpreter_languages),
                [{"interpreter_id": new_id, "language": code} for code in codes],
            )
            if windows:
                tx.execute(
                    insert(interpreter_hours),
                    [
                        {
                            "interpreter_id": new_id,
                            "weekday": h.weekday,
                            "opens": h.start,
                            "closes": h.end,
                        }
                        for h in windows
                    ],
                )
        return new_id

    def retire_interpreter(self, interpreter_id: str) -> bool:
        """No longer offer this interpreter (appointments already booked keep them)."""
        with self.db.transaction() as tx:
            result = tx.execute(
                update(interpreters)
                .where(interpreters.c.id == interpreter_id, here(interpreters, self.office_id))
                .values(active=False)
            )
            return bool(result.rowcount)

    def set_on_request(self, language: str, on: bool = True) -> None:
        """Mark a language as served by an outside service: booked with interpreter "requested"."""
        with self.db.transaction() as tx:
            tx.execute(
                delete(on_request_languages).where(
                    on_request_languages.c.office_id == self.office_id,
                    on_request_languages.c.language == language,
                )
            )
            if on:
                tx.execute(
                    insert(on_request_languages).values(office_id=self.office_id, language=language)
                )

    def interpreters(self) -> tuple[Interpreter, ...]:
        with self.db.transaction() as tx:
            return read_interpreters(tx, self.office_id, active_only=False)

    def on_request(self) -> frozenset[str]:
        with self.db.transaction() as tx:
            return read_roster(tx, self.office_id).on_request

    def closures(self) -> list[date]:
        with self.db.transaction() as tx:
            return sorted(
                tx.execute(
                    select(closure_days.c.day).where(closure_days.c.office_id == self.office_id)
                ).scalars()
            )

    def overview(self, now: datetime, days: int) -> list[tuple[Slot, Appointment | None]]:
        """Every slot of the next `days` days with its booking, if any (notice ignored)."""
        now = aware(now)
        with self.db.transaction() as tx:
            roster = read_roster(tx, self.office_id)
            rules = replace(
                roster.rules,
                horizon_days=days,
                notice_working_days=0,
                interpreter_notice_working_days=0,
            )
            slots = generate_slots(rules, now, False, roster.extra, roster.blocked)
            rows = tx.execute(
                of_office(self.office_id).where(
                    appointments.c.status == "booked",
                    appointments.c.starts_at > naive(now),
                    appointments.c.starts_at < naive(now + timedelta(days=days + 1)),
                )
            )
            booked = {
                (a.counsellor_id, a.start): a
                for a in (to_appointment(row._mapping) for row in rows)
            }
        listed: list[tuple[Slot, Appointment | None]] = [
            (slot, booked.pop((slot.counsellor_id, slot.start), None)) for slot in slots
        ]
        listed += [(Slot(a.counsellor_id, a.start, a.end), a) for a in booked.values()]
        return sorted(listed, key=lambda pair: (pair[0].start, pair[0].counsellor_id))


def _check_no_overlap(hours: Sequence[WeeklyHours]) -> None:
    ordered = sorted(hours, key=lambda h: (h.weekday, h.start))
    for one, other in pairwise(ordered):
        if one.weekday == other.weekday and other.start < one.end:
            day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[one.weekday]
            raise ValueError(
                f"hours overlap on {day}: {one.start:%H:%M}-{one.end:%H:%M} and "
                f"{other.start:%H:%M}-{other.end:%H:%M}"
            )


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    return slug[:20] or "interpreter"


def _free_id(base: str, taken: Iterable[str]) -> str:
    used = set(taken)
    if base not in used:
        return base
    number = 2
    while f"{base}_{number}" in used:
        number += 1
    return f"{base}_{number}"
