"""Replies sent in the background: the update is confirmed once committed, each chat gets its
replies in order, a slow chat holds up no other, and nothing is lost or sent twice when the bot
stops or a reply waits past its lease. Slow sends are held by the test, never timed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event, select
from telegram import Update

from bot.app import build_application, poll, process_batch
from bot.render import Message
from bot.sending import ChatQueues
from bot.service import delivery as delivering
from bot.service import step
from bot.service.delivery import Progress
from bot.telegram_door import translate
from storage import writer
from storage.db import Database
from storage.outbox import Delivery
from storage.tables import outbox
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import FakeBotAPI, UpdateFactory

ALICE, BOB = 7300000000011, 7300000000022


def client(user_id: int) -> UpdateFactory:
    """A client whose update ids differ from every other's (Telegram counts them per bot)."""
    user = UpdateFactory(user_id=user_id)
    user.next_id = user_id % 1000 * 1_000_000
    return user


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for something the bot does in the background (generously bounded)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


class HeldSends(FakeBotAPI):
    """The offline Bot API, with every sendMessage held until the test lets it through."""

    def __init__(self) -> None:
        super().__init__()
        self.open = asyncio.Event()

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            await self.open.wait()
        return await super().do_request(url, *args, **kwargs)


class Recorder:
    """A door's send function that records (chat, outbox id) and holds one chat until released."""

    def __init__(self, held_chat: str | None = None) -> None:
        self.sent: list[tuple[str, int]] = []
        self.started: list[int] = []
        self.held_chat, self.release = held_chat, asyncio.Event()

    async def __call__(
        self, delivery: Delivery, messages: Sequence[Message], progress: Progress
    ) -> None:
        self.started.append(delivery.outbox_id)
        if delivery.chat_id == self.held_chat:
            await self.release.wait()
        self.sent.append((delivery.chat_id, delivery.outbox_id))


async def committed(telegram: Harness, user: UpdateFactory, text: str = "/start") -> Delivery:
    """A step committed (its reply in the outbox) and not sent, as the door leaves it."""
    update = Update.de_json(user.message(text), telegram.application.bot)
    incoming, event, language = translate(update)  # type: ignore[misc]
    delivery = await step.handle(telegram.assistant, incoming, event, language)
    assert delivery is not None
    return delivery


async def test_an_update_is_confirmed_before_its_reply_is_sent(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that polling confirms an update to Telegram once its step committed, while its
    reply is still on the way, and that the reply then goes out once."""
    api = HeldSends()
    application, door = build_application(telegram.assistant, request=api)
    first = user.message("/start")
    stop = asyncio.Event()
    async with application:
        await api.updates.put([first])
        task = asyncio.create_task(poll(application, door, stop, timeout=0))
        await until(lambda: first["update_id"] + 1 in api.offsets, "the offset confirmed")
        assert api.sent_texts() == [] and telegram.assistant.store.outbox.backlog() == 1
        api.open.set()
        await until(lambda: telegram.assistant.store.outbox.backlog() == 0, "the reply sent")
        stop.set()
        await task
        await door.queues.stop()
    assert len(api.sent_texts()) == 1


async def test_a_slow_chat_holds_up_no_other_and_each_chat_keeps_its_order(
    telegram: Harness,
) -> None:
    """Check that while one chat's reply hangs, another chat is answered, and the first chat's
    next reply waits behind its earlier one."""
    alice, bob = client(ALICE), client(BOB)
    first = await committed(telegram, alice)
    second = await committed(telegram, alice, "/start")
    other = await committed(telegram, bob)
    recorder = Recorder(held_chat=str(ALICE))
    queues = ChatQueues(telegram.assistant, recorder)
    for delivery in (first, second, other):
        assert queues.submit(delivery)
    await until(lambda: (str(BOB), other.outbox_id) in recorder.sent, "Bob answered")
    assert recorder.started == [first.outbox_id, other.outbox_id]  # Alice's second waits
    recorder.release.set()
    await queues.drain()
    alices = [outbox_id for chat, outbox_id in recorder.sent if chat == str(ALICE)]
    assert alices == [first.outbox_id, second.outbox_id]
    assert telegram.assistant.store.outbox.backlog() == 0


async def test_a_reply_left_by_a_stop_is_sent_once_after_the_restart(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that a reply committed but not sent when the bot stops stays in the outbox and is
    sent once by the next instance's flush, after the lease ran out."""
    delivery = await committed(telegram, user)
    hanging = Recorder(held_chat=delivery.chat_id)
    stopped = ChatQueues(telegram.assistant, hanging)
    stopped.submit(delivery)
    await until(lambda: hanging.started == [delivery.outbox_id], "the send under way")
    await stopped.stop(grace=0)
    assert hanging.sent == [] and telegram.assistant.store.outbox.backlog() == 1
    restarted = ChatQueues(telegram.assistant, Recorder())
    assert await restarted.flush() == 0  # still leased by the stopped one
    telegram.assistant.clock.now += timedelta(seconds=20)  # type: ignore[attr-defined]
    assert await restarted.flush() == 1
    await restarted.drain()
    assert await restarted.flush() == 0
    assert restarted.send.sent == [(delivery.chat_id, delivery.outbox_id)]  # type: ignore[attr-defined]
    assert telegram.assistant.store.outbox.backlog() == 0


async def test_replies_queued_past_their_lease_are_not_claimed_by_the_own_flush(
    telegram: Harness,
) -> None:
    """Check that replies hanging or waiting in this instance's queue beyond their lease are not
    claimed by its outbox flush, and each reaches the chat once, in order."""
    alice = client(ALICE)
    hanging, waiting = await committed(telegram, alice), await committed(telegram, alice, "/start")
    recorder = Recorder(held_chat=str(ALICE))
    queues = ChatQueues(telegram.assistant, recorder)
    for delivery in (hanging, waiting):
        queues.submit(delivery)
    await until(lambda: recorder.started == [hanging.outbox_id], "the send under way")
    telegram.assistant.clock.now += timedelta(seconds=20)  # type: ignore[attr-defined]
    assert await queues.flush() == 0
    recorder.release.set()
    await queues.drain()
    assert recorder.sent == [(str(ALICE), hanging.outbox_id), (str(ALICE), waiting.outbox_id)]
    assert telegram.assistant.store.outbox.backlog() == 0


async def test_a_reply_claimed_by_another_instance_is_left_to_it(telegram: Harness) -> None:
    """Check that a reply whose lease ran out while it waited behind a hanging one, and that
    another instance's flush claimed meanwhile, is sent by that instance only."""
    bob = client(BOB)
    hanging, waiting = await committed(telegram, bob), await committed(telegram, bob, "/start")
    recorder = Recorder(held_chat=str(BOB))
    queues = ChatQueues(telegram.assistant, recorder)
    for delivery in (hanging, waiting):
        queues.submit(delivery)
    await until(lambda: recorder.started == [hanging.outbox_id], "the send under way")
    telegram.assistant.clock.now += timedelta(seconds=20)  # type: ignore[attr-defined]
    other = Recorder(held_chat=str(BOB))  # the other instance is slow too: both hold a copy
    elsewhere = ChatQueues(telegram.assistant, other)
    assert await elsewhere.flush() == 2
    recorder.release.set()
    await queues.drain()
    other.release.set()
    await elsewhere.drain()
    everywhere = recorder.sent + other.sent
    assert everywhere.count((str(BOB), waiting.outbox_id)) == 1
    assert (str(BOB), waiting.outbox_id) in other.sent
    assert telegram.assistant.store.outbox.backlog() == 0


async def test_a_restarted_poller_sends_at_once_what_a_killed_process_left_leased(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that once polling works (so no other instance polls), replies an earlier process
    committed and leased but never sent go out at once, and once, not when the lease runs out."""
    frozen = telegram.assistant.clock()
    telegram.assistant.clock = lambda: frozen  # without the take-over the lease would never end
    left = await committed(telegram, user)  # the earlier process died right after its commit
    api = FakeBotAPI()
    application, door = build_application(telegram.assistant, request=api)
    stop = asyncio.Event()
    async with application:
        task = asyncio.create_task(poll(application, door, stop, timeout=0))
        await until(lambda: telegram.assistant.store.outbox.backlog() == 0, "the reply sent")
        stop.set()
        await task
        await door.queues.stop()
    assert len(api.sent_texts()) == 1 and left.outbox_id not in door.queues.held


async def fed(telegram: Harness, update: dict[str, Any]) -> None:
    """Feed an update as the polling loop does and wait for its replies to be sent, not for
    their marks to be committed (in service they ride the next step)."""
    await process_batch(telegram.door, [Update.de_json(update, telegram.application.bot)])
    await telegram.door.queues.drain(settle=False)


async def test_an_update_costs_one_durable_commit_however_many_messages_it_sends(
    telegram: Harness, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that an update whose reply has two messages commits to disk once (its step): the
    first message's mark is committed without waiting for the disk before the second goes out,
    and the last one's rides the next update's step (SQLite) instead of making a commit of its
    own; on PostgreSQL, where no step carries marks, it commits at once, without waiting for the
    disk either."""
    monkeypatch.setattr(writer, "DEFER_S", 10.0)  # only a ride or an urge commits a mark
    user = client(ALICE)
    await telegram.send(user.message("/start"))
    await telegram.send(user.press("lang:de"))
    database, kinds, outbox = telegram.assistant.db, [], telegram.assistant.store.outbox

    def committed(connection: Connection) -> None:  # every commit, whoever makes it
        durable = connection.get_execution_options().get("durable", True)
        kinds.append("durable" if durable else "mark")

    def commits() -> list[str]:
        made = kinds[:]
        kinds.clear()
        return made

    event.listen(database.engine, "commit", committed)
    request.addfinalizer(lambda: event.remove(database.engine, "commit", committed))
    telegram.take_calls()
    await fed(telegram, user.press("privacy:more"))  # the privacy details: two messages
    sent = [method for method, _ in telegram.take_calls() if method != "answerCallbackQuery"]
    assert len(sent) == 2
    if not database.is_sqlite:
        await asyncio.to_thread(database.urge().result, 5)  # the writer is done with what it has
        assert commits() == ["durable", "mark", "mark"] and outbox.backlog() == 0
        return
    assert commits() == ["durable", "mark"]
    assert outbox.backlog() == 1  # the second message's mark waits for a ride
    commits()
    await fed(telegram, user.press("privacy:accept"))  # the menu: one message
    assert commits() == ["durable"]  # the step carried the waiting mark
    assert outbox.backlog() == 1  # only the menu's own mark waits now
    commits()
    await telegram.door.queues.drain()  # a test (or a stop) waits for the marks
    assert commits() == ["mark"] and outbox.backlog() == 0


class Marking:
    """A door's send function that reports each message as sent, and notes which outbox rows
    were still waiting when each delivery started."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.waiting: dict[int, list[int]] = {}

    async def __call__(
        self, delivery: Delivery, messages: Sequence[Message], progress: Progress
    ) -> None:
        self.waiting[delivery.outbox_id] = await asyncio.to_thread(self.rows)
        await progress.reached(None, last=True)

    def rows(self) -> list[int]:
        with self.database.transaction() as tx:
            return [int(row) for row in tx.execute(select(outbox.c.id)).scalars()]


async def test_a_chats_next_reply_waits_until_the_last_one_is_marked_sent(
    telegram: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that a chat's next reply goes out only once the mark of its previous one is
    committed, so that a crash can repeat at most one message of a chat."""
    monkeypatch.setattr(writer, "DEFER_S", 10.0)  # the mark would wait 10 s for a ride
    alice = client(ALICE)
    first, second = await committed(telegram, alice), await committed(telegram, alice, "/start")
    marking = Marking(telegram.assistant.db)
    queues = ChatQueues(telegram.assistant, marking)
    for delivery in (first, second):
        assert queues.submit(delivery)
    await asyncio.wait_for(queues.drain(settle=False), 5)
    assert first.outbox_id in marking.waiting[first.outbox_id]
    assert first.outbox_id not in marking.waiting[second.outbox_id]


class BlockedBy(FakeBotAPI):
    """The offline Bot API for a client who blocked the bot: every sendMessage gets 403."""

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
            return 403, json.dumps(body).encode()
        return await super().do_request(url, *args, **kwargs)


async def test_a_reply_to_a_chat_that_blocked_the_bot_is_given_up_at_once(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that when Telegram answers 403 (the client blocked the bot or left the chat) the
    reply is dropped from the outbox at the first try, not retried for a day, and counted as a
    failed send."""
    delivery = await committed(telegram, user)
    application, door = build_application(telegram.assistant, request=BlockedBy())
    async with application:
        sent = await delivering.deliver(telegram.assistant, delivery, door.sender(application.bot))
    assert sent is False
    assert telegram.assistant.store.outbox.backlog() == 0
    assert telegram.assistant.metrics.failed_sends._value.get() == 1
