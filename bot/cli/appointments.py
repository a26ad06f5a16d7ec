"""`comehome appointments list|show|move|cancel`: the staff chat's case commands at the command line.

Each command runs the staff chat's own step (`flows.staff`, through `bot.service.step.at_the_desk`)
on the configured database, in one transaction: the client is told in their language, the staff
chats and the mailbox get a summary of each change, and the audit log records it. Those messages
wait in the outbox until the running assistant sends them (within seconds). What is printed is
the staff chat's answer, in the office's staff language (German unless the office file says
otherwise; `--lang en` for English).

Exit status: 0 done (or listed); 1 nothing changed (unknown case code, an appointment no longer
booked, a time not offered); 2 wrong usage or configuration.
"""

from __future__ import annotations

import argparse
import getpass
import inspect
import re
import sys
from collections.abc import Callable, Sequence

from bot import config
from bot.cli.office import add_office_option, day, language, local_datetime
from flows.clock import BERLIN, berlin_day
from storage.times import utc_now

CASE_CODE = re.compile(r"[A-Za-z0-9-]{4,20}")
OWN_REASON_LIMIT = 500  # characters: a reason, not a letter
# The preset reasons of the staff chat's buttons (flows.staff.CANCEL_REASONS), named here so that
# `comehome --help` need not load the flows; a test keeps both lists the same.
PRESET_REASONS = ("ill", "interpreter", "closed", "urgent")


def case_code(text: str) -> str:
    if not CASE_CODE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"a case code is like 7KQ3M9XA: {text!r}")
    return text


def own_reason(text: str) -> str:
    words = " ".join(text.split())
    if not words:
        raise argparse.ArgumentTypeError("the reason is empty: write it, or use --reason")
    if len(words) > OWN_REASON_LIMIT:
        raise argparse.ArgumentTypeError(
            f"keep the reason under {OWN_REASON_LIMIT} characters (it has {len(words)})"
        )
    return words


# --- the commands ----------------------------------------------------------------------------------


def listing(args: argparse.Namespace) -> int:
    """List the booked appointments still ahead, by time.

    E.g. --from 2026-12-07 --to 2026-12-11 --language ar (default: all of them)."""
    if args.first and args.last and args.last < args.first:
        return refuse("--to is before --from")
    first = args.first
    if args.last and not first:  # "/upcoming" reads a single date as the first day
        first = berlin_day(args.clock())
    words = [d.isoformat() for d in (first, args.last) if d]
    return at_the_desk(args, "upcoming", words + [args.language] * bool(args.language), True)


def show(args: argparse.Namespace) -> int:
    """Show one case: time, language, interpreter and the client's anonymous answers."""
    return at_the_desk(args, "case", [args.code])


def move(args: argparse.Namespace) -> int:
    """Move a booked appointment to another time offered for its language.

    E.g. CODE 2026-12-10T10:00 [--counsellor c1] (Berlin time). The new time is taken before the
    old one is given up; the client reads the old and the new time and gets a new calendar
    file. A time not offered is refused with the next free ones."""
    words = [args.code, f"{args.at.astimezone(BERLIN):%Y-%m-%dT%H:%M}"]
    return at_the_desk(args, "move", words + ([args.counsellor] if args.counsellor else []))


def cancel(args: argparse.Namespace) -> int:
    """Cancel an appointment, telling the client why in their language.

    --reason ill|interpreter|closed|urgent: a preset reason, translated for the client. Or
    --own-reason "…" in German: the client receives it word for word, under a line in their
    language saying it is the office's message in German."""
    return at_the_desk(args, "cancel", [args.code, args.reason or args.own_reason])


# --- running the staff chat's step ----------------------------------------------------------------


def at_the_desk(
    args: argparse.Namespace, command: str, words: Sequence[str], read_only: bool = False
) -> int:
    """Run the staff command on the office's desk and print its answer; 0 when it did what was
    asked (an audited change or lookup), 1 when nothing changed."""
    from bot.assistant import Assistant
    from bot.service.step import at_the_desk as run
    from flows.model import Audit, Command

    settings = config.load()
    office = settings.office_named(args.office)
    assistant = Assistant.build(settings, clock=args.clock)
    try:
        # Who acted, as a pseudonym like a staff member's Telegram account: the login name.
        staff_key = settings.keyring.client_key("staff-cli", getpass.getuser())
        replies, effects = run(assistant, office.id, Command(command, " ".join(words)), staff_key)
        done = read_only or any(isinstance(effect, Audit) for effect in effects)
        locale = args.lang or office.staff_locale
        out = sys.stdout if done else sys.stderr
        for reply in replies:
            print(assistant.renderer.message(reply, locale, office.id).plain.strip(), file=out)
    finally:
        assistant.db.dispose()
    return 0 if done else 1


def refuse(message: str) -> int:
    print(f"comehome: {message}", file=sys.stderr)
    return 2


# --- wiring ------------------------------------------------------------------------------------------


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `appointments list|show|move|cancel` on the `comehome` command."""
    group = sub.add_parser(
        "appointments",
        help="list, show, move or cancel appointments by case code",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = group.add_subparsers(dest="appointments_command", required=True)

    def command(name: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        summary = (func.__doc__ or "").split("\n")[0].rstrip(".")
        parser = commands.add_parser(
            name,
            help=summary,
            description=inspect.cleandoc(func.__doc__ or ""),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.set_defaults(func=func, clock=utc_now)
        add_office_option(parser)
        parser.add_argument(
            "--lang", choices=("de", "en"), help="the answer's language (default: the office's)"
        )
        return parser

    listed = command("list", listing)
    listed.add_argument("--from", dest="first", type=day, metavar="YYYY-MM-DD")
    listed.add_argument("--to", dest="last", type=day, metavar="YYYY-MM-DD")
    listed.add_argument("--language", type=language, help="only this language, e.g. ar")
    shown = command("show", show)
    shown.add_argument("code", type=case_code)
    moved = command("move", move)
    moved.add_argument("code", type=case_code)
    moved.add_argument("at", type=local_datetime, metavar="YYYY-MM-DDTHH:MM")
    moved.add_argument("--counsellor", help="with this counsellor (default: any free at that time)")
    cancelled = command("cancel", cancel)
    cancelled.add_argument("code", type=case_code)
    why = cancelled.add_mutually_exclusive_group(required=True)
    why.add_argument(
        "--reason",
        choices=PRESET_REASONS,
        help="a preset reason, in the client's language: the counsellor is ill, no interpreter, "
        "the office is closed, an urgent matter at the office",
    )
    why.add_argument(
        "--own-reason",
        type=own_reason,
        metavar="TEXT",
        help="your own words, in German: sent word for word after a translated line saying so",
    )
