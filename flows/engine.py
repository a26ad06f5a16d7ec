"""The step function: one event and the stored conversation in, the next conversation and replies out."""

from __future__ import annotations

from flows import journey
from flows.model import (
    Command,
    Conversation,
    ConversationData,
    Event,
    Outcome,
    Pressed,
    Reply,
    Resumed,
    Template,
    Unsupported,
)
from flows.ports import Context
from flows.states import DELETE, LANGUAGE, MENU, PRIVACY
from flows.text import t

COMMANDS = ("start", "menu", "language", "help", "privacy", "delete")
# Telegram's command menu, in each language (the same texts as the help screen).
COMMAND_MENU = (
    ("menu", t("back to the menu")),
    ("language", t("change the language")),
    ("privacy", t("what is stored, and what Telegram sees")),
    ("delete", t("delete everything stored about you")),
    ("help", t("this help")),
)


def step(conv: Conversation | None, event: Event, ctx: Context) -> Outcome:
    """Apply one event. Pure: the caller stores the result and sends the replies."""
    if conv is None:
        return welcome(event, ctx)
    if isinstance(event, Resumed):  # ask again where the client left off, nothing else
        return journey.go(conv, ctx)
    if isinstance(event, Command):
        return command(conv, event, ctx)
    if isinstance(event, Unsupported):
        return journey.unsupported(conv, event, ctx)
    if conv.data.accepted:  # menu buttons work everywhere, pressed or typed
        value = journey.pressed_or_matched(conv, event, ctx)
        chosen = journey.on_menu_choice(conv, value, ctx, event) if value else None
        if chosen is not None:
            return chosen
    outcome = journey.handler_for(conv.state)(conv, event, ctx)
    if isinstance(event, Pressed) and outcome.stayed:
        return stale(conv, ctx)
    return outcome


def welcome(event: Event, ctx: Context) -> Outcome:
    """A client the assistant knows nothing about: offer the languages, keep only the suggestion."""
    if isinstance(event, Command) and event.name == "delete":
        return Outcome(None, (Reply(t("Nothing is stored about you.")),), locale=ctx.hint)
    conv = Conversation(LANGUAGE, data=ConversationData(hint=ctx.hint or None))
    return Outcome(conv, (journey.language_prompt(ctx, ctx.hint),), locale=ctx.hint)


def stale(conv: Conversation, ctx: Context) -> Outcome:
    """A button from an older message that means nothing here: say so and ask again."""
    return journey.stay(
        conv, ctx, t("That button belongs to an earlier message. Here is where we are now:")
    )


def command(conv: Conversation, event: Command, ctx: Context) -> Outcome:
    """The commands work at every step and never lose the client's place."""
    accepted = conv.data.accepted
    name = event.name
    if name == "start":
        return journey.go(conv.afresh(MENU if accepted else LANGUAGE), ctx)
    if name == "menu":
        if not accepted:
            return journey.stay(
                conv, ctx, t("Please choose your language and read the privacy notice first.")
            )
        return journey.go(conv.afresh(MENU), ctx)
    if name == "language":
        return journey.go(conv.moved(LANGUAGE, resume=resume_point(conv)), ctx)
    if name == "delete":
        return journey.go(conv.moved(DELETE, resume=resume_point(conv)), ctx)
    if name == "help":
        return journey.go(conv, ctx, Reply(Template("help")))
    if name == "privacy":
        if conv.state == PRIVACY:  # the promises are on screen: the details, with the choice
            return journey.on_privacy(conv, Pressed("privacy:more"), ctx)
        notice = (Reply(Template("privacy")), *journey.privacy_details())
        return journey.go(conv, ctx, *notice)
    return journey.stay(
        conv, ctx, t("I do not know this command. Send /help to see what I can do.")
    )


def resume_point(conv: Conversation) -> str:
    """Where to come back to after /language or /delete is answered."""
    if conv.state in (LANGUAGE, DELETE):
        return conv.data.resume or MENU
    return conv.state
