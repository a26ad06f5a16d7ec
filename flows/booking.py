"""Booking a counselling appointment with an interpreter: choose a time, confirm, see, move, cancel.

States: "book.slots" (a page of free times), "book.confirm" (one time, to confirm),
"appointment" (the client's appointment), "appointment.cancel" (confirm cancelling). Button values
start with "b:". The appointment book is reached through `ctx.bookings` inside the step's
transaction, so a booking and the conversation commit together or not at all.
"""

from __future__ import annotations

from datetime import datetime

from flows import staff
from flows.model import (
    AppointmentChanged,
    Button,
    CalendarEvent,
    Code,
    Conversation,
    Effect,
    Event,
    Language,
    NotifyStaff,
    Outcome,
    Param,
    Reply,
    Template,
    Text,
    When,
)
from flows.ports import AppointmentView, Bookings, Context, HasAppointment, SlotGone
from flows.states import MENU, MENU_BUTTON
from flows.text import pt, t

INTERPRETER, SLOTS, CONFIRM, APPOINTMENT, CANCEL = (
    "book.interpreter",
    "book.slots",
    "book.confirm",
    "appointment",
    "appointment.cancel",
)
STATES = (INTERPRETER, SLOTS, CONFIRM, APPOINTMENT, CANCEL)
PAGE = 6
NO_INTERPRETER = "none"
# The languages an office counsels in without an interpreter, first the one it counsels in when
# a client wants none, unless its office file says otherwise: the one default of this rule
# (`bot.config.Office`, and storage for an office never configured, start from it).
OWN_LANGUAGES: tuple[str, ...] = ("de", "en")

EDGES: tuple[tuple[str, str, str], ...] = (
    (MENU, INTERPRETER, "book an appointment"),
    ("intake.summary", INTERPRETER, "book an appointment now"),
    (MENU, APPOINTMENT, "my appointment"),
    (INTERPRETER, SLOTS, "interpreter chosen, or none"),
    (SLOTS, INTERPRETER, "change interpreter"),
    (SLOTS, SLOTS, "later or earlier times"),
    (SLOTS, CONFIRM, "time chosen"),
    (SLOTS, MENU, "waiting list"),
    (CONFIRM, MENU, "confirmed: booked or moved"),
    (CONFIRM, SLOTS, "just taken, or another time"),
    (APPOINTMENT, SLOTS, "move"),
    (APPOINTMENT, CANCEL, "cancel"),
    (CANCEL, MENU, "cancelled"),
    (CANCEL, APPOINTMENT, "keep it"),
)


def language_of(conv: Conversation, ctx: Context) -> str:
    """The counselling language: the interpreter's, else the chat's if the office counsels in it
    without one, else the office's first own language."""
    own = _bookings(ctx).own_languages()
    wanted = conv.answers.get("interpreter")
    if isinstance(wanted, str) and wanted and wanted != NO_INTERPRETER:
        return wanted
    if conv.locale in own or (wanted is None and conv.locale):
        return str(conv.locale)
    return (own or OWN_LANGUAGES)[0]


def needs_interpreter(language: str, ctx: Context) -> bool:
    return language not in _bookings(ctx).own_languages()


def interpreter_text(status: str, language: str, before: bool = False) -> Text:
    """What the client is told about the interpreter; `before`: the booking is not yet made."""
    if status == "confirmed":
        if before:
            return t(
                "An interpreter for {language} will be booked for you.",
                language=Language(language),
            )
        return t("An interpreter for {language} is booked for you.", language=Language(language))
    if status == "requested":
        if before:
            return t(
                "An interpreter for {language} will be requested; the office confirms it.",
                language=Language(language),
            )
        return t(
            "An interpreter for {language} has been requested; the office confirms it.",
            language=Language(language),
        )
    return t(
        "The counselling is in {language}, without an interpreter.", language=Language(language)
    )


def calendar(view: AppointmentView, cancelled: bool = False) -> CalendarEvent:
    return CalendarEvent(view.uid, view.sequence, view.start, view.end, cancelled)


# --- prompts -------------------------------------------------------------------------------------


def prompt(conv: Conversation, ctx: Context) -> Reply:
    bookings = _bookings(ctx)
    if conv.state == INTERPRETER:
        return interpreter_prompt(conv, ctx)
    if conv.state == SLOTS:
        return slots_prompt(conv, ctx)
    if conv.state == CONFIRM:
        return confirm_prompt(conv, ctx)
    if conv.state == CANCEL:
        held = bookings.current()
        question = (
            t(
                "Your appointment on {when} will be cancelled. Do you really want to cancel it?",
                when=When(held.start),
            )
            if held is not None
            else t("Do you really want to cancel your appointment?")
        )
        return Reply(
            question,
            (
                (Button("b:cancel:yes", t("Yes, cancel it")),),
                (Button("b:cancel:no", t("No, keep it")),),
                (MENU_BUTTON,),
            ),
        )
    return appointment_prompt(bookings.current())


def interpreter_prompt(conv: Conversation, ctx: Context) -> Reply:
    """Asked of every client before the times: the likely choice first, any language one tap away."""
    own = _bookings(ctx).own_languages()
    chat = conv.locale or ""
    first: list[Button] = []
    if chat and chat not in own:
        first.append(Button(f"b:int:{chat}", t("Yes, in the language of this chat")))
    first.append(Button(f"b:int:{NO_INTERPRETER}", t("No interpreter")))
    others = [
        Button(f"b:int:{code}", Language(code))
        for code in ctx.locales
        if code not in own and code != chat
    ]
    rows: list[tuple[Button, ...]] = [(button,) for button in first]
    rows += [tuple(others[i : i + 2]) for i in range(0, len(others), 2)]
    rows.append((MENU_BUTTON,))
    return Reply(
        t(
            "Would you like an interpreter at the counselling? Without one, the office counsels "
            "in {languages}. You can also choose an interpreter for another language below.",
            languages=tuple(Language(code) for code in own),
        ),
        tuple(rows),
    )


def slots_prompt(conv: Conversation, ctx: Context) -> Reply:
    bookings = _bookings(ctx)
    language = language_of(conv, ctx)
    page = conv.data.page or 0
    offers = list(bookings.free_slots(language, page * PAGE, PAGE + 1))
    if not offers and page == 0:
        rows: list[tuple[Button, ...]] = [(Button("b:wait", t("Put me on the waiting list")),)]
        if needs_interpreter(language, ctx):
            rows.append((Button("b:german", t("Counselling without an interpreter instead")),))
        rows.append((MENU_BUTTON,))
        return Reply(
            t(
                "There is no free time for counselling in {language} in the next weeks. "
                "You can join the waiting list: we write to you here as soon as a time "
                "becomes free.",
                language=Language(language),
            ),
            tuple(rows),
        )
    shown = offers[:PAGE]
    buttons = [Button(f"b:slot:{offer.key}", When(offer.start, short=True)) for offer in shown]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    paging = []
    if page > 0:
        paging.append(Button("b:earlier", t("Earlier times")))
    if len(offers) > PAGE:
        paging.append(Button("b:later", t("Later times")))
    if paging:
        rows.append(tuple(paging))
    rows.append((Button("b:wait", t("None of these fit: waiting list")),))
    if not conv.data.moving:
        rows.append((Button("b:interpreter", pt("edit", "Change interpreter")),))
    rows.append((MENU_BUTTON,))
    held = bookings.current() if conv.data.moving else None
    if held is not None:
        note = t(
            "Choose the new time (Munich time). Your appointment stays on {when} until you "
            "confirm a new one.",
            when=When(held.start),
        )
    elif needs_interpreter(language, ctx):
        note = t(
            "Choose a time for your counselling (Munich time). We arrange an interpreter for "
            "{language}.",
            language=Language(language),
        )
    else:
        note = t("Choose a time for your counselling (Munich time).")
    return Reply(note, tuple(rows))


def confirm_prompt(conv: Conversation, ctx: Context) -> Reply:
    """The chosen time, to confirm: what will be booked, or from which time to which it will move."""
    language = language_of(conv, ctx)
    start = datetime.fromisoformat(str(conv.data.slot_start))
    held = _bookings(ctx).current() if conv.data.moving else None
    if held is not None:
        headline = t("Move your appointment")
        change: Param = t(
            "Your appointment will be moved from {old} to {new}.",
            old=When(held.start),
            new=When(start),
        )
        question = t("The old time is then free for someone else. Shall we move it?")
        yes = t("Yes, move it")
    else:
        headline = t("Your counselling appointment")
        change = When(start)
        question = t(
            "Counselling is free of charge and does not commit you to anything. This time "
            "will be booked for you when you confirm."
        )
        yes = t("Yes, book this time")
    return Reply(
        Template(
            "booking_confirm",
            {
                "headline": headline,
                "when": change,
                "question": question,
                "interpreter": interpreter_text(
                    conv.data.slot_interpreter or NO_INTERPRETER, language, before=True
                ),
            },
        ),
        (
            (Button("b:ok", yes),),
            (Button("b:slots", t("Choose another time")),),
            (MENU_BUTTON,),
        ),
    )


def appointment_params(view: AppointmentView) -> dict[str, Param]:
    return {
        "case": Code(view.case_code),
        "when": When(view.start),
        "language": Language(view.language),
        "interpreter": interpreter_text(view.interpreter, view.language),
    }


def appointment_prompt(view: AppointmentView | None) -> Reply:
    if view is None:
        return Reply(
            t("You have no appointment at the moment."),
            ((Button("m:book", t("Book an appointment")),), (MENU_BUTTON,)),
        )
    return Reply(
        Template("appointment", appointment_params(view)),
        (
            (Button("b:move", t("Choose another time")),),
            (Button("b:cancel", t("Cancel the appointment")),),
            (Button("b:ics", t("Calendar file")),),
            (MENU_BUTTON,),
        ),
    )


# --- steps ---------------------------------------------------------------------------------------


def start(conv: Conversation, ctx: Context, *before: Reply) -> Outcome:
    """ "Book an appointment": the client's appointment if there is one, otherwise the question
    of the interpreter, then free times."""
    if _bookings(ctx).current() is not None:
        return _show(conv.moved(APPOINTMENT, page=None, slot=None), ctx, *before)
    return _show(conv.moved(INTERPRETER, page=None, slot=None, moving=None), ctx, *before)


def show_appointment(conv: Conversation, ctx: Context) -> Outcome:
    return _show(conv.moved(APPOINTMENT, page=None, slot=None), ctx)


def on_event(conv: Conversation, event: Event, ctx: Context, value: str | None) -> Outcome | None:
    """A booking button (pressed, or its label typed) in a booking state; None if it is not one."""
    if value is None or not value.startswith("b:"):
        return None
    bookings = _bookings(ctx)
    if conv.state == INTERPRETER:
        return _on_interpreter(conv, value, ctx)
    if conv.state == SLOTS:
        return _on_slots(conv, value, ctx, bookings)
    if conv.state == CONFIRM:
        return _on_confirm(conv, value, ctx, bookings)
    if conv.state == APPOINTMENT:
        return _on_appointment(conv, value, ctx, bookings)
    if conv.state == CANCEL:
        return _on_cancel(conv, value, ctx, bookings)
    return None


def _on_interpreter(conv: Conversation, value: str, ctx: Context) -> Outcome | None:
    wanted = value.removeprefix("b:int:")
    if not value.startswith("b:int:") or (wanted != NO_INTERPRETER and wanted not in ctx.locales):
        return None
    if wanted in _bookings(ctx).own_languages():
        wanted = NO_INTERPRETER
    return _show(conv.answered(interpreter=wanted).moved(SLOTS, page=0), ctx)


def _on_slots(conv: Conversation, value: str, ctx: Context, bookings: Bookings) -> Outcome | None:
    page = conv.data.page or 0
    if value == "b:interpreter":
        return _show(conv.moved(INTERPRETER, page=None), ctx)
    if value in ("b:later", "b:earlier"):
        moved = conv.moved(SLOTS, page=max(0, page + (1 if value == "b:later" else -1)))
        return _show(moved, ctx, replace=True)
    if value == "b:wait":
        place = bookings.join_waiting_list(language_of(conv, ctx))
        told = Reply(
            t(
                "You are on the waiting list (place {place}). We write to you here as soon "
                "as a time becomes free.",
                place=place,
            )
        )
        return _show(conv.moved(MENU, page=None, moving=None), ctx, told)
    if value == "b:german":
        german = conv.answered(interpreter=NO_INTERPRETER)
        return _show(german.moved(SLOTS, page=0), ctx)
    if value.startswith("b:slot:"):
        key = value.removeprefix("b:slot:")
        offers = bookings.free_slots(language_of(conv, ctx), 0, 10_000)
        chosen = next((offer for offer in offers if offer.key == key), None)
        if chosen is None:
            return _taken(conv, ctx)
        return _show(
            conv.moved(
                CONFIRM,
                slot=key,
                slot_start=chosen.start.isoformat(),
                slot_interpreter=chosen.interpreter,
            ),
            ctx,
        )
    return None


def _on_confirm(conv: Conversation, value: str, ctx: Context, bookings: Bookings) -> Outcome | None:
    if value == "b:slots":
        return _show(conv.moved(SLOTS, page=0, slot=None), ctx)
    if value != "b:ok":
        return None
    key, moving = str(conv.data.slot), conv.data.moving
    held = bookings.current() if moving else None
    try:
        view = bookings.reschedule(key) if moving else bookings.book(key, language_of(conv, ctx))
    except SlotGone:
        return _taken(conv, ctx)
    except HasAppointment:
        hint = Reply(t("You already have an appointment. You can move or cancel it here."))
        return _show(conv.moved(APPOINTMENT, slot=None, moving=None, page=None), ctx, hint)
    done = conv.moved(
        MENU, slot=None, slot_start=None, slot_interpreter=None, moving=None, page=None
    )
    kind = "rescheduled" if moving else "booked"
    headline = (
        t(
            "Your appointment is moved from {old} to {new}.",
            old=When(held.start),
            new=When(view.start),
        )
        if held is not None
        else t("Your appointment is booked.")
    )
    params = {**appointment_params(view), "headline": headline}
    if held is not None:  # the headline names both times
        del params["when"]
    booked = Reply(Template("booking_done", params), calendar=calendar(view))
    told = NotifyStaff(staff.summary(kind, view, conv, ctx, old=held))
    return _show(done, ctx, booked, effects=(AppointmentChanged(kind, view.case_code), told))


def _on_appointment(
    conv: Conversation, value: str, ctx: Context, bookings: Bookings
) -> Outcome | None:
    view = bookings.current()
    if view is None:
        return _show(conv, ctx)
    if value == "b:move":
        return _show(conv.moved(SLOTS, page=0, moving=True), ctx)
    if value == "b:cancel":
        return _show(conv.moved(CANCEL), ctx)
    if value == "b:ics":
        file = Reply(
            t("Here is the calendar file for your appointment."),
            ((Button("m:appt", t("My appointment")),), (MENU_BUTTON,)),
            calendar=calendar(view),
        )
        return Outcome(conv, (file,), locale=conv.locale)
    return None


def _on_cancel(conv: Conversation, value: str, ctx: Context, bookings: Bookings) -> Outcome | None:
    if value == "b:cancel:no":
        return _show(conv.moved(APPOINTMENT), ctx, Reply(t("Your appointment stays as it is.")))
    if value != "b:cancel:yes":
        return None
    view = bookings.cancel()
    menu = conv.moved(MENU)
    if view is None:
        return _show(menu, ctx, Reply(t("There is no appointment to cancel.")))
    cancelled = Reply(
        t(
            "Your appointment {case} is cancelled. You can book a new one at any time.",
            case=Code(view.case_code),
        ),
        calendar=calendar(view, cancelled=True),
    )
    told = NotifyStaff(staff.summary("cancelled", view, conv, ctx))
    return _show(
        menu, ctx, cancelled, effects=(AppointmentChanged("cancelled", view.case_code), told)
    )


def _taken(conv: Conversation, ctx: Context) -> Outcome:
    sorry = Reply(t("Sorry, this time has just been taken. Here are the next free times:"))
    return _show(conv.moved(SLOTS, page=0, slot=None), ctx, sorry)


def _show(
    conv: Conversation,
    ctx: Context,
    *before: Reply,
    replace: bool = False,
    effects: tuple[Effect, ...] = (),
) -> Outcome:
    """The replies, then the prompt of the conversation's state (the menu's is the journey's)."""
    from flows import journey  # the journey imports this module; the menu prompt lives there

    shown = journey.prompt(conv, ctx)
    if replace:
        shown = tuple(Reply(r.body, r.buttons, replaces_pressed=True) for r in shown)
    return Outcome(conv, (*before, *shown), effects, locale=conv.locale)


def _bookings(ctx: Context) -> Bookings:
    if ctx.bookings is None:
        raise RuntimeError("booking needs ctx.bookings")
    return ctx.bookings


def reminder(view: AppointmentView, kind: str) -> Reply:
    """The reminder 24 or 2 hours before, in the client's language."""
    headline = (
        t("Reminder: your counselling appointment is in two hours.")
        if kind == "2h"
        else t("Reminder: your counselling appointment is tomorrow.")
    )
    return Reply(
        Template("reminder", {**appointment_params(view), "headline": headline}),
        ((Button("m:appt", t("My appointment")),), (MENU_BUTTON,)),
    )


def waiting_list_news(language: str) -> Reply:
    """A time has become free for a client on the waiting list."""
    return Reply(
        t(
            "Good news: a time for counselling in {language} has become free. It is kept "
            "for you for 24 hours.",
            language=Language(language),
        ),
        ((Button("m:book", t("Book an appointment")),), (MENU_BUTTON,)),
    )
