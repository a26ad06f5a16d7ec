"""End to end through python-telegram-bot's Application with an offline Bot API."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import build_application, poll
from bot.logs import RedactingFormatter, quiet_libraries
from bot.render import Message
from bot.service import delivery, step
from bot.telegram_door import keyboard
from storage.tables import conversations, metadata
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import FakeBotAPI, UpdateFactory

GOLDEN = Path(__file__).parent / "golden"

REDACTING = RedactingFormatter()  # what the operator sees: the line with its traceback


def golden_text(path: Path, actual: str) -> str:
    """The stored golden file. A missing one fails the test; with UPDATE_GOLDEN=1 in the
    environment the file is (re)written from `actual` first, to be reviewed in the diff."""
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run the test with UPDATE_GOLDEN=1 to write it"
    return path.read_text(encoding="utf-8")


def check_golden(name: str, calls: list[tuple[str, dict[str, Any]]]) -> None:
    """Compare the outgoing calls with the stored transcript (UPDATE_GOLDEN=1 rewrites it)."""
    actual = [{"method": method, **params} for method, params in calls]
    text = json.dumps(actual, ensure_ascii=False, indent=1) + "\n"
    assert actual == json.loads(golden_text(GOLDEN / f"{name}.json", text))


def test_a_missing_golden_file_fails_instead_of_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that a golden file that is not there fails the comparison (and is not created), and
    that UPDATE_GOLDEN=1 writes it."""
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    path = tmp_path / "new.json"
    with pytest.raises(AssertionError, match="UPDATE_GOLDEN=1"):
        golden_text(path, "[]\n")
    assert not path.exists()
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    assert golden_text(path, "[]\n") == "[]\n"


async def start(telegram: Harness, user: UpdateFactory, locale: str = "de") -> None:
    await telegram.send(user.message("/start"))
    await telegram.send(user.press(f"lang:{locale}"))
    await telegram.send(user.press("privacy:accept"))


def state_of(telegram: Harness) -> str | None:
    with telegram.assistant.db.transaction() as tx:
        return tx.execute(select(conversations.c.state)).scalar_one_or_none()


async def test_a_whole_journey_matches_the_golden_transcript(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that the Bot API calls of a full German intake are exactly the recorded ones."""
    await start(telegram, user)
    for update in (
        user.press("m:intake"),
        user.message("Irak"),
        user.press("a:adults:2"),
        user.message("1"),
        user.press("a:situation:obliged"),
        user.press("a:stay:one_year_or_more"),
        user.press("a:interests:business"),
        user.press("a:interests:done"),
        user.message("Wir brauchen einen Termin am Vormittag."),
        user.press("sum:ok"),
    ):
        await telegram.send(update)
    check_golden("journey_de", telegram.take_calls())
    assert state_of(telegram) == "menu"


async def test_a_button_press_is_answered_and_toggles_edit_the_message(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that each button press is answered, and choosing an interest edits that message."""
    await start(telegram, user)
    await telegram.send(user.press("m:intake"))
    for slot in ("country", "adults", "minors", "situation", "stay"):
        await telegram.send(user.press(f"a:{slot}:skip"))
    telegram.take_calls()
    await telegram.send(user.press("a:interests:travel", message_id=555))
    methods = [(m, p.get("message_id")) for m, p in telegram.take_calls()]
    assert methods == [("answerCallbackQuery", None), ("editMessageText", 555)]


BAD_INPUTS = {
    "sticker": {
        "sticker": {
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
    },
    "photo": {
        "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
        "caption": "Sentinelcaption",
    },
    "voice": {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}},
    "document": {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "passport.pdf"}},
    "contact": {"contact": {"phone_number": "+4917655501234", "first_name": "Sentinelcontact"}},
    "location": {"location": {"latitude": 48.1, "longitude": 11.6}},
    "forwarded": {
        "text": "Sentinelforwarded text",
        "forward_origin": {
            "type": "user",
            "date": 1764000000,
            "sender_user": {"id": 7300000009999, "is_bot": False, "first_name": "Sentinelthird"},
        },
    },
}


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
async def test_media_contacts_and_forwards_are_answered_and_not_stored(
    telegram: Harness, user: UpdateFactory, kind: str
) -> None:
    """Check that media, contacts and forwards get a reply, keep the step, and leave no trace."""
    await start(telegram, user)
    await telegram.send(user.press("m:intake"))
    telegram.take_calls()
    await telegram.send(user.message(**BAD_INPUTS[kind]))
    texts = telegram.api.sent_texts()
    assert "nur Textnachrichten" in texts[0] or "only read text" in texts[0]
    assert state_of(telegram) == "intake.country"
    dump = database_dump(telegram)
    for sentinel in ("Sentinel", "4917655501234", "7300000009999", "passport"):
        assert sentinel not in dump


@pytest.mark.parametrize(
    "text", ["x" * 4000, "🙂🙂🙂", "أريد العودة إلى العراق مع عائلتي", "/unknown", "Hallo?"]
)
async def test_odd_text_where_a_button_is_expected_keeps_the_step(
    telegram: Harness, user: UpdateFactory, text: str
) -> None:
    """Check that long, emoji, right-to-left or unknown text at a button step gets a hint and stays."""
    await start(telegram, user)
    await telegram.send(
        user.press("m:intake"),
    )
    await telegram.send(user.press("a:country:IQ"))
    await telegram.send(user.press("a:adults:1"))
    await telegram.send(user.press("a:minors:0"))
    telegram.take_calls()
    await telegram.send(user.message(text))
    assert state_of(telegram) == "intake.situation"
    assert len(telegram.api.sent_texts()) == 2  # a hint, then the same question again


async def test_edited_messages_and_stale_buttons_keep_the_step(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that an edited message and a button from an old message change nothing."""
    await start(telegram, user)
    await telegram.send(user.press("m:intake"))
    await telegram.send(user.press("a:country:IQ"))
    await telegram.send(user.edited("Syrien"))
    await telegram.send(user.press("a:country:SY"))
    assert state_of(telegram) == "intake.adults"


async def test_the_same_update_twice_is_applied_once(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that Telegram delivering an update again produces no second step or reply."""
    await start(telegram, user)
    update = user.press("m:intake")
    await telegram.send(update)
    telegram.take_calls()
    await telegram.send(update)
    assert [m for m, _ in telegram.take_calls() if m != "answerCallbackQuery"] == []
    assert state_of(telegram) == "intake.country"


async def test_group_chats_are_ignored(telegram: Harness, user: UpdateFactory) -> None:
    """Check that the assistant neither answers nor stores anything from a group chat."""
    update = user.message("/start")
    update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Group"}
    await telegram.send(update)
    assert telegram.take_calls() == [] and state_of(telegram) is None


async def test_a_reply_that_could_not_be_sent_is_sent_later(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that a reply lost to a network failure stays in the outbox and is sent on the next flush."""
    telegram.api.fail["sendMessage"] = 1
    await telegram.send(user.message("/start"))
    assert telegram.take_calls() == []
    assert telegram.assistant.store.outbox.backlog() == 1
    telegram.assistant.clock.now += __import__("datetime").timedelta(seconds=10)  # type: ignore[attr-defined]
    sender = telegram.door.sender(telegram.application.bot)
    assert await delivery.flush(telegram.assistant, sender) == 1
    assert [m for m, _ in telegram.take_calls()] == ["sendMessage"]
    assert telegram.assistant.store.outbox.backlog() == 0


async def test_polling_confirms_an_update_only_after_its_step_committed(
    telegram: Harness, user: UpdateFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that a step that fails is fetched again (same offset) and then applied once."""
    steps = telegram.assistant.steps
    original = steps.handle_client
    failures = {"left": 1}

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures["left"]:
            failures["left"] -= 1
            raise OSError("database went away (test)")
        return await original(*args, **kwargs)

    monkeypatch.setattr(steps, "handle_client", flaky)
    first = user.message("/start")
    stop = asyncio.Event()
    await telegram.api.updates.put([first])
    task = asyncio.create_task(poll(telegram.application, telegram.door, stop, timeout=0))
    await asyncio.sleep(1.5)  # the failed update waits one pause before it is fetched again
    await telegram.api.updates.put([first])  # Telegram re-sends what was not confirmed
    for _ in range(100):
        if telegram.api.sent_texts():
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    offsets = telegram.api.offsets
    assert offsets[0] is None and first["update_id"] in offsets  # not confirmed after the failure
    assert len(telegram.api.sent_texts()) == 1
    assert state_of(telegram) == "language"


def database_dump(telegram: Harness) -> str:
    """Every value of every table, as text and as raw bytes, plus the SQLite file itself."""
    parts = []
    with telegram.assistant.db.transaction() as tx:
        for table in metadata.sorted_tables:
            for row in tx.execute(select(table)).all():
                for value in row:
                    parts.append(
                        bytes(value).decode("latin-1")
                        if isinstance(value, bytes)
                        else json.dumps(value, default=str, ensure_ascii=False)
                    )
    url = telegram.assistant.db.url
    if url.get_backend_name() == "sqlite" and url.database:
        for path in Path(url.database).parent.glob(Path(url.database).name + "*"):
            parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


async def test_no_telegram_identity_reaches_the_database_or_the_logs(
    telegram: Harness, user: UpdateFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Check that names, username, user and chat id never appear in a database dump or the logs."""
    quiet_libraries()
    caplog.set_level(logging.DEBUG)
    await start(telegram, user)
    for update in (
        user.press("m:intake"),
        user.message("Irak"),
        user.press("a:adults:2"),
        user.message(**BAD_INPUTS["contact"]),
        user.message(**BAD_INPUTS["forwarded"]),
        user.press("a:minors:0"),
        user.press("a:situation:skip"),
        user.press("a:stay:skip"),
        user.press("a:interests:done"),
        user.message("Ruf mich an: 0176 5550 1234, mail sentinel@example.org"),
        user.press("sum:ok"),
    ):
        await telegram.send(update)
    dump = database_dump(telegram)
    logs = "\n".join(f"{r.getMessage()}\n{REDACTING.format(r)}" for r in caplog.records)
    assert "step Pressed" in logs  # the log is really captured
    for sentinel in (
        "7300000001337",
        "Sentinelfirst",
        "Sentinellast",
        "sentinel_username",
        "4917655501234",
        "Sentinelthird",
        "7300000009999",
        "Sentinelforwarded",
        "5550 1234",
        "sentinel@example.org",
        "123456:TEST-TOKEN",
    ):
        assert sentinel not in dump, sentinel
        assert sentinel not in logs, sentinel
    await telegram.send(user.message("/delete"))
    await telegram.send(user.press("del:yes"))
    assert state_of(telegram) is None


async def test_a_reply_left_unsent_by_a_crash_is_sent_after_restart(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that a step committed just before a crash has its reply sent by the restarted bot."""
    from datetime import timedelta

    from telegram import Update

    from bot.app import build_application
    from bot.telegram_door import translate
    from tests.e2e.fake_telegram import FakeBotAPI

    update = Update.de_json(user.message("/start"), telegram.application.bot)
    incoming, event, language = translate(update)  # type: ignore[misc]
    await step.handle(
        telegram.assistant, incoming, event, language
    )  # committed; then the process dies
    assert telegram.api.calls == []
    telegram.assistant.clock.now += timedelta(seconds=20)  # type: ignore[attr-defined]
    api = FakeBotAPI()
    restarted, door = build_application(telegram.assistant, request=api)
    async with restarted:
        assert await delivery.flush(telegram.assistant, door.sender(restarted.bot)) == 1
    assert [(m, p["chat_id"]) for m, p in api.calls] == [("sendMessage", 7300000001337)]


async def test_the_command_menu_is_set_in_each_language(telegram: Harness) -> None:
    """Check that setMyCommands is called per two-letter language, with translated descriptions."""
    from bot.app import set_commands

    assert await set_commands(telegram.application, telegram.assistant) == 3
    calls = {
        p.get("language_code"): p["commands"]
        for m, p in telegram.take_calls()
        if m == "setMyCommands"
    }
    assert set(calls) == {None, "de", "en"}
    german = {c["command"]: c["description"] for c in calls["de"]}
    assert german["delete"] == "alles löschen, was über Sie gespeichert ist"
    assert (
        german["menu"] != "back to the menu" and calls[None][0]["description"] == "back to the menu"
    )


async def test_delete_removes_the_bots_recent_messages_and_forgets_the_chat(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that /delete deletes the bot's messages of the last 48 hours and keeps no trace of them."""
    from storage.tables import sent_messages

    await start(telegram, user)
    sent_ids = [int(p.get("message_id") or 0) for m, p in telegram.api.calls if m == "sendMessage"]
    assert len(sent_ids) == 3  # language list, the privacy notice's first screen, menu
    telegram.take_calls()
    await telegram.send(user.message("/delete"))
    await telegram.send(user.press("del:yes"))
    calls = telegram.take_calls()
    deletes = [p for m, p in calls if m == "deleteMessages"]
    assert (
        len(deletes) == 1 and len(deletes[0]["message_ids"]) == 4
    )  # and the confirmation question
    assert [m for m, _ in calls][-2:] == ["deleteMessages", "sendMessage"]  # then the goodbye
    with telegram.assistant.db.transaction() as tx:
        assert tx.execute(select(sent_messages)).all() == []
    assert "Sentinel" not in database_dump(telegram)


def test_outgoing_calls_keep_to_telegrams_limits_on_the_network(telegram: Harness) -> None:
    """Check that the production Application paces its messages, and offline tests need not."""
    from bot.app import build_application
    from bot.pacing import PacedRateLimiter

    online, _ = build_application(telegram.assistant)
    assert isinstance(online.bot.rate_limiter, PacedRateLimiter)
    assert telegram.application.bot.rate_limiter is None


class Refusing(FakeBotAPI):
    """The offline Bot API, answering chosen calls with Telegram's error answers."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: dict[str, list[tuple[int, dict[str, Any]]]] = {}

    def refuse(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """Answer the next call of `method` with this error (Telegram's JSON shape)."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.errors.setdefault(method, []).append((status, body))

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        waiting = self.errors.get(url.rsplit("/", 1)[-1])
        if waiting:
            status, body = waiting.pop(0)
            return status, json.dumps(body).encode()
        return await super().do_request(url, *args, **kwargs)


async def refused_harness(telegram: Harness, rate_limited: bool = False) -> Harness:
    """The same assistant behind an Application whose Bot API refuses what the test says."""
    api = Refusing()
    application, door = build_application(
        telegram.assistant, request=api, rate_limited=rate_limited
    )
    await application.initialize()
    return Harness(application, door, api, telegram.assistant)


async def test_a_chat_that_blocked_the_bot_is_given_up(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that Telegram's 403 for a chat that blocked the bot reaches the door as PTB's
    `Forbidden`: the reply is dropped, not retried for a day."""
    refused = await refused_harness(telegram)
    assert isinstance(refused.api, Refusing)
    refused.api.refuse("sendMessage", 403, "Forbidden: bot was blocked by the user")
    failed = telegram.assistant.metrics.failed_sends._value.get()
    await refused.send(user.message("/start"))
    await refused.application.shutdown()
    assert refused.take_calls() == []
    assert telegram.assistant.metrics.failed_sends._value.get() == failed + 1
    assert telegram.assistant.store.outbox.backlog() == 0


async def test_an_edit_telegram_refuses_becomes_a_new_message(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that Telegram's 400 for an edit (the message is gone or too old) reaches the door as
    PTB's `BadRequest`, and the reply is sent as a new message instead."""
    refused = await refused_harness(telegram)
    assert isinstance(refused.api, Refusing)
    await start(refused, user)
    await refused.send(user.press("m:intake"))
    for slot in ("country", "adults", "minors", "situation", "stay"):
        await refused.send(user.press(f"a:{slot}:skip"))
    refused.take_calls()
    refused.api.refuse("editMessageText", 400, "Bad Request: message to edit not found")
    await refused.send(user.press("a:interests:travel", message_id=555))
    calls = refused.take_calls()
    await refused.application.shutdown()
    assert [method for method, _ in calls] == ["answerCallbackQuery", "sendMessage"]
    assert "message_id" not in calls[1][1] and calls[1][1]["reply_markup"]["inline_keyboard"]
    assert telegram.assistant.store.outbox.backlog() == 0


# PTB's own RetryAfter warns about its attribute's future type when it is made (bot/pacing.py
# reads it either way).
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_telegrams_retry_after_pauses_the_call_and_the_reply_arrives_once(
    telegram: Harness, user: UpdateFactory
) -> None:
    """Check that Telegram's 429 reaches the rate limiter as PTB's `RetryAfter`: the call waits
    the second Telegram asked for and is made again, and the client gets the reply once."""
    refused = await refused_harness(telegram, rate_limited=True)
    assert isinstance(refused.api, Refusing)
    refused.api.refuse("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await refused.send(user.message("/start"))
    await refused.application.shutdown()
    assert refused.api.errors["sendMessage"] == []  # refused once
    assert [method for method, _ in refused.take_calls()] == ["sendMessage"]
    assert telegram.assistant.store.outbox.backlog() == 0


def test_a_keyboard_in_plain_json_is_what_ptb_would_send() -> None:
    """Check that the buttons built as plain JSON are, key for key, the keyboard PTB's own
    objects serialise to (labels in any script, values as given), and that no buttons means
    no keyboard."""
    buttons = (
        (("Deutsch", "lang:de"), ("العربية", "lang:ar")),
        (("\u2066Menü\u2069 ↩", "menu"),),
    )
    ptb = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=value) for label, value in row]
            for row in buttons
        ]
    )
    assert keyboard(Message("<b>x</b>", buttons)) == ptb.to_dict()
    assert keyboard(Message("x")) is None
