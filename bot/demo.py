"""The demo office for `make run` without a token: a counsellor and interpreters, so booking works."""

from __future__ import annotations

from datetime import time

from flows.schedule import WeeklyHours
from storage.db import Database
from storage.roster import OfficeRoster

MON_THU = (0, 1, 2, 3)
MORNING, AFTERNOON = (time(9), time(12)), (time(13), time(15, 30))


def seed_demo_office(db: Database, office_id: str, counsellor: str = "c1") -> bool:
    """Fill an empty roster with example hours and interpreters; leave a real one alone.
    Counsellor ids are unique across the offices of an installation."""
    roster = OfficeRoster(db, office_id)
    if roster.counsellors():
        return False
    roster.set_hours(counsellor, MON_THU, (MORNING, AFTERNOON), name="Beratung 1 (Demo)")
    days = [WeeklyHours(day, *window) for day in MON_THU for window in (MORNING, AFTERNOON)]
    roster.add_interpreter("Dolmetscher Arabisch/Kurdisch (Demo)", ("ar", "ku", "ckb"), days)
    roster.add_interpreter(
        "Dolmetscherin Farsi/Dari/Paschtu (Demo)", ("fa", "fa_AF", "ps", "ur"), days
    )
    roster.add_interpreter(
        "Dolmetscherin Russisch/Ukrainisch/Georgisch (Demo)",
        ("ru", "uk", "ka"),
        [WeeklyHours(day, *MORNING) for day in MON_THU],
    )
    for language in ("tr", "fr", "sq", "sr_Latn", "az", "ti", "so", "hy", "ro"):
        roster.set_on_request(language)
    return True
