"""`comehome support show|check`: the support catalogue (support.toml) as a table, and its check."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.config import ConfigError, support_file

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
    """Check the catalogue; on an error print file:line: field: problem and exit 1."""
    path, catalogue = read_chosen(args)
    if catalogue is None:
        return 1
    current = [p.key for p in catalogue.current()]
    figures = sum(len(p.figures) for p in catalogue.programmes)
    print(
        f"{path}: OK: {len(catalogue.programmes)} programmes ({len(current)} current: "
        f"{', '.join(current)}), {figures} figures"
    )
    return 0


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
        command.set_defaults(func=func)
