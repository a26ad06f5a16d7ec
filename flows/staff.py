"""The office's side of the conversation: summaries for staff, and the staff commands.

Staff texts are German by default and live in the `staff` gettext domain (templates under
bot/templates/staff/); what the client answered is shown with the client catalogs' labels in the
staff locale. Nothing here shows a Telegram name, username or id: cases carry case codes only.
"""

from __future__ import annotations

from datetime import date, datetime

from flows import intake
from flows.clock import BERLIN
from flows.model import (
    LANGUAGE_CODE,
    Audit,
    Button,
    CalendarEvent,
    Code,
    Command,
    Conversation,
    Country,
    Effect,
    Language,
    NotifyStaff,
    Param,
    Pressed,
    Reply,
    TellClient,
    Template,
    Text,
    UserText,
    When,
)
from flows.ports import AppointmentView, Case, Context, Desk, Move
from flows.states import MENU_BUTTON
from flows.support import estimate
from flows.support_screens import estimate_line, household_of
from flows.text import st, t

COMMANDS = (
    "agenda",
    "case",
    "held",
    "noshow",
    "departed",
    "cancel",
    "move",
    "upcoming",
    "confirm",
    "interpreters",
    "slots",
    "stats",
)
STATUS_OF = {"held": "held", "noshow": "no_show", "departed": "departed"}


# --- summaries (made in the client's step) --------------------------------------------------------


def summary(
    kind: str,
    view: AppointmentView,
    conv: Conversation | None,
    ctx: Context,
    old: AppointmentView | None = None,
) -> Reply:
    """The German summary of a booking, move (`old`: the appointment before it was moved) or
    cancellation, with buttons for staff."""
    answers = conv.answers if conv else {}
    params: dict[str, Param] = {
        "kind": kind,
        **case_params(view),
        "old": When(old.start) if old is not None else "",
        **answer_params(answers),
        "estimate": estimate_lines(answers, ctx),
        "note": UserText(str(answers["note"])) if answers.get("note") else "",
        "note_language": Language(conv.locale) if conv and conv.locale else "",
    }
    return Reply(
        Template("staff/summary", params), case_buttons(view) if kind != "cancelled" else ()
    )


def case_params(view: AppointmentView) -> dict[str, Param]:
    return {
        "case": Code(view.case_code),
        "when": When(view.start),
        "language": Language(view.language),
        "interpreter": view.interpreter,
        "interpreter_name": view.interpreter_name or "",
        "counsellor": view.counsellor,
        "status": view.status,
    }


def answer_params(answers: dict[str, object]) -> dict[str, Param]:
    interests = answers.get("interests")
    health = (
        "unknown"
        if not isinstance(interests, list)
        else ("yes" if "medical" in interests else "no")
    )
    return {
        **{
            slot: intake.answer_label(slot, answers)
            for slot in ("country", "adults", "minors", "situation", "stay", "interests")
        },
        "health": health,
    }


def estimate_lines(answers: dict[str, object], ctx: Context) -> tuple[Param, ...]:
    """The household estimate the client saw, line by line (nothing for a very large household)."""
    household = household_of(answers)
    if ctx.catalogue is None or household is None:
        return ()
    return tuple(estimate_line(item) for item in estimate(ctx.catalogue, household).items)


# Reasons staff can give with one tap (or `/cancel CODE ill`): the client reads them in their own
# language. Any other reason is sent as typed, under a line saying it is the office's, in German.
CANCEL_REASONS: dict[str, tuple[Text, Text]] = {  # key -> (client's sentence, staff's label)
    "ill": (t("The counsellor is ill."), st("Counsellor ill")),
    "interpreter": (t("No interpreter is available at that time."), st("No interpreter")),
    "closed": (t("The office is closed that day."), st("Office closed")),
    "urgent": (t("An urgent matter came up at the office."), st("Urgent office matter")),
}


def cancel_reason_buttons(code: str) -> tuple[tuple[Button, ...], ...]:
    """One button per preset reason, under the staff's "how to cancel" note."""
    return tuple(
        (Button(f"s:cx:{code}:{key}", label),) for key, (_client, label) in CANCEL_REASONS.items()
    )


def case_buttons(view: AppointmentView) -> tuple[tuple[Button, ...], ...]:
    code = view.case_code
    rows: list[tuple[Button, ...]] = []
    if view.interpreter == "requested":
        rows.append((Button(f"s:confirm:{code}", st("Interpreter confirmed")),))
    rows.append((Button(f"s:held:{code}", st("Held")), Button(f"s:noshow:{code}", st("No-show"))))
    rows.append((Button(f"s:cancel:{code}", st("Cancel …")),))
    return tuple(rows)


# --- staff commands --------------------------------------------------------------------------------


def step(
    event: Command | Pressed, desk: Desk, now: datetime, today: date, *, in_chat: bool = True
) -> tuple[tuple[Reply, ...], tuple[Effect, ...]]:
    """A staff command or button; returns the replies to the staff chat and the effects. A
    command given elsewhere (`in_chat` False: the command line) also tells the staff chats of
    each change, which they would otherwise not see."""
    if isinstance(event, Pressed):
        action, _, code = event.value.removeprefix("s:").partition(":")
        if action == "cancel":
            how = Template("staff/cancel_how", {"case": Code(code)})
            return (Reply(how, cancel_reason_buttons(code)),), ()
        if action == "cx":  # a preset reason pressed: "s:cx:CODE:KEY"
            action, code = "cancel", code.replace(":", " ", 1)
        event = Command(action, code)
    name, args = event.name, event.args.split()
    if name == "agenda":
        day = _date(args[0]) if args else today
        if day is None:
            return _usage("agenda"), ()
        cases = desk.agenda(day)
        return (
            Reply(
                Template(
                    "staff/agenda",
                    {
                        "day": day,
                        "cases": tuple(_case_line(c) for c in cases),
                        "requests": tuple(_case_line(c) for c in desk.open_requests()),
                    },
                )
            ),
        ), ()
    if name == "case":
        found = desk.case(args[0]) if args else None
        return (_case_reply(found, args),), (
            Audit("case", found.appointment.case_code),
        ) if found else ()
    if name in STATUS_OF:
        if not args:
            return _usage(name), ()
        country = args[1].upper() if name == "departed" and len(args) > 1 else None
        found = desk.set_status(args[0], STATUS_OF[name], country)
        return _changed(found, args, name)
    if name == "confirm":
        found = desk.confirm_interpreter(args[0]) if args else None
        return _changed(found, args, "confirm")
    if name == "cancel":
        if len(args) < 2:
            return _usage("cancel"), ()
        return _cancel(desk, args[0], event.args.split(maxsplit=1)[1], in_chat)
    if name == "move":
        when, rest = _moment(args[1:])
        if when is None or len(rest) > 1:
            return _usage("move"), ()
        return _move(desk.move(args[0], when, rest[0] if rest else None), args[0], in_chat)
    if name == "upcoming":
        return _upcoming(desk, args)
    if name == "interpreters":
        lines = tuple(f"{n}: {', '.join(codes)}" for n, codes in desk.interpreters())
        return (Reply(Template("staff/interpreters", {"lines": lines})),), ()
    if name == "slots":
        offers = desk.free_slots(14)
        return (
            Reply(Template("staff/slots", {"slots": tuple(When(o.start) for o in offers)})),
        ), ()
    if name == "stats":
        first, last = _period(args, today)
        if first is None or last is None:
            return _usage("stats"), ()
        figures = desk.figures(first, last)
        return (
            Reply(
                Template("staff/stats", {"first": first, "last": last, **figure_params(figures)})
            ),
        ), (Audit("stats"),)
    return (), ()


def _cancel(
    desk: Desk, code: str, reason: str, in_chat: bool
) -> tuple[tuple[Reply, ...], tuple[Effect, ...]]:
    """Cancel as the office: the client is told why in their language (with the calendar entry
    withdrawn); a case cancelled before, held or missed is left as it is, and nobody is told."""
    before = desk.case(code)
    found = desk.cancel(code) if before is not None else None
    if before is None or found is None:
        return (Reply(Template("staff/unknown_case", {"code": code})),), ()
    view = found.appointment
    if before.appointment.status != "booked" or view.status != "cancelled":
        return (_not_changed(before.appointment),), ()
    done = Reply(Template("staff/done", {"action": "cancel", **case_params(view)}))
    effects: list[Effect] = [Audit("cancel", view.case_code)]
    if found.client is not None:
        withdrawn = CalendarEvent(view.uid, view.sequence, view.start, view.end, cancelled=True)
        told = Reply(
            _cancelled(view.case_code, reason),
            ((Button("m:book", t("Book an appointment")),), (MENU_BUTTON,)),
            calendar=withdrawn,
        )
        effects.append(TellClient(found.client, told))
    if not in_chat:
        preset = CANCEL_REASONS.get(reason.strip().lower())
        label: Param = preset[1] if preset else UserText(reason)
        told_them = found.client is not None
        effects.append(NotifyStaff(_office_change("cancelled", view, told_them, reason=label)))
    return (done,), tuple(effects)


def _move(
    moved: Move | None, code: str, in_chat: bool
) -> tuple[tuple[Reply, ...], tuple[Effect, ...]]:
    """Staff moved a case: the client reads the old and the new time in their language, with
    the calendar entry updated; a time not offered is answered with the next free ones."""
    if moved is None:
        return (Reply(Template("staff/unknown_case", {"code": code})),), ()
    before = moved.before.appointment
    if moved.after is None:
        if moved.refused == "closed":
            return (_not_changed(before),), ()
        params: dict[str, Param] = {
            "case": Code(before.case_code),
            "reason": moved.refused,
            "slots": tuple(When(o.start) for o in moved.offers),
        }
        return (Reply(Template("staff/not_moved", params)),), ()
    after = moved.after.appointment
    old = When(before.start)
    done = Reply(Template("staff/done", {"action": "move", "old": old, **case_params(after)}))
    effects: list[Effect] = [Audit("move", after.case_code)]
    if moved.after.client is not None:
        told = Reply(
            t(
                "The office has moved your appointment {case} from {old} to {new}. If the new "
                "time does not suit you, you can move or cancel it here.",
                case=Code(after.case_code),
                old=old,
                new=When(after.start),
            ),
            ((Button("m:appt", t("My appointment")),), (MENU_BUTTON,)),
            calendar=CalendarEvent(after.uid, after.sequence, after.start, after.end),
        )
        effects.append(TellClient(moved.after.client, told))
    if not in_chat:
        told_them = moved.after.client is not None
        effects.append(NotifyStaff(_office_change("moved", after, told_them, old=old)))
    return (done,), tuple(effects)


def _office_change(kind: str, view: AppointmentView, told: bool, **extra: Param) -> Reply:
    """For the staff chats: a change made at the command line, which they did not see typed."""
    params = {"kind": kind, "told": "yes" if told else "", **case_params(view), **extra}
    return Reply(Template("staff/office_change", params))


def _not_changed(view: AppointmentView) -> Reply:
    return Reply(
        Template("staff/not_changed", {"case": Code(view.case_code), "status": view.status})
    )


def _upcoming(desk: Desk, args: list[str]) -> tuple[tuple[Reply, ...], tuple[Effect, ...]]:
    """ "/upcoming [from [to]] [language]": booked appointments still ahead, by time."""
    days = [_date(arg) for arg in args if arg[:1].isdigit()]
    languages = [arg for arg in args if not arg[:1].isdigit()]
    if (
        None in days
        or len(days) > 2
        or len(languages) > 1
        or not all(LANGUAGE_CODE.fullmatch(code) for code in languages)
    ):
        return _usage("upcoming"), ()
    first = days[0] if days else None
    last = days[1] if len(days) > 1 else None
    language = languages[0] if languages else None
    cases = desk.upcoming(first, last, language)
    params: dict[str, Param] = {
        "cases": tuple(_case_line(c) for c in cases),
        "first": first or "",
        "last": last or "",
        "language": Language(language) if language else "",
    }
    return (Reply(Template("staff/upcoming", params)),), ()


def _moment(words: list[str]) -> tuple[datetime | None, list[str]]:
    """A Berlin time typed as 2026-12-10T10:00, 2026-12-10 10:00 or 10.12.2026 10:00, and the
    words after it."""
    for taken in (2, 1):
        text = " ".join(words[:taken])
        for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"):
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=BERLIN), words[taken:]
            except ValueError:
                continue
    return None, words


def _cancelled(case: str, reason: str) -> Text:
    """What the client reads: a preset reason in their language, or the office's own words."""
    if preset := CANCEL_REASONS.get(reason.strip().lower()):
        return t(
            "The office had to cancel your appointment {case}. {reason} "
            "You can book a new appointment at any time.",
            case=Code(case),
            reason=preset[0],
        )
    return t(
        "The office had to cancel your appointment {case}. You can book a new appointment at any "
        "time.\n\nMessage from the office (in German): {reason}",
        case=Code(case),
        reason=UserText(reason),
    )


def figure_params(f: object) -> dict[str, Param]:
    from flows.ports import Figures

    assert isinstance(f, Figures)
    return {
        "conversations": f.conversations,
        "intakes": f.intakes,
        "booked": f.booked,
        "held": f.held,
        "no_shows": f.no_shows,
        "persons": f.persons,
        "departures": f.departures,
        "country_count": len(f.countries),
        "countries": tuple(
            st("{country}: {count}", country=Country(c), count=n) for c, n in f.countries
        ),
        "languages": tuple(
            st("{language}: {count}", language=Language(c), count=n) for c, n in f.languages
        ),
        "interpreters": tuple((kind, n) for kind, n in f.interpreters),
    }


def _case_line(case: Case) -> Param:
    view = case.appointment
    return (
        When(view.start, short=True),
        Code(view.case_code),
        Language(view.language),
        view.interpreter,
        view.interpreter_name or "",
        view.status,
    )


def _case_reply(found: Case | None, args: list[str]) -> Reply:
    if found is None:
        return Reply(Template("staff/unknown_case", {"code": args[0] if args else ""}))
    return Reply(
        Template("staff/case", {**case_params(found.appointment), **answer_params(found.answers)}),
        case_buttons(found.appointment) if found.appointment.status == "booked" else (),
    )


def _changed(
    found: Case | None, args: list[str], action: str
) -> tuple[tuple[Reply, ...], tuple[Effect, ...]]:
    if found is None:
        return (Reply(Template("staff/unknown_case", {"code": args[0] if args else ""})),), ()
    done = Reply(Template("staff/done", {"action": action, **case_params(found.appointment)}))
    return (done,), (Audit(action, found.appointment.case_code),)


def _usage(command: str) -> tuple[Reply, ...]:
    return (Reply(Template("staff/usage", {"command": command})),)


def _date(text: str) -> date | None:
    for parse in (date.fromisoformat, lambda s: datetime.strptime(s, "%d.%m.%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def _period(args: list[str], today: date) -> tuple[date | None, date | None]:
    if len(args) >= 2:
        return _date(args[0]), _date(args[1])
    first = today.replace(day=1) if not args else _date(args[0])
    return first, today
