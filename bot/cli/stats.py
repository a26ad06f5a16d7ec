"""`comehome stats`: the anonymous counts for funders, as the office's sentence, a table or CSV."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date

from bot import config


def stats(args: argparse.Namespace) -> int:
    """Print the statistics for a period (default: this year so far), in German or as CSV."""
    from bot.i18n import Catalogs
    from bot.render import Renderer
    from flows import staff
    from flows.model import Reply, Template
    from storage import counts
    from storage.db import Database

    settings = config.load()
    office = settings.office_named(args.office)
    db = Database(settings.database_url)
    db.migrate()
    today = date.today()
    first = date.fromisoformat(args.first) if args.first else today.replace(month=1, day=1)
    last = date.fromisoformat(args.last) if args.last else today
    with db.transaction() as tx:
        figures = counts.figures(tx, office.id, first, last)
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["from", "to", "metric", "count"])
        for name in (
            "conversations",
            "intakes",
            "booked",
            "held",
            "no_shows",
            "persons",
            "departures",
        ):
            writer.writerow([first, last, name, getattr(figures, name)])
        for prefix, pairs in (
            ("departures", figures.countries),
            ("language", figures.languages),
            ("interpreter", figures.interpreters),
        ):
            for key, value in pairs:
                writer.writerow([first, last, f"{prefix}:{key}", value])
        return 0
    renderer = Renderer(Catalogs(settings.locales_dir), office)
    params = {"first": first, "last": last, **staff.figure_params(figures)}
    print(renderer.message(Reply(Template("staff/stats", params)), office.staff_locale).plain)
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = sub.add_parser("stats", help=stats.__doc__, description=stats.__doc__)
    command.add_argument("--from", dest="first", help="first day, YYYY-MM-DD (default: 1 January)")
    command.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: today)")
    command.add_argument("--csv", action="store_true", help="one row per count, for a spreadsheet")
    command.add_argument("--office", metavar="ID", help="which office (default: the first)")
    command.set_defaults(func=stats)
