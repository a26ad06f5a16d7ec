"""The same journey written the usual way: python-telegram-bot's `ConversationHandler`.

Modelled on PTB's `examples/conversationbot.py`: one small callback per state that stores the
answer in `context.user_data`, logs one line and sends the next question. The texts and keyboards
are the ones our bot sent for the same step, captured at the start of the run (`script.capture`),
so both send byte for byte the same messages. Persistence, when used, is `PicklePersistence`.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.request import BaseRequest

log = logging.getLogger("baseline")

(
    LANGUAGE,
    PRIVACY,
    MENU,
    COUNTRY,
    ADULTS,
    MINORS,
    SITUATION,
    STAY,
    INTERESTS,
    NOTE,
    SUMMARY,
) = range(11)
COUNTRIES = {"irak": "IQ", "iraq": "IQ", "türkei": "TR", "syrien": "SY", "georgien": "GE"}
SCRUB = re.compile(r"\+?\d[\d /-]{6,}\d|\S+@\S+")
Context = ContextTypes.DEFAULT_TYPE


class Prompts:
    """What to send for each step: (method, HTML text, keyboard), from our bot's capture."""

    def __init__(self, path: Path) -> None:
        raw = json.loads(path.read_text(encoding="utf-8"))
        self.steps = {
            name: [
                (method, text, InlineKeyboardMarkup.de_json(markup, None) if markup else None)
                for method, text, markup in calls
            ]
            for name, calls in raw.items()
        }

    async def say(self, update: Update, context: Context, step: str) -> None:
        """Send the step's messages to this chat; an edit replaces the pressed message."""
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        for method, text, markup in self.steps[step]:
            query = update.callback_query
            if method == "editMessageText" and query is not None and query.message is not None:
                await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
            else:
                await context.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
                )


class Journey:
    """The callbacks, one per state, and the ConversationHandler that declares the machine."""

    def __init__(self, prompts: Prompts) -> None:
        self.prompts = prompts

    async def start(self, update: Update, context: Context) -> int:
        """Stores nothing yet; asks for the language."""
        log.info("start")
        await self.prompts.say(update, context, "language")
        return LANGUAGE

    def pressed(self, slot: str, next_step: str, next_state: int) -> CallbackQueryHandler:  # type: ignore[type-arg]
        """A button answer: stores the value under `slot`, answers the press, asks what is next."""

        async def callback(update: Update, context: Context) -> int:
            query = update.callback_query
            assert query is not None and query.data is not None
            context.user_data[slot] = query.data.rsplit(":", 1)[-1]  # type: ignore[index]
            log.info("answer %s", slot)
            await query.answer()
            await self.prompts.say(update, context, next_step)
            return next_state

        return CallbackQueryHandler(callback, pattern=f"^{re.escape(slot)}:|^a:{slot}:")

    def typed(self, slot: str, read: Any, next_step: str, next_state: int) -> MessageHandler:  # type: ignore[type-arg]
        """A typed answer: read and stored under `slot`; then the next question."""

        async def callback(update: Update, context: Context) -> int:
            assert update.message is not None and update.message.text is not None
            context.user_data[slot] = read(update.message.text)  # type: ignore[index]
            log.info("answer %s", slot)
            await self.prompts.say(update, context, next_step)
            return next_state

        return MessageHandler(filters.TEXT & ~filters.COMMAND, callback)

    async def interests(self, update: Update, context: Context) -> int:
        """Toggles an interest (the message is edited) or, on "done", asks for the note."""
        query = update.callback_query
        assert query is not None and query.data is not None
        value = query.data.rsplit(":", 1)[-1]
        await query.answer()
        if value == "done":
            await self.prompts.say(update, context, "note")
            return NOTE
        chosen = context.user_data.setdefault("interests", [])  # type: ignore[union-attr]
        chosen.remove(value) if value in chosen else chosen.append(value)
        await self.prompts.say(update, context, "interests_toggled")
        return INTERESTS

    async def confirmed(self, update: Update, context: Context) -> int:
        """Marks the intake done; shows the estimate and the menu."""
        query = update.callback_query
        assert query is not None
        context.user_data["intake_done"] = True  # type: ignore[index]
        await query.answer()
        await self.prompts.say(update, context, "confirmed")
        return MENU

    def handler(self, persistent: bool) -> ConversationHandler:  # type: ignore[type-arg]
        """The whole machine in one place: entry point, states, fallbacks."""
        pressed, typed = self.pressed, self.typed
        return ConversationHandler(
            entry_points=[CommandHandler("start", self.start)],
            states={
                LANGUAGE: [pressed("lang", "privacy", PRIVACY)],
                PRIVACY: [pressed("privacy", "menu", MENU)],
                MENU: [pressed("m", "country", COUNTRY)],
                COUNTRY: [typed("country", read_country, "adults", ADULTS)],
                ADULTS: [pressed("adults", "minors", MINORS)],
                MINORS: [typed("minors", lambda t: int(t.strip()), "situation", SITUATION)],
                SITUATION: [pressed("situation", "stay", STAY)],
                STAY: [pressed("stay", "interests", INTERESTS)],
                INTERESTS: [CallbackQueryHandler(self.interests, pattern="^a:interests:")],
                NOTE: [typed("note", lambda t: SCRUB.sub("…", t)[:300], "summary", SUMMARY)],
                SUMMARY: [CallbackQueryHandler(self.confirmed, pattern="^sum:ok$")],
            },
            fallbacks=[CommandHandler("start", self.start)],
            name="journey",
            persistent=persistent,
        )


def read_country(text: str) -> str | None:
    return COUNTRIES.get(text.strip().lower())


def build_baseline(
    prompts_file: Path,
    request: BaseRequest | None = None,
    pickle_file: Path | None = None,
    flush_every_update: bool = False,
    base_url: str | None = None,
) -> tuple[Application, PicklePersistence | None]:  # type: ignore[type-arg]
    """PTB's Application with the journey; with PicklePersistence when a file is given.

    `flush_every_update` sets `on_flush=True` so that one explicit flush writes the file once
    (the cheapest crash-safe-ish setting; the default would rewrite it once per changed entry).
    """
    from benchmarks.script import TOKEN

    builder = ApplicationBuilder().token(TOKEN)
    if base_url:
        builder = builder.base_url(f"{base_url}/bot").base_file_url(f"{base_url}/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    persistence = None
    if pickle_file is not None:
        persistence = PicklePersistence(pickle_file, on_flush=flush_every_update)
        builder = builder.persistence(persistence)
    application = builder.build()
    application.add_handler(
        Journey(Prompts(prompts_file)).handler(persistent=persistence is not None)
    )
    return application, persistence
