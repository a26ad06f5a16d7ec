"""`comehome support show|check`: the support catalogue (support.toml) as a table, and its check."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.config import ConfigError, support_file, support_max_age_months
from storage.times import utc_now

if TYPE_CHECKING:  # imported where used, so that `comehome --help` stays fast
    from flows.support import Catalogue, Figure


def figure_amount(figure: Figure) -> str:
    """How a figure reads in the table: "up to 2000 EUR per household", "in kind", …"""
    from flows.support import Basis, Bound, Variant

    if figure.bound is Bound.IN_KIND:
        text = "in kind"
    elif figure.bound is Bound.CASE_BY_CASE:
        text = "case by case"
    else:
        prefix = "up to " if figure.bound is Bound.UP_TO else ""
        basis = "per family (cap)" if figure.basis is Basis.FAMILY_CAP else figure.basis.value
        text = f"{prefix}{figure.amount:,} EUR {basis.replace('_', ' ')}"
    if figure.variant is not Variant.STANDARD:
        text += f" [{figure.variant.value}]"
    if figure.needs_one_year_stay:
        text += " [needs one year of stay]"
    return text


def table(rows: Sequence[Sequence[str]], out: TextIO) -> None:
    """Columns padded to their widest cell; the last one (the source) runs on."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")


def show_catalogue(catalogue: Catalogue, out: TextIO) -> None:
    figures = [("programme", "figure", "kind", "amount", "as_of", "source")]
    countries = [("programme", "country list", "codes", "as_of", "source")]
    for programme in catalogue.programmes:
        name = programme.key + (" (current)" if programme.current else "")
        for f in programme.figures:
            figures.append(
                (name, f.key, f.kind.value, figure_amount(f), f.as_of.isoformat(), f.source)
            )
        for c in programme.countries:
            countries.append(
                (name, c.rule.value, " ".join(sorted(c.codes)), c.as_of.isoformat(), c.source)
            )
    table(figures, out)
    if len(countries) > 1:
        out.write("\n")
        table(countries, out)


def chosen_file(args: argparse.Namespace) -> Path:
    return Path(args.file) if args.file else support_file(os.environ)


def read_chosen(args: argparse.Namespace) -> tuple[Path, Catalogue | None]:
    """The chosen file and its catalogue; None (the error printed as file:line) when it is wrong."""
    from bot.support_file import read_catalogue

    path = chosen_file(args)
    try:
        return path, read_catalogue(path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return path, None


def show(args: argparse.Namespace) -> int:
    """Print the catalogue: every figure with its amount, date and source, then the country lists."""
    _, catalogue = read_chosen(args)
    if catalogue is None:
        return 1
    show_catalogue(catalogue, sys.stdout)
    return 0


def check(args: argparse.Namespace) -> int:
    """Check the catalogue; on an error print file:line: field: problem and exit 1. Warn about
    figures clients are shown that are older than --max-age months (default:
    COMEHOME_SUPPORT_MAX_AGE_MONTHS, or 12); with --strict such a warning exits 3."""
    from flows.clock import berlin_day
    from flows.support import outdated

    path, catalogue = read_chosen(args)
    if catalogue is None:
        return 1
    months = args.max_age if args.max_age is not None else support_max_age_months(os.environ)
    today = berlin_day(args.clock())
    old = outdated(catalogue, today, months)
    current = [p.key for p in catalogue.current()]
    figures = sum(len(p.figures) for p in catalogue.programmes)
    verdict = (
        "OK"
        if not old
        else (
            f"OK, but {len(old)} {'entry is' if len(old) == 1 else 'entries are'} older than "
            f"{months} months"
        )
    )
    print(
        f"{path}: {verdict}: {len(catalogue.programmes)} programmes ({len(current)} current: "
        f"{', '.join(current)}), {figures} figures"
    )
    for dated in old:
        print(
            f"{path}: warning: {dated.programme} {dated.what}: as of {dated.as_of.isoformat()}, "
            f"older than {months} months",
            file=sys.stderr,
        )
    if old:
        print(
            "Check each against its source; then correct it and set as_of to the date the "
            "source gives (the support screens show the oldest date they use).",
            file=sys.stderr,
        )
    return 3 if old and args.strict else 0


def months(text: str) -> int:
    """A number of months, 1 or more."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a number of months is like 12 (1 or more): {text!r}")
    return int(text)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    support = sub.add_parser(
        "support", help="the support catalogue (support.toml)", description=__doc__
    )
    commands = support.add_subparsers(dest="support_command", required=True)
    for name, func in (("show", show), ("check", check)):
        command = commands.add_parser(name, help=func.__doc__, description=func.__doc__)
        command.add_argument(
            "--file",
            help="the catalogue file (default: COMEHOME_SUPPORT_FILE, "
            "or support.toml in the repository)",
        )
        command.set_defaults(func=func, clock=utc_now)
        if func is check:
            command.add_argument(
                "--max-age",
                type=months,
                metavar="MONTHS",
                help="warn about figures dated longer ago than this "
                "(default: COMEHOME_SUPPORT_MAX_AGE_MONTHS, or 12)",
            )
            command.add_argument(
                "--strict", action="store_true", help="exit with status 3 when there is a warning"
            )
