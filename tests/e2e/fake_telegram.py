"""An offline Bot API: answers python-telegram-bot's requests in memory and records every call."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from bot.i18n import tag_problem

BOT_USER = {
    "id": 5000000001,
    "is_bot": True,
    "first_name": "Coming Home",
    "username": "comehome_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


def unparsable(params: dict[str, Any]) -> str | None:
    """Why Telegram would refuse this text as HTML ("can't parse entities"), or None."""
    if params.get("parse_mode") != "HTML" or "text" not in params:
        return None
    problem = tag_problem(str(params["text"]))
    return f"can't parse entities: {problem}" if problem else None


class FakeBotAPI(BaseRequest):
    """Records each call as (method, parameters); `fail` makes the next calls of a method fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refused: list[tuple[str, dict[str, Any]]] = []  # what Telegram would not parse
        self.fail: dict[str, int] = {}
        self.updates: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
        self.offsets: list[int | None] = []
        self._message_id = 100

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            for part, (filename, content, _mime) in request_data.multipart_data.items():
                params[part] = {"filename": filename, "content": content}
        if self.fail.get(name, 0) > 0:
            self.fail[name] -= 1
            raise NetworkError("offline (test)")
        if name == "getUpdates":
            self.offsets.append(params.get("offset"))  # type: ignore[arg-type]
            try:
                batch = await asyncio.wait_for(self.updates.get(), 0.05)
            except TimeoutError:
                batch = []
            return 200, json.dumps({"ok": True, "result": batch}).encode()
        if (problem := unparsable(params)) is not None:
            # Telegram refuses the whole message over one broken tag, as here.
            self.refused.append((name, params))
            body = {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}
            return 400, json.dumps(body).encode()
        if name != "getMe":
            self.calls.append((name, params))
        return 200, json.dumps({"ok": True, "result": self.result(name, params)}).encode()

    def result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name in ("sendMessage", "editMessageText", "sendDocument"):
            self._message_id += 1
            chat = {"id": int(params["chat_id"]), "type": "private"}
            message_id = params.get("message_id", self._message_id)
            return {
                "message_id": message_id,
                "date": 0,
                "chat": chat,
                "text": params.get("text", ""),
            }
        return True

    def offered_slots(self, chat_id: int | None = None) -> list[str]:
        """The time buttons ("b:slot:…") of the messages sent so far, to one chat or to any."""
        return [
            button["callback_data"]
            for method, params in self.calls
            if method == "sendMessage" and chat_id in (None, params["chat_id"])
            for row in params.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
            if button["callback_data"].startswith("b:slot:")
        ]

    def sent_texts(self) -> list[str]:
        return [p["text"] for m, p in self.calls if m in ("sendMessage", "editMessageText")]


class UpdateFactory:
    """Real-shaped update JSON for one Telegram user, with ids counting up."""

    def __init__(
        self,
        user_id: int = 7300000001337,
        first: str = "Sentinelfirst",
        last: str = "Sentinellast",
        username: str = "sentinel_username",
        language_code: str | None = "de",
    ) -> None:
        self.user = {
            "id": user_id,
            "is_bot": False,
            "first_name": first,
            "last_name": last,
            "username": username,
        }
        if language_code:
            self.user["language_code"] = language_code
        self.chat = {
            "id": user_id,
            "type": "private",
            "first_name": first,
            "last_name": last,
            "username": username,
        }
        self.next_id = 1000

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def message(self, text: str | None = None, **extra: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._id(),
            "date": 1764000000,
            "chat": self.chat,
            "from": self.user,
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
                ]
        return {"update_id": self._id(), "message": message}

    def edited(self, text: str) -> dict[str, Any]:
        update = self.message(text)
        update["edited_message"] = update.pop("message")
        update["edited_message"]["edit_date"] = 1764000100
        return update

    def press(self, data: str, message_id: int = 101) -> dict[str, Any]:
        return {
            "update_id": self._id(),
            "callback_query": {
                "id": str(self._id()),
                "from": self.user,
                "chat_instance": "1",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": 1764000000,
                    "chat": self.chat,
                    "from": BOT_USER,
                    "text": "…",
                },
            },
        }
