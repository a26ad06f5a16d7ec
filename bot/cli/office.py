"""`comehome slots …`, `comehome interpreters …`, `comehome agenda`: the office's own settings.

Times are typed and shown in Europe/Berlin. Nothing printed here identifies a client: bookings
appear by case code, language and interpreter only.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from itertools import groupby
from typing import TYPE_CHECKING

from bot import config
from flows.clock import BERLIN, berlin_day
from flows.model import LANGUAGE_CODE
from storage.times import aware, utc_now

if TYPE_CHECKING:  # imported where used, so that `comehome --help` loads no database library
    from flows.schedule import OpeningRules, WeeklyHours
    from storage.records import Appointment
    from storage.roster import OfficeRoster

WEEKDAYS = {
    **{name: n for n, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: n for n, name in enumerate(("mo", "di", "mi", "do", "fr", "sa", "so"))},
}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class UsageError(Exception):
    """What the office typed cannot be used; the message says what to type instead."""


@contextmanager
def opened(
    args: argparse.Namespace,
) -> Iterator[tuple[OfficeRoster, Callable[[date], list[Appointment]], config.Settings]]:
    """An office's roster and appointments (`--office`, or the default one) on the configured,
    migrated database."""
    from storage.booking import AppointmentBook
    from storage.db import Database
    from storage.roster import OfficeRoster

    settings = config.load()
    office = settings.office_named(getattr(args, "office", None))
    db = Database(settings.database_url)
    try:
        db.migrate()

        def agenda(day: date) -> list[Appointment]:
            with db.transaction() as tx:
                return AppointmentBook(tx, office.id).agenda(day)

        roster = OfficeRoster(db, office.id)
        roster.set_languages_without_interpreter(office.languages_without_interpreter)
        yield roster, agenda, settings
    finally:
        db.dispose()


# --- parsing what the office types ---------------------------------------------------------------


def weekdays(text: str) -> list[int]:
    """ "mon-thu", "mon,wed,fri", "mo-do" (German) → weekday numbers, Monday = 0."""
    days: list[int] = []
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        first, _, last = part.partition("-")
        try:
            start, end = WEEKDAYS[first], WEEKDAYS[last or first]
        except KeyError:
            raise argparse.ArgumentTypeError(
                f"weekdays are like mon-thu or mon,wed,fri (or mo-do): {text!r}"
            ) from None
        if end < start:
            raise argparse.ArgumentTypeError(f"{part!r} runs backwards")
        days += range(start, end + 1)
    if not days:
        raise argparse.ArgumentTypeError("name at least one weekday")
    return sorted(set(days))


def clock_time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a time is like 09:00: {text!r}") from None


def local_datetime(text: str) -> datetime:
    """ "2026-12-02T10:00" (or with a space) in Berlin time → an aware datetime."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a time is like 2026-12-02T10:00: {text!r}") from None
    return moment.replace(tzinfo=BERLIN) if moment.tzinfo is None else moment


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date is like 2026-12-24: {text!r}") from None


def language(text: str) -> str:
    """A language code as typed on any command line (`flows.model.LANGUAGE_CODE`)."""
    if not LANGUAGE_CODE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"a language code is like ar, ku or fa_AF: {text!r}")
    return text


def languages(text: str) -> list[str]:
    codes = [language(code.strip()) for code in text.split(",") if code.strip()]
    if not codes:
        raise argparse.ArgumentTypeError("name at least one language")
    return codes


def windows(args: argparse.Namespace) -> list[tuple[time, time]]:
    starts, ends = args.start or [], args.end or []
    if len(starts) != len(ends):
        raise UsageError("give each --from its --to")
    return list(zip(starts, ends, strict=True))


# --- showing -------------------------------------------------------------------------------------


def berlin(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


def span(hours: Sequence[WeeklyHours]) -> str:
    """Weekly hours as "Mon-Thu 09:00-12:00, 13:00-15:30; Fri 09:00-12:00"."""
    by_times: dict[tuple[time, ...], list[int]] = {}
    for weekday, entries in groupby(
        sorted(hours, key=lambda h: (h.weekday, h.start)), key=lambda h: h.weekday
    ):
        times = tuple(t for h in entries for t in (h.start, h.end))
        by_times.setdefault(times, []).append(weekday)
    parts = []
    for times, days in by_times.items():
        ranges = ", ".join(
            f"{a:%H:%M}-{b:%H:%M}" for a, b in zip(times[::2], times[1::2], strict=True)
        )
        parts.append(f"{day_ranges(days)} {ranges}")
    return "; ".join(parts) or "no hours"


def day_ranges(days: Sequence[int]) -> str:
    groups: list[list[int]] = []
    for weekday in days:
        if groups and groups[-1][-1] == weekday - 1:
            groups[-1].append(weekday)
        else:
            groups.append([weekday])
    return ",".join(
        DAY_NAMES[g[0]] if len(g) == 1 else f"{DAY_NAMES[g[0]]}-{DAY_NAMES[g[-1]]}" for g in groups
    )


def describe_rules(rules: OpeningRules) -> str:
    return (
        f"{rules.appointment_minutes}-minute appointments, {rules.buffer_minutes} minutes between,"
        f" bookable up to {rules.horizon_days} days ahead, from {rules.notice_working_days} "
        f"working day(s) ahead ({rules.interpreter_notice_working_days} with an interpreter)"
    )


def summary(appointment: Appointment) -> str:
    """Case code, language, interpreter and status: all that identifies a booking here."""
    interpreter = {
        "none": "no interpreter",
        "requested": "interpreter requested",
        "confirmed": f"interpreter {appointment.interpreter_name or appointment.interpreter_id}",
    }[appointment.interpreter_status]
    return f"{appointment.case_code}  {appointment.language}  {interpreter}  {appointment.status}"


def describe(appointment: Appointment) -> str:
    """One agenda line: time, counsellor, then the summary."""
    start, end = berlin(appointment.start), berlin(appointment.end)
    counsellor = appointment.counsellor_name or appointment.counsellor_id
    return f"  {start:%H:%M}-{end:%H:%M}  {counsellor}  {summary(appointment)}"


# --- the commands --------------------------------------------------------------------------------


def slots_hours(args: argparse.Namespace) -> int:
    """Set a counsellor's weekly hours, e.g. --weekdays mon-thu --from 09:00 --to 12:00 --from
    13:00 --to 15:30 (replaces their hours on those days; --add keeps them, --off clears them)."""
    chosen = [] if args.off else windows(args)
    if not args.off and not chosen:
        raise UsageError("give the hours with --from and --to, or --off to clear the days")
    with opened(args) as (roster, _, _):
        roster.set_hours(args.counsellor, args.weekdays, chosen, keep=args.add, name=args.name)
        [counsellor] = [c for c in roster.counsellors() if c.id == args.counsellor]
    print(f"{counsellor.id} ({counsellor.name}): {span(counsellor.hours)}")
    return 0


def slots_rules(args: argparse.Namespace) -> int:
    """Show the booking rules, or change appointment length, buffer, horizon or notice."""
    changes = {
        name: value
        for name, value in (
            ("appointment_minutes", args.length),
            ("buffer_minutes", args.buffer),
            ("horizon_days", args.horizon),
            ("notice_working_days", args.notice),
            ("interpreter_notice_working_days", args.interpreter_notice),
        )
        if value is not None
    }
    with opened(args) as (roster, _, _):
        rules = roster.set_rules(**changes) if changes else roster.rules()
    print(describe_rules(rules))
    return 0


def now(args: argparse.Namespace) -> datetime:
    """The command's "now", aware UTC: the system clock, or the one a test put in `args.clock`."""
    return aware(args.clock())


def slots_add(args: argparse.Namespace) -> int:
    """Offer one extra slot at a Berlin time, e.g. 2026-12-02T10:00 --counsellor c1 (not in the
    past)."""
    if args.at <= now(args):
        raise UsageError(
            f"{berlin(args.at):%a %d.%m.%Y %H:%M} is in the past (now: "
            f"{berlin(now(args)):%d.%m.%Y %H:%M} Europe/Berlin): no client could book it"
        )
    with opened(args) as (roster, _, _):
        slot = roster.add_slot(args.counsellor, args.at, args.minutes)
    print(
        f"offered {args.counsellor} {berlin(slot.start):%a %d.%m.%Y %H:%M}-"
        f"{berlin(slot.end):%H:%M} (if within the rules: notice, horizon, not a holiday)"
    )
    return 0


def slots_remove(args: argparse.Namespace) -> int:
    """Take back an extra slot added with `slots add`."""
    with opened(args) as (roster, _, _):
        removed = roster.remove_slot(args.counsellor, args.at)
    print("removed" if removed else "there was no such extra slot")
    return 0 if removed else 1


def slots_block(args: argparse.Namespace) -> int:
    """Block a time of a counsellor, e.g. 2026-12-03T09:00 --counsellor c1 [--minutes 180]."""
    with opened(args) as (roster, agenda_of, _):
        slot = roster.block_slot(args.counsellor, args.at, args.minutes)
        clashes = [
            a for a in agenda_of(berlin_day(slot.start))
            if a.status == "booked" and a.counsellor_id == args.counsellor
            and a.start < slot.end and slot.start < a.end
        ]  # fmt: skip
    print(
        f"blocked {args.counsellor} {berlin(slot.start):%a %d.%m.%Y %H:%M}-{berlin(slot.end):%H:%M}"
    )
    still_booked(clashes, "then")
    return 0


def slots_unblock(args: argparse.Namespace) -> int:
    """Offer a blocked time again."""
    with opened(args) as (roster, _, _):
        unblocked = roster.unblock_slot(args.counsellor, args.at)
    print("unblocked" if unblocked else "nothing was blocked at that time")
    return 0 if unblocked else 1


def slots_close(args: argparse.Namespace) -> int:
    """Close the office on whole days, e.g. 2026-12-24 (holidays are closed anyway)."""
    affected: dict[str, Appointment] = {}  # a day typed twice lists its bookings once
    with opened(args) as (roster, agenda_of, _):
        for closed in args.days:
            roster.close_day(closed)
            print(f"closed {closed:%a %d.%m.%Y}")
            booked = (a for a in agenda_of(closed) if a.status == "booked")
            affected.update((a.case_code, a) for a in booked)
    still_booked(sorted(affected.values(), key=lambda a: a.start), "on these days")
    return 0


def still_booked(affected: Sequence[Appointment], when: str) -> None:
    """The appointments a block or closure leaves in place, under one header saying what to do."""
    if not affected:
        return
    print(
        f"Still booked {when} ({len(affected)}): move each with `comehome appointments move "
        "CODE YYYY-MM-DDTHH:MM`, or cancel it with `comehome appointments cancel CODE --reason "
        "closed`; the client is told in their language."
    )
    for appointment in affected:
        print(f"  {berlin(appointment.start):%a %d.%m.%Y}{describe(appointment)}")


def slots_reopen(args: argparse.Namespace) -> int:
    """Open a day again that was closed with `slots close`."""
    with opened(args) as (roster, _, _):
        for reopened in args.days:
            print(
                f"{'reopened' if roster.reopen_day(reopened) else 'was not closed:'} "
                f"{reopened:%a %d.%m.%Y}"
            )
    return 0


def slots_list(args: argparse.Namespace) -> int:
    """Show the rules, hours, closures and every slot of the next days with its booking."""
    moment = now(args)
    with opened(args) as (roster, _, _):
        rules = roster.rules()
        counsellors = roster.counsellors()
        closures = [c for c in roster.closures() if c >= berlin_day(moment)]
        overview = roster.overview(moment, args.days)
    print(f"Rules: {describe_rules(rules)}")
    print("Counsellors:")
    for counsellor in counsellors:
        print(f"  {counsellor.id}  {counsellor.name}: {span(counsellor.hours)}")
    if closures:
        print("Closed: " + ", ".join(f"{c:%d.%m.%Y}" for c in closures))
    print(f"Slots in the next {args.days} days (Europe/Berlin; holidays left out):")
    if not overview:
        print("  none")
    for when, pairs in groupby(overview, key=lambda pair: berlin_day(pair[0].start)):
        print(f"{when:%a %d.%m.%Y}")
        for slot, appointment in pairs:
            taken = "free" if appointment is None else summary(appointment)
            print(
                f"  {berlin(slot.start):%H:%M}-{berlin(slot.end):%H:%M}  "
                f"{slot.counsellor_id}  {taken}"
            )
    return 0


def interpreters_add(args: argparse.Namespace) -> int:
    """Add an interpreter with languages and availability, e.g. --name "A. Example"
    --languages ar,ku --weekdays mon-thu --from 09:00 --to 15:30 (again with --id to change)."""
    from flows.schedule import WeeklyHours

    chosen = windows(args)
    hours = [WeeklyHours(d, start, end) for d in args.weekdays or [] for start, end in chosen]
    if not hours:
        raise UsageError("give the availability with --weekdays, --from and --to")
    with opened(args) as (roster, _, settings):
        interpreter_id = roster.add_interpreter(args.name, args.languages, hours, args.id)
        unknown = set(args.languages) - shipped_languages(settings)
    print(f"{interpreter_id}: {args.name}, {', '.join(args.languages)}, {span(hours)}")
    if unknown:
        print(
            f"note: no interface language {', '.join(sorted(unknown))} in locales/ "
            "(the code must match the client's language to be matched)"
        )
    return 0


def interpreters_remove(args: argparse.Namespace) -> int:
    """Stop offering an interpreter (appointments already booked keep them)."""
    with opened(args) as (roster, _, _):
        retired = roster.retire_interpreter(args.id)
    print(f"{args.id} is no longer offered" if retired else f"no interpreter {args.id!r}")
    return 0 if retired else 1


def interpreters_on_request(args: argparse.Namespace) -> int:
    """Mark a language as served on request by an outside interpreter service: it is booked
    with the interpreter "requested", and staff confirm it later (--off to undo)."""
    with opened(args) as (roster, _, _):
        for code in args.languages:
            roster.set_on_request(code, on=not args.off)
        marked = roster.on_request()
    print("on request: " + (", ".join(sorted(marked)) or "none"))
    return 0


def interpreters_list(args: argparse.Namespace) -> int:
    """Show the interpreter roster and the languages served on request."""
    with opened(args) as (roster, _, _):
        everyone, marked = roster.interpreters(), roster.on_request()
    for interpreter in everyone:
        retired = "" if interpreter.active else "  (no longer offered)"
        print(
            f"{interpreter.id}  {interpreter.name}  {','.join(sorted(interpreter.languages))}"
            f"  {span(interpreter.hours)}{retired}"
        )
    if not everyone:
        print("no interpreters yet")
    print("on request: " + (", ".join(sorted(marked)) or "none"))
    return 0


def agenda(args: argparse.Namespace) -> int:
    """Show one day's appointments (default today), with case code, language and interpreter."""
    shown = args.day or berlin_day(now(args))
    with opened(args) as (_, agenda_of, _):
        listed = agenda_of(shown)
    print(f"Agenda {shown:%a %d.%m.%Y} (Europe/Berlin)")
    for appointment in listed:
        print(describe(appointment))
    if not listed:
        print("  no appointments")
    return 0


def shipped_languages(settings: config.Settings) -> set[str]:
    try:
        listed = tomllib.loads((settings.locales_dir / "languages.toml").read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return set()
    return {str(entry["code"]) for entry in listed.get("language", [])} | {"en"}


# --- wiring --------------------------------------------------------------------------------------


def guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn a refused setting into a one-line message and exit status 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except (UsageError, ValueError) as error:
            print(f"comehome: {error}", file=sys.stderr)
            return 2

    run.__doc__ = func.__doc__
    return run


def command(
    group: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    func: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    summary = (func.__doc__ or "").split("\n")[0].split(", e.g.")[0].rstrip(".")
    parser: argparse.ArgumentParser = group.add_parser(name, help=summary, description=func.__doc__)
    parser.set_defaults(func=guarded(func), clock=utc_now)
    add_office_option(parser)
    return parser


def add_office_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--office", metavar="ID", help="which office of the office file (default: the first)"
    )


def add_hours_options(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument(
        "--weekdays", type=weekdays, required=required, help="e.g. mon-thu, mon,wed,fri or mo-do"
    )
    parser.add_argument(
        "--from",
        dest="start",
        type=clock_time,
        action="append",
        metavar="HH:MM",
        help="start of a window (repeat for several)",
    )
    parser.add_argument(
        "--to",
        dest="end",
        type=clock_time,
        action="append",
        metavar="HH:MM",
        help="end of that window",
    )


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `slots`, `interpreters` and `agenda` on the `comehome` command."""
    slots = sub.add_parser(
        "slots",
        help="counselling hours, single slots, closure days",
        description="Counselling hours, single slots, closure days (times in Europe/Berlin).",
    )
    slot_commands = slots.add_subparsers(dest="slots_command", required=True)
    hours = command(slot_commands, "hours", slots_hours)
    hours.add_argument("--counsellor", required=True, help="short id, e.g. c1")
    hours.add_argument("--name", help="the counsellor's name as staff see it")
    add_hours_options(hours, required=True)
    hours.add_argument("--add", action="store_true", help="keep the hours already set")
    hours.add_argument("--off", action="store_true", help="no hours on these days")
    rules = command(slot_commands, "rules", slots_rules)
    rules.add_argument("--length", type=int, metavar="MINUTES", help="appointment length")
    rules.add_argument("--buffer", type=int, metavar="MINUTES", help="pause between appointments")
    rules.add_argument("--horizon", type=int, metavar="DAYS", help="how far ahead clients book")
    rules.add_argument(
        "--notice",
        type=int,
        metavar="WORKING_DAYS",
        help="earliest booking, in working days after today",
    )
    rules.add_argument(
        "--interpreter-notice",
        type=int,
        metavar="WORKING_DAYS",
        help="the same for appointments with an interpreter",
    )
    for name, func, minutes in (
        ("add", slots_add, True),
        ("remove", slots_remove, False),
        ("block", slots_block, True),
        ("unblock", slots_unblock, False),
    ):
        single = command(slot_commands, name, func)
        single.add_argument("at", type=local_datetime, metavar="YYYY-MM-DDTHH:MM")
        single.add_argument("--counsellor", required=True)
        if minutes:
            single.add_argument(
                "--minutes", type=int, help="length (default: the appointment length)"
            )
    for name, func in (("close", slots_close), ("reopen", slots_reopen)):
        days = command(slot_commands, name, func)
        days.add_argument("days", type=day, nargs="+", metavar="YYYY-MM-DD")
    listing = command(slot_commands, "list", slots_list)
    listing.add_argument("--days", type=int, default=14, help="how many days ahead (default 14)")

    roster = sub.add_parser(
        "interpreters",
        help="the interpreter roster",
        description="The interpreter roster and languages served on request.",
    )
    roster_commands = roster.add_subparsers(dest="interpreters_command", required=True)
    add = command(roster_commands, "add", interpreters_add)
    add.add_argument("--name", required=True)
    add.add_argument("--languages", type=languages, required=True, help="e.g. ar,ku or fa_AF")
    add_hours_options(add, required=True)
    add.add_argument("--id", help="short id (default: made from the name)")
    remove = command(roster_commands, "remove", interpreters_remove)
    remove.add_argument("id")
    on_request = command(roster_commands, "on-request", interpreters_on_request)
    on_request.add_argument("languages", type=language, nargs="+", metavar="LANGUAGE")
    on_request.add_argument("--off", action="store_true", help="book with rostered ones again")
    command(roster_commands, "list", interpreters_list)

    day_view = command(sub, "agenda", agenda)
    day_view.add_argument("day", type=day, nargs="?", metavar="YYYY-MM-DD", help="default: today")
