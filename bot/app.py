"""Builds the python-telegram-bot Application and runs the update loop.

Our own long-polling loop replaces PTB's Updater so that the `getUpdates` offset moves past an
update only after its step was committed: a crash re-fetches it, and the stored update id makes
sure it is applied once. Different clients are processed concurrently, one client's updates in
order. Replies are not waited for: they go out from per-chat queues (bot/sending.py), so a slow
send or a paced chat holds up nobody else.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections import defaultdict
from collections.abc import Coroutine, Sequence
from typing import Any, TypeAlias

from telegram import BotCommand, Update
from telegram.error import Conflict, NetworkError, TelegramError, TimedOut
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot.assistant import Assistant
from bot.pacing import PacedRateLimiter
from bot.sending import ChatQueues
from bot.service import agenda, delivery, reminders, retention, waiting_list
from bot.service.delivery import Send
from bot.service.rounds import every
from bot.telegram_door import TelegramDoor
from flows.engine import COMMAND_MENU

# PTB's Application is generic in its bot, context and stores; this one uses the defaults.
PTBApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
OUTBOX_EVERY = 5.0  # seconds between retries of unsent replies
REMINDERS_EVERY = 60.0


def build_application(
    assistant: Assistant,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limited: bool | None = None,
) -> tuple[PTBApplication, TelegramDoor]:
    """The Application (its Bot, request and rate limiter; no handlers: updates go to the door's
    `process`, see bot/telegram_door.py) and the door.

    Outgoing calls keep to Telegram's limits (bot/pacing.py: one message a second per private
    chat, 20 a minute per group, 28 in any second overall; it waits out `RetryAfter`). By default
    only when talking to the network: an offline request class in tests answers without limits,
    and so may a test Bot API on this machine (`COMEHOME_TELEGRAM_PACING=0`).
    """
    base = assistant.settings.telegram_api_base_url
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(assistant.settings.telegram_token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .updater(None)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    if rate_limited is None:
        rate_limited = request is None and assistant.settings.telegram_pacing
    if rate_limited:
        builder = builder.rate_limiter(PacedRateLimiter())
    application = builder.build()
    door = TelegramDoor(assistant, application.bot)
    # What start-up built (catalogs, templates, PTB's and SQLAlchemy's classes) leaves the garbage
    # collector's sight: a full collection then scans only what was made since. Without this,
    # one batch of updates in a few hundred waited 50 to 80 ms for one (benchmarks/journey.py).
    gc.freeze()
    return application, door


async def process_batch(door: TelegramDoor, updates: Sequence[Update]) -> set[int]:
    """Different clients in parallel; each client's updates one after the other, in order.
    Returns the ids of the updates whose step could not be committed: a client's queue stops at
    its first such update, so that its later ones wait for it (Telegram offers them again)."""
    by_client: dict[object, list[Update]] = defaultdict(list)
    for update in updates:
        sender = update.effective_user.id if update.effective_user else update.update_id
        by_client[sender].append(update)
    failed: set[int] = set()

    async def in_order(queue: list[Update]) -> None:
        for update in queue:
            try:
                await door.process(update)
            except Exception as error:  # nothing of it was stored: it is fetched again
                log.error("step failed, update will be retried", exc_info=error)
                failed.add(update.update_id)
                return

    await asyncio.gather(*(in_order(queue) for queue in by_client.values()))
    return failed


async def poll(
    application: PTBApplication,
    door: TelegramDoor,
    stop: asyncio.Event,
    timeout: int = 30,
) -> None:
    """Long polling that confirms an update to Telegram as soon as its step was committed (not
    sent: the outbox has the replies). The next batch is fetched once the steps of this one are
    committed, which takes milliseconds; fetching while they run would only get the same
    unconfirmed updates back from Telegram."""
    offset: int | None = None
    pause, alone = 1.0, False
    while not stop.is_set():
        try:
            updates = await application.bot.get_updates(
                offset=offset, timeout=timeout if alone else 0, allowed_updates=ALLOWED_UPDATES
            )
        except Conflict:
            log.error("another instance is polling with this token; this one stands down")
            return
        except (NetworkError, TimedOut) as error:
            log.warning("getUpdates failed (%s); retrying in %.0f s", type(error).__name__, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 60)
            continue
        pause = 1.0
        if not alone:  # Telegram let this instance poll: what earlier processes leased is free
            await door.take_over()
            alone = True
        if not updates:
            continue
        failed = await process_batch(door, updates)
        offset = min(failed) if failed else max(u.update_id for u in updates) + 1
        if failed:
            await asyncio.sleep(pause)


async def set_commands(application: PTBApplication, assistant: Assistant) -> int:
    """Telegram's command menu in every language whose code Telegram accepts (two letters)."""
    renderer, done = assistant.renderer, 0
    for code in (None, *assistant.catalogs.codes):
        if code is not None and len(code) != 2:
            continue  # ckb, fa_AF, sr_Latn: Telegram knows only ISO 639-1 codes; they get English
        locale = code or assistant.catalogs.source
        commands = [BotCommand(name, renderer.label(text, locale)) for name, text in COMMAND_MENU]
        try:
            await application.bot.set_my_commands(commands, language_code=code)
            done += 1
        except TelegramError as error:
            log.warning("setMyCommands failed for %s: %s", code or "default", type(error).__name__)
    return done


def background(
    assistant: Assistant, send: Send, stop: asyncio.Event, queues: ChatQueues
) -> list[Coroutine[Any, Any, None]]:
    """The jobs every instance runs beside its door: the outbox (Telegram replies through the
    chat queues, mail directly), reminders, agenda, retention."""
    return [
        every(OUTBOX_EVERY, stop, queues.flush),
        every(OUTBOX_EVERY, stop, lambda: delivery.flush(assistant, send, channels=("email",))),
        every(REMINDERS_EVERY, stop, lambda: reminders.run(assistant, send)),
        every(REMINDERS_EVERY, stop, lambda: waiting_list.run(assistant, send)),
        every(REMINDERS_EVERY, stop, lambda: agenda.run(assistant, send)),
        every(retention.EVERY, stop, lambda: retention.run(assistant)),
    ]


async def run_telegram(assistant: Assistant) -> None:
    """Run on Telegram until SIGINT/SIGTERM."""
    application, door = build_application(assistant)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:
        send = door.sender(application.bot)
        await set_commands(application, assistant)
        log.info("running on Telegram as @%s (long polling)", application.bot.username)
        await asyncio.gather(
            poll(application, door, stop), *background(assistant, send, stop, door.queues)
        )
        await door.queues.stop()
