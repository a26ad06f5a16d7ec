"""Two bot instances in webhook mode on one database, fed interleaved updates.

Each instance is what `comehome run --webhook` builds (its own Assistant and connection pool, the
PTB Application, the webhook server on 127.0.0.1), with an offline Bot API. Updates are posted to
either instance, several at once; the outcome is compared with one instance taking the same
updates one by one. Runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL (the
set-up operators run several instances on).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import os
import random
import re
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import tornado.httpserver
import tornado.netutil
from sqlalchemy import select

from bot.app import build_application
from bot.assistant import Assistant
from bot.config import Settings
from bot.demo import seed_demo_office
from bot.telegram_door import TelegramDoor
from bot.webhook import web_app
from storage.crypto import Keyring
from storage.db import Database
from storage.tables import appointments, conversations, daily_counts, metadata, outbox
from storage.tables import processed_updates as processed
from tests.conftest import Clock
from tests.e2e.fake_telegram import FakeBotAPI, UpdateFactory

SECRET = "two-instances-webhook-secret-0123456789"
TOKEN = "123456:TEST-TOKEN"
SENDING = ("sendMessage", "editMessageText", "sendDocument")
STICKER = {
    "file_id": "s",
    "file_unique_id": "s",
    "type": "regular",
    "width": 1,
    "height": 1,
    "is_animated": False,
    "is_video": False,
}

CASE_CODE = re.compile(r"<code>[A-Z0-9]{8}</code>")

Update = dict[str, Any]


class SharedTelegram(FakeBotAPI):
    """The offline Bot API, with message ids counted across instances as Telegram counts them
    (the bot keeps them per chat for /delete: two instances must not both be given id 101)."""

    def __init__(self, ids: itertools.count[int]) -> None:
        super().__init__()
        self.ids = ids

    def result(self, name: str, params: dict[str, Any]) -> Any:
        if name not in SENDING:
            return super().result(name, params)
        return {
            "message_id": int(params.get("message_id") or next(self.ids)),
            "date": 0,
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "text": params.get("text", ""),
        }


@dataclass
class Instance:
    assistant: Assistant
    api: FakeBotAPI
    door: TelegramDoor
    port: int
    seen: int = 0  # calls already attributed to a wave

    def new_calls(self) -> list[tuple[str, dict[str, Any]]]:
        calls = self.api.calls[self.seen :]
        self.seen = len(self.api.calls)
        return calls


@contextlib.asynccontextmanager
async def instance(
    settings: Settings, clock: Clock, ids: itertools.count[int]
) -> AsyncIterator[Instance]:
    """One instance: own engine and pool, PTB Application, webhook server on a loopback port."""
    assistant = Assistant.build(settings, clock=clock, migrate=False)
    api = SharedTelegram(ids)
    application, door = build_application(assistant, request=api)
    async with application:
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        server = tornado.httpserver.HTTPServer(web_app(application, door, SECRET))
        server.add_sockets(sockets)
        try:
            yield Instance(assistant, api, door, sockets[0].getsockname()[1])
        finally:
            server.stop()
            assistant.db.dispose()


@dataclass
class Step:
    """What one client does at one moment: one update, the same update delivered to both
    instances at once ("dup", Telegram retrying), or two updates at once ("pair", two quick taps
    that end up on different instances)."""

    kind: str
    updates: tuple[Update, ...]


@dataclass
class Client:
    user: UpdateFactory
    chat_id: int  # a private chat: the user's id
    steps: list[Step] = field(default_factory=list)


def journey(number: int, chance: random.Random) -> Client:
    """An intake with bad input, an edit, a stale button, Telegram retries and two quick taps."""
    user_id = 7300000000000 + number
    user = UpdateFactory(user_id=user_id, language_code=None)
    user.next_id = 1_000_000 * (number + 1)  # update ids are unique per bot, not per client
    client = Client(user, user_id)

    def do(update: Update, may_repeat: bool = True) -> None:
        repeated = may_repeat and chance.random() < 0.3
        client.steps.append(Step("dup" if repeated else "single", (update,)))

    language = chance.choice(["de", "en", "tr", "ar", "uk", "fa"])
    do(user.message("/start"))
    do(user.press(f"lang:{language}"))
    do(user.press("privacy:accept"))
    do(user.press("m:intake"))
    do(user.press(f"a:country:{chance.choice(['IQ', 'GE', 'AF', 'TR', 'UA'])}"))
    do(user.message(str(chance.randint(1, 4))))  # adults, typed
    do(user.press(f"a:minors:{chance.randint(0, 3)}"))
    do(user.message(sticker=STICKER))
    do(user.press(f"a:situation:{chance.choice(['tolerated', 'asylum', 'skip'])}"))
    do(user.press("a:stay:skip"))
    first, second = chance.sample(["travel", "business", "qualification", "medical"], 2)
    client.steps.append(
        Step("pair", (user.press(f"a:interests:{first}"), user.press(f"a:interests:{second}")))
    )
    do(user.press("a:interests:done"))
    do(user.edited("geändert"))
    do(user.press("a:country:SY"))  # a stale button from an old message
    do(user.message(chance.choice(["Vormittags bitte.", "أفضل الصباح", "🙂 ok"])))
    do(user.press("sum:ok"))
    do(user.press("m:support"))
    do(user.message("/menu"))
    do(user.press("m:contact"))
    return client


async def post(http: httpx.AsyncClient, target: Instance, update: Update) -> None:
    response = await http.post(
        f"http://127.0.0.1:{target.port}/telegram",
        content=json.dumps(update),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status_code == 200, response.text
    await target.door.queues.drain()  # the replies this update caused, sent in the background


Message = tuple[str, str, str]


def by_chat(calls: list[tuple[str, dict[str, Any]]]) -> dict[int, list[Message]]:
    """What each chat was sent (answers to button presses left out: they are not messages)."""
    chats: dict[int, list[Message]] = {}
    for method, params in calls:
        if method in SENDING:
            text = params.get("text") or params.get("document", {}).get("filename", "")
            text = CASE_CODE.sub("<code>(case code)</code>", text)  # differs from run to run
            markup = params.get("reply_markup")
            markup_text = json.dumps(markup, sort_keys=True)
            chats.setdefault(int(params["chat_id"]), []).append((method, text, markup_text))
    return chats


def wipe(db: Database) -> None:
    """Every row, but the office's settings: the office file gave them at the instances' start
    (which languages need no interpreter), and a running instance does not give them again."""
    with db.transaction() as tx:
        for table in reversed(metadata.sorted_tables):
            if table.name != "office_settings":
                tx.execute(table.delete())


def conversation_of(db: Database, keyring: Keyring, user_id: int) -> tuple[Any, ...] | None:
    key = keyring.client_key("telegram", str(user_id))
    with db.transaction() as tx:
        row = tx.execute(
            select(
                conversations.c.state,
                conversations.c.locale,
                conversations.c.answers,
                conversations.c.data,
                conversations.c.version,
            ).where(conversations.c.client_key == key)
        ).first()
    return tuple(row) if row else None


def totals(db: Database) -> dict[str, Any]:
    with db.transaction() as tx:
        counted: Counter[str] = Counter()
        for metric, value in tx.execute(select(daily_counts.c.metric, daily_counts.c.count)):
            counted[metric] += int(value)
        return {
            "processed": len(tx.execute(select(processed.c.update_id)).all()),
            "outbox": len(tx.execute(select(outbox.c.id)).all()),
            "counts": dict(counted),
        }


@dataclass
class Reference:
    """One instance, one update at a time: per client the messages of each step, and the end."""

    windows: dict[int, list[list[Message]]]
    final: dict[int, tuple[Any, ...] | None]
    totals: dict[str, Any]


async def one_by_one(
    target: Instance, clients: list[Client], db: Database, keyring: Keyring, swap: bool
) -> Reference:
    """The reference: every step of every client alone; a pair in its order, or swapped."""
    windows: dict[int, list[list[Message]]] = {}
    async with httpx.AsyncClient() as http:
        for client in clients:
            for step in client.steps:
                updates = step.updates[::-1] if swap and step.kind == "pair" else step.updates
                for update in updates:
                    await post(http, target, update)
                sent = by_chat(target.new_calls()).get(client.chat_id, [])
                windows.setdefault(client.chat_id, []).append(sent)
    final = {client.chat_id: conversation_of(db, keyring, client.chat_id) for client in clients}
    return Reference(windows, final, totals(db))


async def interleaved(
    instances: tuple[Instance, Instance], clients: list[Client], chance: random.Random
) -> dict[int, list[list[Message]]]:
    """Waves of steps of random clients posted at once to random instances; returns per client
    the messages of each of its steps."""
    pending = {client.chat_id: list(client.steps) for client in clients}
    windows: dict[int, list[list[Message]]] = {chat: [] for chat in pending}
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=64)) as http:
        for _ in range(10_000):  # bounded: every wave takes at least one step
            ready = [chat for chat, steps in pending.items() if steps]
            if not ready:
                break
            wave = [chat for chat in ready if chance.random() < 0.7] or [chance.choice(ready)]
            posts = []
            for chat in wave:
                step = pending[chat].pop(0)
                first = chance.choice(instances)
                other = instances[1] if first is instances[0] else instances[0]
                if step.kind == "single":
                    posts.append(post(http, first, step.updates[0]))
                elif step.kind == "dup":
                    posts += [
                        post(http, first, step.updates[0]),
                        post(http, other, step.updates[0]),
                    ]
                else:
                    posts += [
                        post(http, first, step.updates[0]),
                        post(http, other, step.updates[1]),
                    ]
            await asyncio.gather(*posts)
            sent = [by_chat(target.new_calls()) for target in instances]
            for chat in wave:
                windows[chat].append([m for chats in sent for m in chats.get(chat, [])])
    return windows


def seed_from_environment() -> int:
    seed = int(os.environ.get("COMEHOME_TEST_SEED") or random.SystemRandom().randrange(10**9))
    print(f"COMEHOME_TEST_SEED={seed}")
    return seed


@pytest.fixture
def webhook_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, telegram_token=TOKEN)


async def test_two_instances_fed_interleaved_updates_equal_one_by_one(
    webhook_settings: Settings, database: Database, keyring: Keyring, clock: Clock
) -> None:
    """Check that two instances taking interleaved, repeated and simultaneous updates of six
    clients end with the same conversations and send the same replies, once each, as one
    instance taking them one by one."""
    seed = seed_from_environment()
    chance = random.Random(seed)
    clients = [journey(number, chance) for number in range(6)]
    note = f"COMEHOME_TEST_SEED={seed}"
    ids = itertools.count(101)
    async with (
        instance(webhook_settings, clock, ids) as a,
        instance(webhook_settings, clock, ids) as b,
    ):
        in_order = await one_by_one(a, clients, database, keyring, swap=False)
        wipe(database)
        swapped = await one_by_one(a, clients, database, keyring, swap=True)
        wipe(database)
        windows = await interleaved((a, b), clients, chance)
        final = {
            client.chat_id: conversation_of(database, keyring, client.chat_id) for client in clients
        }
        assert totals(database) == in_order.totals == swapped.totals, note
    for client in clients:
        chat = client.chat_id
        # The two taps of a pair may commit in either order: the whole client then matches
        # the reference with that order.
        reference = in_order if final[chat] == in_order.final[chat] else swapped
        assert final[chat] == reference.final[chat], f"{note}: client {chat} ended elsewhere"
        for step, actual, expected in zip(
            client.steps, windows[chat], reference.windows[chat], strict=True
        ):
            if step.kind == "pair":  # sent by two instances at once: in either order
                assert Counter(actual) == Counter(expected), f"{note}: {chat} {step}"
            else:
                assert actual == expected, f"{note}: client {chat}, {step.kind} {step.updates}"


def offered_slot(calls: list[tuple[str, dict[str, Any]]]) -> str:
    for _method, params in reversed(calls):
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("callback_data", "").startswith("b:slot:"):
                    return str(button["callback_data"])
    raise AssertionError("no time was offered")


async def test_two_instances_racing_for_one_slot_book_it_once(
    webhook_settings: Settings, database: Database, keyring: Keyring, clock: Clock
) -> None:
    """Check that five clients confirming the same time at once on two instances (one of them
    tapping twice) get one booking, and the same replies as if they had confirmed one by one
    with the winner first."""
    user_ids = [7300000000100 + n for n in range(5)]
    users = [UpdateFactory(user_id=user_id, language_code="de") for user_id in user_ids]
    for number, user in enumerate(users):
        user.next_id = 1_000_000 * (number + 1)
    to_menu = [
        [
            u.message("/start"),
            u.press("lang:de"),
            u.press("privacy:accept"),
            u.press("m:book"),
            u.press("b:int:none"),
        ]
        for u in users
    ]
    keys = [keyring.client_key("telegram", str(user_id)) for user_id in user_ids]

    async def choose_a_time(target: Instance, http: httpx.AsyncClient) -> list[Update]:
        """Every client up to the confirmation of the first time offered; the taps on "confirm"."""
        confirms = []
        for user, updates in zip(users, to_menu, strict=True):
            for update in updates:
                await post(http, target, update)
            slot = offered_slot(target.api.calls)
            await post(http, target, user.press(slot))
            confirms.append(user.press("b:ok"))
        target.new_calls()
        return confirms

    ids = itertools.count(101)
    async with (
        instance(webhook_settings, clock, ids) as a,
        instance(webhook_settings, clock, ids) as b,
        httpx.AsyncClient() as http,
    ):
        seed_demo_office(database, "muenchen")
        confirms = await choose_a_time(a, http)
        second_tap = users[0].press("b:ok")
        posts = [post(http, (a, b)[n % 2], update) for n, update in enumerate(confirms)]
        posts.append(post(http, b, second_tap))
        await asyncio.gather(*posts)
        raced = [by_chat(target.new_calls()) for target in (a, b)]
        with database.transaction() as tx:
            rows = tx.execute(select(appointments.c.client_key, appointments.c.status)).all()
        assert [status for _, status in rows] == ["booked"], rows
        winner = keys.index(rows[0].client_key)
        final = [conversation_of(database, keyring, user_id) for user_id in user_ids]
        assert totals(database)["outbox"] == 0

        wipe(database)  # the reference: the same, one by one, the winner first
        seed_demo_office(database, "muenchen")
        replay_confirms = await choose_a_time(a, http)
        expected: dict[int, list[Message]] = {}
        for n in [winner] + [n for n in range(len(users)) if n != winner]:
            for update in [replay_confirms[n]] + ([second_tap] if n == 0 else []):
                await post(http, a, update)
            expected[n] = by_chat(a.new_calls()).get(user_ids[n], [])
        reference = [conversation_of(database, keyring, user_id) for user_id in user_ids]
    for n, user_id in enumerate(user_ids):
        got = [m for chats in raced for m in chats.get(user_id, [])]
        assert Counter(got) == Counter(expected[n]), f"client {n} (winner {winner})"
    assert final == reference
