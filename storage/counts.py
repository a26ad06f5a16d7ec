"""Anonymous daily counts for the office's funders: no client key and no time of day, so they
outlive every deleted case. Metrics: conversations_started, intakes_completed, booked, held,
no_show, persons (household members counselled), departed, departed:<country>,
language:<code> (appointments booked), interpreter:<confirmed|requested>."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from flows.ports import Figures
from storage.prepared import Prepared
from storage.tables import daily_counts

# Counted in most steps: on the driver (storage/prepared.py).
_COUNT = {
    name: Prepared(
        dialect.insert(daily_counts).on_conflict_do_update(
            index_elements=["day", "office_id", "metric"],
            set_={"count": daily_counts.c.count + bindparam("b_n")},
        )
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def count(tx: Connection, office_id: str, metric: str, when: datetime | date, n: int = 1) -> None:
    day = when.date() if isinstance(when, datetime) else when
    _COUNT[tx.dialect.name].rows(
        tx, {"day": day, "office_id": office_id, "metric": metric[:32], "count": n, "b_n": n}
    )


def figures(tx: Connection, office_id: str, first: date, last: date) -> Figures:
    """The counts of the days from `first` to `last`, both included."""
    rows = tx.execute(
        select(daily_counts.c.metric, func.sum(daily_counts.c.count))
        .where(
            daily_counts.c.office_id == office_id,
            daily_counts.c.day >= first,
            daily_counts.c.day <= last,
        )
        .group_by(daily_counts.c.metric)
    ).all()
    totals = {metric: int(total) for metric, total in rows}
    split: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for metric, total in sorted(totals.items()):
        prefix, _, key = metric.partition(":")
        if key:
            split[prefix].append((key, total))
    return Figures(
        conversations=totals.get("conversations_started", 0),
        intakes=totals.get("intakes_completed", 0),
        booked=totals.get("booked", 0),
        held=totals.get("held", 0),
        no_shows=totals.get("no_show", 0),
        persons=totals.get("persons", 0),
        departures=totals.get("departed", 0),
        countries=_by_count(split["departed"]),
        languages=_by_count(split["language"]),
        interpreters=_by_count(split["interpreter"]),
    )


def _by_count(pairs: list[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(pairs, key=lambda pair: (-pair[1], pair[0])))
