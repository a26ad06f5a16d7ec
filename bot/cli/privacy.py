"""`comehome privacy page` and `comehome privacy record`: what is stored, for how long, who reads it."""

from __future__ import annotations

import argparse


def print_record(args: argparse.Namespace) -> int:
    """Print the record of processing activities (Art. 30 GDPR, German) for this configuration."""
    from bot import config
    from bot.privacy.record import record_of_processing

    settings = config.load()
    office = settings.office_named(getattr(args, "office", None))
    print(record_of_processing(office, settings.smtp, settings.retention_days), end="")
    return 0


def print_page(args: argparse.Namespace) -> int:
    """Print the data protection page (the content of PRIVACY.md)."""
    from bot.privacy.page import markdown

    print(markdown(), end="")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    privacy = sub.add_parser(
        "privacy",
        help="what is stored: the data protection page and the Art. 30 record",
        description="What is stored, for how long, and who can read it.",
    )
    commands = privacy.add_subparsers(dest="privacy_command", required=True)
    for name, func in (("record", print_record), ("page", print_page)):
        command = commands.add_parser(name, help=func.__doc__, description=func.__doc__)
        command.set_defaults(func=func)
    record = commands.choices["record"]
    record.add_argument("--office", metavar="ID", help="the record of this office (default: first)")
