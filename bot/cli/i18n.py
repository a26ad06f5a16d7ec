"""`comehome i18n …`: extract, update, add, compile and check the translation catalogs."""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from datetime import date
from pathlib import Path

from bot.cli.office import language
from bot.config import ROOT

LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
STAFF_POT = LOCALES / "staff.pot"
KEYWORDS = ["-k", "t", "-k", "pt:1c,2", "-k", "nt:1,2"]
# Staff texts: `st` in Python, the gettext calls Jinja2 makes; not `t`, which is the clients'.
STAFF_KEYWORDS = [
    "--no-default-keywords",
    "-k",
    "st",
    "-k",
    "gettext",
    "-k",
    "ngettext:1,2",
    "-k",
    "pgettext:1c,2",
    "-k",
    "npgettext:1c,2,3",
]
DOMAINS = {
    "messages": (POT, "babel.cfg", KEYWORDS),
    "staff": (STAFF_POT, "babel-staff.cfg", STAFF_KEYWORDS),
}


def pybabel(*args: str) -> None:
    """Run a pybabel command from the repository root, so that file references are relative."""
    from babel.messages.frontend import CommandLineInterface

    here = Path.cwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]  # Babel's CLI is not annotated
    finally:
        os.chdir(here)


def extract_domain(domain: str, output: Path | None = None) -> Path:
    pot, config, keywords = DOMAINS[domain]
    target = output or pot
    pybabel(
        "extract",
        "-F",
        str(ROOT / config),
        *keywords,
        "--add-comments=TRANSLATORS:",
        "--sort-by-file",
        "--no-wrap",
        "--project=comehome",
        "--copyright-holder=comehome",
        "--msgid-bugs-address=",
        "-o",
        str(target),
        ".",
    )
    if domain == "messages":
        add_translator_notes(target)
    return target


def add_translator_notes(pot: Path) -> None:
    """Give every client message its note: screen, role, and a length budget for buttons."""
    from babel.messages.pofile import read_po, write_po

    from bot.translator_notes import annotate

    with pot.open("rb") as handle:
        template = read_po(handle)
    annotate(template, ROOT)
    with pot.open("wb") as handle:
        write_po(handle, template, width=0)


def extract(args: argparse.Namespace) -> int:
    """Collect every translatable text into locales/messages.pot (clients) and staff.pot (staff)."""
    for domain in DOMAINS:
        print(f"wrote {extract_domain(domain).relative_to(ROOT)}")
    return 0


def update(args: argparse.Namespace) -> int:
    """Bring every language's messages.po up to date with the template (extracts first)."""
    extract(args)
    for domain, (pot, _config, _keywords) in DOMAINS.items():
        pybabel(
            "update",
            "-i",
            str(pot),
            "-d",
            str(LOCALES),
            "-D",
            domain,
            "--no-wrap",
            "--ignore-obsolete",
        )
    return 0


def compile_catalogs(args: argparse.Namespace) -> int:
    """Write the binary .mo files next to each .po, for gettext tools that need them (the
    assistant itself reads the .po files directly)."""
    for domain in DOMAINS:
        pybabel("compile", "-d", str(LOCALES), "-D", domain, "--statistics")
    return 0


def add(args: argparse.Namespace) -> int:
    """Start a new language: create its messages.po and list it in locales/languages.toml. Clients
    see it once its privacy notice, menu, intake and booking texts are translated."""
    add_language(LOCALES, POT, args.code, args.name)
    print(f"created locales/{args.code}/LC_MESSAGES/messages.po (hidden until translated)")
    return 0


def add_language(locales: Path, pot: Path, code: str, name: str | None) -> None:
    pybabel("init", "-i", str(pot), "-d", str(locales), "-D", "messages", "-l", code, "--no-wrap")
    listed = tomllib.loads((locales / "languages.toml").read_text(encoding="utf-8"))["language"]
    if code not in {entry["code"] for entry in listed}:
        # The rule is CLDR's as Babel knows it today, written down once: from then on the check
        # holds the catalog to this line, whatever a later Babel says.
        from babel import Locale
        from babel.messages.plurals import get_plural

        rule = get_plural(Locale.parse(code)).plural_forms
        with (locales / "languages.toml").open("a", encoding="utf-8") as handle:
            handle.write(
                f'\n[[language]]\ncode = "{code}"\nname = "{name or code}"\n'
                f'plural_forms = "{rule}"\n'
            )


def check(args: argparse.Namespace) -> int:
    """Report coverage and errors per language; exit 1 on any error."""
    from bot.i18n_check import run_check

    return run_check(LOCALES, POT, sys.stdout, languages=args.languages, status=args.status)


def preview(args: argparse.Namespace) -> int:
    """Write one HTML page with every message of a language as clients will see it (bold,
    buttons, right to left), to open in a browser: no terminal needed to review a language."""
    from bot.i18n_preview import write_preview

    output = Path(args.output or f"preview-{args.code}.html")
    print(f"wrote {write_preview(LOCALES, args.code, output)}")
    return 0


def review(args: argparse.Namespace) -> int:
    """Record that a native speaker has read these screens of a language, as they are translated
    now (reviewer's initials and today's date, in locales/<code>/reviews.csv). Only for a real
    reader's review: a machine read-back is not one."""
    from babel.messages.pofile import read_po

    from bot.i18n_status import record_reviews, reviews_path

    with (LOCALES / args.code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=args.code)
    screens = None if args.all else set(args.screen)
    count = record_reviews(
        reviews_path(LOCALES, args.code), catalog, screens, args.by, date.fromisoformat(args.date)
    )
    print(f"{args.code}: {count} messages marked as reviewed by {args.by}")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    i18n = sub.add_parser("i18n", help="translation catalogs", description=__doc__)
    commands = i18n.add_subparsers(dest="i18n_command", required=True)
    for name, func in (
        ("extract", extract),
        ("update", update),
        ("compile", compile_catalogs),
        ("check", check),
    ):
        command = commands.add_parser(name, help=func.__doc__, description=func.__doc__)
        command.set_defaults(func=func)
        if name == "check":
            command.add_argument("languages", nargs="*", type=language, help="only these languages")
            command.add_argument(
                "--status",
                action="store_true",
                help="also print translated and reviewed messages and unreviewed key screens",
            )
    shown = commands.add_parser("preview", help=preview.__doc__, description=preview.__doc__)
    shown.add_argument("code", type=language, help="the language, e.g. ar")
    shown.add_argument("-o", "--output", help="the page to write (default: preview-CODE.html)")
    shown.set_defaults(func=preview)
    checked = commands.add_parser("review", help=review.__doc__, description=review.__doc__)
    checked.add_argument("code", type=language, help="the language, e.g. fr")
    checked.add_argument("--by", required=True, help="the reviewer's initials")
    what = checked.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--screen",
        action="append",
        choices=("privacy", "menu", "intake", "booking"),
        help="a key screen the reviewer read (repeat for several)",
    )
    what.add_argument("--all", action="store_true", help="the reviewer read every message")
    checked.add_argument("--date", default=str(date.today()), help="YYYY-MM-DD (default: today)")
    checked.set_defaults(func=review)
    new = commands.add_parser("add", help=add.__doc__, description=add.__doc__)
    new.add_argument("code", type=language, help="Babel locale code, e.g. ka, fa_AF, sr_Latn")
    new.add_argument("--name", help="the language's name in itself")
    new.set_defaults(func=add)
