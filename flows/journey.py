"""The client journey: states, the prompt each state shows, and what each answer leads to.

The states are declared in flows/states.py (support screens in flows/support_screens.py, booking in
flows/booking.py). `EDGES` declares every transition; the Mermaid diagram is drawn from it
and a test checks the step function against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from flows import booking, intake, offices, staff, support_screens
from flows.model import (
    Button,
    Conversation,
    ConversationStarted,
    DeleteClientData,
    Effect,
    Event,
    IntakeCompleted,
    Language,
    NotifyStaff,
    Outcome,
    Param,
    Pressed,
    Reply,
    Template,
    Text,
    Typed,
    Unsupported,
    When,
)
from flows.ports import Context
from flows.states import (
    DELETE,
    FIRST_QUESTION,
    LANGUAGE,
    MENU,
    MENU_BUTTON,
    PRIVACY,
    QUESTION_STATES,
    STATE_OF_SLOT,
    SUMMARY,
)
from flows.text import pt, t

OFFICE = offices.OFFICE
SUPPORT = support_screens.SUPPORT
SKIP = "skip"
DONE = "done"

EDGES: tuple[tuple[str, str, str], ...] = (
    ("[*]", LANGUAGE, "/start"),
    (LANGUAGE, PRIVACY, "language chosen"),
    (LANGUAGE, OFFICE, "language chosen (several offices)"),
    (OFFICE, PRIVACY, "office chosen: button, postcode or place"),
    (MENU, OFFICE, "change office (no appointment held)"),
    (OFFICE, MENU, "office chosen (after privacy)"),
    (PRIVACY, MENU, "accept"),
    (PRIVACY, "[*]", "leave: nothing kept"),
    (MENU, FIRST_QUESTION, "intake"),
    (MENU, SUMMARY, "review answers"),
    (MENU, MENU, "contact and opening hours"),
    (MENU, SUPPORT, "support on offer"),
    (MENU, MENU, "my estimate"),
    (SUPPORT, MENU, "my estimate"),
    (SUPPORT, FIRST_QUESTION, "my estimate, before the intake"),
    *support_screens.EDGES,
    *booking.EDGES,
    *(
        (STATE_OF_SLOT[q.slot], STATE_OF_SLOT[nxt], "answer or skip")
        for q in intake.IN_TURN
        if (nxt := intake.next_slot(q.slot))
    ),
    (STATE_OF_SLOT[intake.IN_TURN[-1].slot], SUMMARY, "answer or skip"),
    (SUMMARY, SUMMARY, "note typed"),
    *((state, SUMMARY, "answer while editing") for state in QUESTION_STATES),
    *((SUMMARY, state, "edit") for state in QUESTION_STATES),
    (SUMMARY, MENU, "confirm: the estimate, then the menu"),
    ("any", MENU, "/menu"),
    ("any", LANGUAGE, "/language"),
    ("any", DELETE, "/delete"),
    (LANGUAGE, "previous", "language chosen (after privacy)"),
    (DELETE, "previous", "keep my data"),
    (DELETE, "[*]", "delete everything"),
)


# --- prompts: what each state shows -------------------------------------------------------------


def language_prompt(ctx: Context, first: str | None, menu: bool = False) -> Reply:
    """The list of languages, each in its own name, the suggested one first; `menu`: after the
    privacy notice, with the way back to the menu."""
    order = [first] if first in ctx.locales else []
    order += [code for code in ctx.locales if code not in order]
    buttons = [Button(f"lang:{code}", Language(code, own=True)) for code in order]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    return Reply(t("Please choose your language."), rows + (((MENU_BUTTON,),) if menu else ()))


PRIVACY_CHOICES = (
    (Button("privacy:accept", pt("button", "Continue")),),
    (Button("privacy:more", t("More about privacy")),),
    (Button("privacy:leave", t("Leave without saving anything")),),
)


def privacy_prompt() -> tuple[Reply, ...]:
    """The privacy notice, layered: the three promises on one short screen, the rest one tap away."""
    return (Reply(Template("privacy"), PRIVACY_CHOICES),)


def privacy_details(buttons: tuple[tuple[Button, ...], ...] = ()) -> tuple[Reply, ...]:
    """The rest of the notice (what is kept, for how long; what the client's door, Telegram or the
    website, sees), also for /privacy."""
    return (Reply(Template("privacy_more")), Reply(Template("privacy_door"), buttons))


def menu_prompt(conv: Conversation, ctx: Context) -> Reply:
    intake_label = (
        t("My intake answers") if conv.data.intake_done else t("Preliminary intake (anonymous)")
    )
    estimate = ((Button("m:estimate", t("My estimate")),),) if conv.data.intake_done else ()
    appointment: tuple[tuple[Button, ...], ...] = ()
    if ctx.bookings is not None:
        booked = ctx.bookings.current() is not None
        appointment = (
            ((Button("m:appt", t("My appointment")),),)
            if booked
            else ((Button("m:book", t("Book a counselling appointment")),),)
        )
    return Reply(
        t("What would you like to do?"),
        (
            *(appointment if conv.data.intake_done else ()),
            (Button("m:support", t("Support on offer")),),
            (Button("m:intake", intake_label),),
            *estimate,
            *(() if conv.data.intake_done else appointment),
            (Button("m:contact", t("Contact and opening hours")),),
            *(((Button("m:office", t("Change office")),),) if offices.several(ctx) else ()),
            (Button("m:language", t("Change language")),),
            (Button("m:delete", t("Delete my data")),),
        ),
    )


def question_prompt(conv: Conversation, question: intake.Question) -> Reply:
    picked = conv.data.picked or ()
    buttons = []
    for option in question.options:
        label = option.label
        if question.multi and option.value in picked and isinstance(label, Text):
            label = t("✓ {choice}", choice=label)
        buttons.append(Button(f"a:{question.slot}:{option.value}", label))
    per_row = question.per_row
    rows = [tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]
    if question.multi:
        rows.append((Button(f"a:{question.slot}:{DONE}", pt("button", "Done")),))
    skip_label = (
        pt("button", "Skip") if question.slot == "note" else pt("button", "Prefer not to say")
    )
    rows.append((Button(f"a:{question.slot}:{SKIP}", skip_label), MENU_BUTTON))
    return Reply(question.prompt, tuple(rows))


def summary_prompt(conv: Conversation, ctx: Context) -> Reply:
    """The answers to confirm; booking is offered right here, unless an appointment is held."""
    answers = {q.slot: intake.answer_label(q.slot, conv.answers) for q in intake.QUESTIONS}
    edits = [Button(f"sum:edit:{q.slot}", _EDIT_LABELS[q.slot]) for q in intake.QUESTIONS]
    rows = [tuple(edits[i : i + 2]) for i in range(0, len(edits), 2)]
    book = (
        ((Button("sum:book", t("Book an appointment now")),),)
        if ctx.bookings is not None and ctx.bookings.current() is None
        else ()
    )
    if "note" not in conv.answers:  # asked here rather than as a question of its own
        answers["invitation"] = t(
            "Should the counsellor know anything else? Then write a short note here now. "
            "Please no names, addresses, phone numbers or document numbers."
        )
    return Reply(
        Template("intake_summary", answers),
        (*book, (Button("sum:ok", t("Yes, this is right")),), *rows, (MENU_BUTTON,)),
    )


_EDIT_LABELS = {
    "country": pt("edit", "Change country"),
    "adults": pt("edit", "Change adults"),
    "minors": pt("edit", "Change children"),
    "situation": pt("edit", "Change situation"),
    "stay": pt("edit", "Change time in Germany"),
    "interests": pt("edit", "Change interests"),
    "note": pt("edit", "Change note"),
}


def delete_prompt(conv: Conversation, ctx: Context) -> Reply:
    """The /delete question; it names the appointment that deleting will cancel, if one is held."""
    menu = ((MENU_BUTTON,),) if conv.data.accepted else ()  # the menu only after the notice
    held = ctx.bookings.current() if ctx.bookings is not None else None
    question = (
        t(
            "Do you want to delete everything stored about you? Your appointment on {when} "
            "will be cancelled too. This cannot be undone.",
            when=When(held.start),
        )
        if held is not None
        else t("Do you want to delete everything stored about you? This cannot be undone.")
    )
    return Reply(
        question,
        (
            (Button("del:yes", t("Yes, delete everything")),),
            (Button("del:no", t("No, keep my data")),),
            *menu,
        ),
    )


def prompt(conv: Conversation, ctx: Context) -> tuple[Reply, ...]:
    """What the client is asked in the conversation's current state."""
    if conv.state == PRIVACY:
        return privacy_prompt()
    return (single_prompt(conv, ctx),)


def single_prompt(conv: Conversation, ctx: Context) -> Reply:
    state = conv.state
    if state == LANGUAGE:
        return language_prompt(ctx, conv.locale or ctx.hint, menu=conv.data.accepted)
    if state == OFFICE:
        return offices.prompt(ctx, below=(MENU_BUTTON,) if conv.data.accepted else ())
    if state == SUMMARY:
        return summary_prompt(conv, ctx)
    if state == DELETE:
        return delete_prompt(conv, ctx)
    if state in QUESTION_STATES:
        return question_prompt(conv, QUESTION_STATES[state])
    if support_screens.is_support_state(state):
        return support_screens.prompt(conv, ctx)
    if state in booking.STATES and ctx.bookings is not None:
        return booking.prompt(conv, ctx)
    return menu_prompt(conv, ctx)


# --- transitions --------------------------------------------------------------------------------


def stay(conv: Conversation, ctx: Context, *hints: Text) -> Outcome:
    """Leave the conversation where it was: say why, then ask the same again."""
    replies = tuple(Reply(hint) for hint in hints) + prompt(conv, ctx)
    return Outcome(conv, replies, locale=conv.locale, stayed=True)


def go(
    conv: Conversation, ctx: Context, *before: Reply, effects: tuple[Effect, ...] = ()
) -> Outcome:
    """Show the prompt of the conversation's (new) state, after the given replies."""
    return Outcome(conv, (*before, *prompt(conv, ctx)), effects, locale=conv.locale)


def choose_language(conv: Conversation, code: str, ctx: Context) -> Outcome:
    """Store the chosen language; next the privacy notice, or back to where the client was."""
    chosen = replace(conv, locale=code)
    if not chosen.data.accepted:
        return go(chosen.moved(OFFICE if offices.several(ctx) else PRIVACY, hint=None), ctx)
    back = chosen.moved(chosen.data.resume or MENU, resume=None)
    return go(
        back, ctx, Reply(t("This chat is now in {language}.", language=Language(code, own=True)))
    )


def on_language(conv: Conversation, event: Event, ctx: Context) -> Outcome:
    if isinstance(event, Pressed) and event.value.startswith("lang:"):
        code = event.value.removeprefix("lang:")
        if code in ctx.locales:
            return choose_language(conv, code, ctx)
    if isinstance(event, Typed):
        matches = list(ctx.wording.languages(event.text))
        if len(matches) == 1:
            return choose_language(conv, matches[0], ctx)
    return stay(conv, ctx, t("Please choose a language from the list."))


def on_office(conv: Conversation, event: Event, ctx: Context) -> Outcome:
    """The office chosen by button, or found from a typed postcode or place."""
    value = pressed_or_matched(conv, event, ctx)
    if value is not None and value.startswith(offices.PREFIX):
        office = offices.by_id(ctx, value.removeprefix(offices.PREFIX))
        if office is not None:
            return choose_office(conv, office.id, ctx)
    if isinstance(event, Typed):
        found = offices.route(event.text, ctx.offices)
        if len(found) == 1:
            return choose_office(conv, found[0].id, ctx)
        if found:  # a postcode or place on the border of two areas: the client decides
            below = (MENU_BUTTON,) if conv.data.accepted else ()
            return Outcome(conv, (offices.prompt(ctx, found, below),), locale=conv.locale)
        return stay(conv, ctx, offices.unknown_place())
    return stay(conv, ctx, t("Please choose one of the buttons."))


def choose_office(conv: Conversation, office_id: str, ctx: Context) -> Outcome:
    """Before the privacy notice: on to it. Later: the new office, unless an appointment is held."""
    if not conv.data.accepted:
        return go(replace(conv, office=office_id).moved(PRIVACY), ctx)
    if office_id != (conv.office or offices.default(ctx)):
        refused = office_change_refused(conv, ctx)
        if refused is not None:
            return refused
        if ctx.bookings is not None:
            ctx.bookings.leave_waiting_list()  # the old office's list; the new one has its own
    office = offices.by_id(ctx, office_id)
    assert office is not None
    moved = replace(conv, office=office_id).moved(conv.data.resume or MENU, resume=None)
    return go(moved, ctx, Reply(t("Your office is now {office}.", office=office.name)))


def office_change_refused(conv: Conversation, ctx: Context) -> Outcome | None:
    """An appointment belongs to its office: it is cancelled first, then the office changed."""
    held = ctx.bookings.current() if ctx.bookings is not None else None
    if held is None:
        return None
    said = t(
        "You have an appointment with your current office. To change the office, please "
        "cancel the appointment first (under “My appointment”)."
    )
    return go(conv.moved(MENU, resume=None), ctx, Reply(said))


def on_privacy(conv: Conversation, event: Event, ctx: Context) -> Outcome:
    value = pressed_or_matched(conv, event, ctx)
    if value == "privacy:accept":
        accepted = conv.moved(MENU, accepted=True)
        return go(accepted, ctx, effects=(ConversationStarted(),))
    if value == "privacy:leave":
        goodbye = Reply(
            t("Nothing about you has been stored. If you change your mind, send /start.")
        )
        return Outcome(None, (goodbye,), (DeleteClientData(),), locale=conv.locale)
    if value == "privacy:more":
        details = privacy_details(
            tuple(row for row in PRIVACY_CHOICES if row[0].value != "privacy:more")
        )
        return Outcome(conv, details, locale=conv.locale)
    # the notice is not sent again: only the choice, with its buttons
    hint = Reply(
        t("Please read the notice and choose one of the buttons below it."), PRIVACY_CHOICES
    )
    return Outcome(conv, (hint,), locale=conv.locale, stayed=True)


def on_menu_choice(
    conv: Conversation, value: str, ctx: Context, event: Event | None = None
) -> Outcome | None:
    """Menu buttons work from any state after the privacy notice, also from old messages."""
    if value == "m:support":
        return go(conv.afresh(SUPPORT), ctx)
    if value.startswith(support_screens.PREFIX):
        return support_screens.navigate(conv, value, isinstance(event, Pressed), ctx)
    if value == "m:estimate":
        return my_estimate(conv, ctx)
    if value == "m:book" and ctx.bookings is not None:
        return booking.start(conv.afresh(conv.state), ctx)
    if value == "m:appt" and ctx.bookings is not None:
        return booking.show_appointment(conv.afresh(conv.state, keep_resume=True), ctx)
    if value == "menu":
        return go(conv.afresh(MENU), ctx)
    if value == "m:intake":
        target = SUMMARY if conv.data.intake_done else FIRST_QUESTION
        return go(conv.afresh(target, keep_resume=True), ctx)
    if value == "m:contact":
        contact = Reply(Template("contact"), ((MENU_BUTTON,),))
        return Outcome(conv.moved(MENU), (contact,), locale=conv.locale)
    if value == "m:language":
        return go(conv.moved(LANGUAGE, resume=MENU), ctx)
    if value == "m:office" and offices.several(ctx):
        return office_change_refused(conv, ctx) or go(conv.moved(OFFICE, resume=MENU), ctx)
    if value == "m:delete":
        return go(conv.moved(DELETE, resume=MENU), ctx)
    return None


def my_estimate(conv: Conversation, ctx: Context) -> Outcome:
    """The household estimate once the intake is done; before that, the intake leads to it."""
    if not conv.data.intake_done:
        first = Reply(
            t(
                "First a few anonymous questions; you can skip any of them. Then you see "
                "what may apply to your household."
            )
        )
        return go(conv.afresh(FIRST_QUESTION), ctx, first)
    buttons = ((Button("m:support", t("Support on offer")),), (MENU_BUTTON,))
    shown = support_screens.estimate_replies(conv, ctx, buttons)
    return Outcome(conv.afresh(MENU), shown, locale=conv.locale)


def on_menu(conv: Conversation, event: Event, ctx: Context) -> Outcome:
    return stay(conv, ctx, t("Please choose one of the buttons."))


def on_summary(conv: Conversation, event: Event, ctx: Context) -> Outcome:
    value = pressed_or_matched(conv, event, ctx)
    if value in ("sum:ok", "sum:book"):
        effects = () if conv.data.intake_done else (IntakeCompleted(),)
        done = conv.moved(MENU, intake_done=True, editing=None)
        thanks = Reply(
            t(
                "Thank you. Your answers are saved without your name. You can change or "
                "delete them at any time."
            )
        )
        if value == "sum:book" and ctx.bookings is not None:
            started = booking.start(done, ctx, thanks)
            return replace(started, effects=(*effects, *started.effects))
        estimate = support_screens.estimate_replies(done, ctx)
        return go(done, ctx, thanks, *estimate, effects=effects)
    if value and value.startswith("sum:edit:"):
        slot = value.removeprefix("sum:edit:")
        if slot in STATE_OF_SLOT:
            return go(conv.moved(STATE_OF_SLOT[slot], editing=True, picked=None), ctx)
    if value is None and isinstance(event, Typed) and "note" not in conv.answers:
        # the note the summary invites; once there is one, "Change note" replaces it, not any text
        return on_question(conv.moved(STATE_OF_SLOT["note"], editing=True), event, ctx)
    return stay(conv, ctx, t("Please confirm your answers or choose one to change."))


def on_delete(conv: Conversation, event: Event, ctx: Context) -> Outcome:
    value = pressed_or_matched(conv, event, ctx)
    if value == "del:yes":
        held = ctx.bookings.current() if ctx.bookings is not None else None
        cancelled: dict[str, Param] = (
            {"cancelled": t("Your appointment on {when} is cancelled.", when=When(held.start))}
            if held is not None
            else {}
        )
        # The door says what else to clear on its side. The calendar file cancels the event a
        # client may have put in their phone's calendar (as deleting cancels the appointment).
        removal = (
            booking.calendar(replace(held, sequence=held.sequence + 1), cancelled=True)
            if held is not None
            else None
        )
        done = Reply(Template("deleted", cancelled), calendar=removal)
        told = (NotifyStaff(staff.summary("deleted", held, None, ctx)),) if held else ()
        return Outcome(None, (done,), (*told, DeleteClientData()), locale=conv.locale)
    if value == "del:no":
        back = conv.moved(conv.data.resume or MENU, resume=None)
        return go(back, ctx, Reply(t("Nothing was deleted.")))
    return stay(conv, ctx, t("Please choose one of the buttons."))


def on_question(conv: Conversation, event: Event, ctx: Context) -> Outcome:
    question = QUESTION_STATES[conv.state]
    value = pressed_or_matched(conv, event, ctx)
    prefix = f"a:{question.slot}:"
    if value is not None and value.startswith(prefix):
        return answer_button(conv, question, value.removeprefix(prefix), ctx)
    if isinstance(event, Typed) and question.read is not None:
        parsed = question.read(event.text, ctx)
        if parsed.ok:
            notes = (Reply(parsed.note),) if parsed.note else ()
            return advance(conv.answered(**{question.slot: parsed.value}), ctx, *notes)
        if parsed.candidates:
            buttons = tuple((Button(prefix + o.value, o.label),) for o in parsed.candidates)
            assert parsed.problem is not None
            return Outcome(
                conv, (Reply(parsed.problem, (*buttons, (MENU_BUTTON,))),), locale=conv.locale
            )
        assert parsed.problem is not None
        return stay(conv, ctx, parsed.problem)
    return stay(conv, ctx, t("Please choose one of the buttons, or press “Prefer not to say”."))


def answer_button(
    conv: Conversation, question: intake.Question, value: str, ctx: Context
) -> Outcome:
    slot = question.slot
    if value == SKIP:
        return advance(conv.answered(**{slot: None}), ctx)
    if question.multi:
        picked = list(conv.data.picked or conv.answers.get(slot) or [])
        if value == DONE:
            return advance(
                conv.answered(**{slot: picked or None}).moved(conv.state, picked=None), ctx
            )
        if value in {o.value for o in question.options}:
            picked = [v for v in picked if v != value] if value in picked else [*picked, value]
            toggled = conv.moved(conv.state, picked=tuple(picked))
            reply = question_prompt(toggled, question)
            return Outcome(
                toggled,
                (Reply(reply.body, reply.buttons, replaces_pressed=True),),
                locale=conv.locale,
            )
        return stay(conv, ctx, t("Please choose one of the buttons."))
    if slot == "country" and len(value) == 2 and value.isupper():
        return advance(conv.answered(country=value), ctx)
    if value in {o.value for o in question.options}:
        number = slot in ("adults", "minors")
        return advance(conv.answered(**{slot: int(value) if number else value}), ctx)
    return stay(conv, ctx, t("Please choose one of the buttons."))


def advance(conv: Conversation, ctx: Context, *before: Reply) -> Outcome:
    """After an answer: the next question, or the summary when done or when editing one answer."""
    slot = QUESTION_STATES[conv.state].slot
    following = None if conv.data.editing else intake.next_slot(slot)
    target = STATE_OF_SLOT[following] if following else SUMMARY
    return go(conv.afresh(target, keep_resume=True), ctx, *before)


# --- typed text against button labels -----------------------------------------------------------


def pressed_or_matched(conv: Conversation, event: Event, ctx: Context) -> str | None:
    """The button value: pressed, or typed as the label of one of the current prompt's buttons."""
    if isinstance(event, Pressed):
        return event.value
    if isinstance(event, Typed) and conv.locale is not None:
        wanted = event.folded
        for reply in prompt(conv, ctx):
            for button in (b for row in reply.buttons for b in row):
                if isinstance(button.label, str):  # digits: "-1" must not read as "1"
                    if event.text.strip() == button.label:
                        return button.value
                elif ctx.wording.folded_label(button.label, conv.locale) == wanted:
                    return button.value
    return None


Handler = Callable[[Conversation, Event, Context], Outcome]

HANDLERS: dict[str, Handler] = {
    LANGUAGE: on_language,
    OFFICE: on_office,
    PRIVACY: on_privacy,
    MENU: on_menu,
    SUMMARY: on_summary,
    DELETE: on_delete,
}


def handler_for(state: str) -> Handler:
    if state in HANDLERS:
        return HANDLERS[state]
    if state in QUESTION_STATES:
        return on_question
    if state in booking.STATES:
        return on_booking
    return on_menu  # also the support screens: their buttons are menu choices


def on_booking(conv: Conversation, event: Event, ctx: Context) -> Outcome:
    if ctx.bookings is None:  # the office switched booking off: back to the menu
        return go(conv.moved(MENU), ctx)
    outcome = booking.on_event(conv, event, ctx, pressed_or_matched(conv, event, ctx))
    return outcome or stay(conv, ctx, t("Please choose one of the buttons."))


def unsupported(conv: Conversation, event: Unsupported, ctx: Context) -> Outcome:
    """Something the assistant does not read: say what it reads, then ask the same again."""
    if event.kind == "edited":  # the edit is not read: the earlier text (or nothing) stands
        return stay(
            conv,
            ctx,
            t(
                "I do not read changes to a message already sent. If you want to change your "
                "answer, please send it again as a new message."
            ),
        )
    return stay(
        conv,
        ctx,
        t("I can only read text messages and buttons. Nothing of what you sent has been stored."),
    )
