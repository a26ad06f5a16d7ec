"""The Telegram door: an `Update` becomes a flow event; replies become Bot API calls.

Only private chats are served. Media, contacts, locations and forwarded messages are answered
but never stored: the door turns them into an `Unsupported` event that carries only their kind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.assistant import Assistant
from bot.render import Message
from bot.sending import ChatQueues
from bot.service import step
from bot.service.delivery import Progress, Unreachable
from flows.model import Command, Event, Pressed, Typed, Unsupported
from storage.conversations import Incoming
from storage.outbox import Delivery

log = logging.getLogger(__name__)

ATTACHMENT_KINDS = (
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "document",
    "animation",
    "contact",
    "location",
    "venue",
    "poll",
    "dice",
    "story",
)


def translate(
    update: Update, staff_chats: tuple[int, ...] = ()
) -> tuple[Incoming, Event, str | None] | None:
    """The flow event of an update, who sent it, and their Telegram language; None to ignore it.

    Clients write in private chats; in the staff chats only staff commands are read (see
    `TelegramDoor.staff_office`), every other group is ignored.
    """
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    if chat.type != chat.PRIVATE and chat.id not in staff_chats:
        return None
    pressed_message_id = None
    event: Event
    if update.callback_query is not None:
        query = update.callback_query
        event = Pressed(query.data or "")
        pressed_message_id = query.message.message_id if query.message else None
    elif update.edited_message is not None:
        event = Unsupported("edited")
    elif update.message is not None:
        event = message_event(update)
    else:
        return None
    incoming = Incoming(
        "telegram", str(user.id), str(chat.id), update.update_id, pressed_message_id
    )
    return incoming, event, user.language_code


def message_event(update: Update) -> Event:
    message = update.message
    assert message is not None
    if message.forward_origin is not None:
        return Unsupported("forwarded")
    if message.text is not None:
        text = message.text
        if text.startswith("/"):
            word, _, args = text[1:].partition(" ")
            return Command(word.split("@")[0].lower(), args.strip())
        return Typed(text)
    kind = next((k for k in ATTACHMENT_KINDS if getattr(message, k, None)), "other")
    return Unsupported(kind)


def keyboard(message: Message) -> dict[str, Any] | None:
    """The message's buttons as the Bot API's `InlineKeyboardMarkup`, in plain JSON: built once
    per message, where PTB's objects would be made and turned back into JSON on every send."""
    if not message.buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": value} for label, value in row]
            for row in message.buttons
        ]
    }


class TelegramDoor:
    """Translates updates into steps (bot/service/step.py) and sends their replies from per-chat
    queues. PTB's handler dispatch is bypassed on purpose: it hands a handler's exception to the
    error handlers and returns nothing, while the polling loop and the webhook must know whether
    an update's step was committed (the offset, or 200 against 500). `process` raises instead."""

    def __init__(self, assistant: Assistant, bot: Bot) -> None:
        self.assistant = assistant
        self.queues = ChatQueues(assistant, self.sender(bot))  # replies go out in the background
        self.staff_chats = tuple(  # every office's; a staff command there is read, nothing else
            chat for office in assistant.settings.offices for chat in office.staff_chat_ids
        )

    async def process(self, update: Update) -> None:
        """Run the step of any update, answer the button press once it is committed, and queue
        the replies (sent in the background). Raises when the step could not be committed: the
        update must then be offered again (nothing of it was stored)."""
        translated = translate(update, self.staff_chats)
        if translated is None:
            return
        incoming, event, language_code = translated
        chat = update.effective_chat
        in_staff_chat = chat is not None and chat.id in self.staff_chats
        if in_staff_chat and step.staff_office(self.assistant, incoming, event) is None:
            return  # group chatter: nothing to read, nothing to store
        query = update.callback_query

        async def answer() -> None:
            if query is None:
                return
            try:
                await query.answer()
            except TelegramError as error:
                log.warning("answerCallbackQuery failed: %s", type(error).__name__)

        await step.handle(
            self.assistant, incoming, event, language_code, outlet=self.queue, committed=answer
        )

    async def queue(self, delivery: Delivery) -> None:
        self.queues.submit(delivery)

    def sender(self, bot: Bot) -> _Sender:
        return _Sender(bot)

    async def take_over(self) -> int:
        """Long polling admits one instance per bot (a second gets 409 Conflict): once polling
        works, replies still leased by an earlier process of this bot, killed or crashed before
        it could send them, go out now instead of when their lease runs out."""
        outbox = self.assistant.store.outbox
        released = await asyncio.to_thread(outbox.release_leases, self.assistant.clock())
        if released:
            log.info("sending %d replies an earlier process left unsent", released)
            await self.queues.flush()
        return released


class _Sender:
    """Sends rendered replies to one chat; edits the pressed message where a reply replaces it."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def __call__(
        self, delivery: Delivery, messages: Sequence[Message], progress: Progress
    ) -> None:
        """Send the calls not yet made, each reported to `progress` as it returns (with the id
        of the message now in the chat, so that /delete can remove it)."""
        chat_id = int(delivery.chat_id)
        try:
            if progress.parts == 0:
                await self._delete(chat_id, delivery.delete_message_ids)
            calls = [c for message in messages for c in self._calls(chat_id, delivery, message)]
            for index in range(progress.parts, len(calls)):
                message_id = await calls[index]()
                await progress.reached(message_id, last=index == len(calls) - 1)
        except Forbidden as error:  # the client blocked the bot, or left or deleted the chat
            raise Unreachable("the chat cannot be reached any more") from error

    async def call(self, endpoint: str, data: dict[str, Any]) -> Any:
        """One Bot API call through PTB's own way (its request class, the rate limiter, its
        errors: `RetryAfter`, `Forbidden`, `BadRequest`), the answer kept as the JSON it came as.
        `Bot.send_message` and its siblings would build a `telegram.Message` from every answer,
        of which the door reads one number."""
        return await self.bot._post(endpoint, data)

    def _calls(
        self, chat_id: int, delivery: Delivery, message: Message
    ) -> list[Callable[[], Awaitable[int | None]]]:
        """The Bot API calls of one message: the text (a new message, or an edit of the pressed
        one), then its calendar file if it has one."""
        markup = keyboard(message)

        async def text() -> int | None:
            data = {"chat_id": chat_id, "text": message.html, "parse_mode": ParseMode.HTML}
            if markup is not None:
                data["reply_markup"] = markup
            if message.replaces_pressed and delivery.pressed_message_id is not None:
                try:  # the message id stays the same
                    await self.call(
                        "editMessageText", {**data, "message_id": delivery.pressed_message_id}
                    )
                    return None
                except BadRequest:  # too old, deleted, or unchanged: send it as a new message
                    pass
            posted = await self.call("sendMessage", data)
            return int(posted["message_id"])

        if message.document is None:
            return [text]
        name, content = message.document

        async def document() -> int | None:
            data = {"chat_id": chat_id, "document": InputFile(content, filename=name)}
            sent = await self.call("sendDocument", data)
            return int(sent["message_id"])

        return [text, document]

    async def _delete(self, chat_id: int, message_ids: Sequence[int]) -> None:
        """Remove the bot's recent messages (after /delete); older ones Telegram keeps anyway."""
        for start in range(0, len(message_ids), 100):  # deleteMessages takes 100 at a time
            try:
                await self.bot.delete_messages(chat_id, list(message_ids[start : start + 100]))
            except BadRequest as error:  # already deleted by the client, or too old by now
                log.info("deleteMessages refused: %s", type(error).__name__)
