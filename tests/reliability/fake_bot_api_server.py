"""A small fake Bot API over HTTP on 127.0.0.1, for running the real bot process against.

It serves `getUpdates` the way Telegram does (an update stays until a later call confirms it with
`offset`), answers the sending methods with made-up messages, and records every call, in memory
and as one JSON line per call in a file. Each bot process can be given its own base URL
(`url_for(n)`), so that every call is known to come from process `n`. A test can `hold` the next
call of a method: the call is recorded (for a message: Telegram has it, the client sees it) but
not answered until the test releases it, so the bot process sits exactly there; a process killed
meanwhile never gets the answer. Simplified on purpose: edits always succeed (Telegram refuses
an edit that changes nothing), and two processes polling at once are not refused with 409.

Run alone: `python -m tests.reliability.fake_bot_api_server --updates script.json --record calls.jsonl`
serves the updates of the script and records the calls until interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

BOT_USER = {
    "id": 5000000001,
    "is_bot": True,
    "first_name": "Coming Home",
    "username": "comehome_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
LONG_POLL_CAP = 1.0  # seconds a getUpdates call waits at most, whatever timeout it asked for
SENDING = ("sendMessage", "editMessageText", "sendDocument")


@dataclass
class Call:
    """One request the bot made, in arrival order."""

    seq: int
    method: str
    params: dict[str, Any]
    process: int  # which bot process made it (0: one not started with `url_for`)
    tag: Any  # what the test was doing (e.g. the journey step) when it arrived
    message_id: int | None = None  # the message a sending call made or edited
    lost: bool = False  # held as lost in transit: Telegram never got it, the chat never saw it


@dataclass
class Hold:
    methods: tuple[str, ...]
    when: Callable[[Call], bool]
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    call: Call | None = None
    lost: bool = False


class FakeBotApiServer:
    """The Bot API of one bot token, served on an ephemeral loopback port from a daemon thread."""

    def __init__(self, token: str, record: Path | None = None) -> None:
        self.token = token
        self.record = record
        self.calls: list[Call] = []
        self.tag: Any = None
        self.confirmed = 0  # the highest offset a getUpdates call has confirmed
        self.handed_out: set[int] = set()  # update ids returned by some getUpdates
        self.polls: dict[int, int] = {}  # getUpdates calls per process
        self._pending: list[dict[str, Any]] = []
        self._holds: list[Hold] = []
        self._message_id = 100
        self._lock = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- control, from the test ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url_for(self, process: int) -> str:
        """The base URL for bot process number `process` (its calls are recorded as its own)."""
        return f"{self.base_url}/p{process}"

    def start(self) -> FakeBotApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release_all()
        with self._lock:
            self._lock.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def add_update(self, update: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(update)
            self._lock.notify_all()

    def hold(self, method: str, when: Callable[[Call], bool] = lambda call: True) -> Hold:
        """Leave the next matching call of `method` unanswered until released."""
        return self._hold(Hold((method,), when))

    def hold_nth_send(self, tag: Any, index: int, lost: bool = False) -> Hold:
        """Leave the sending call number `index` (from 0) made under `tag` unanswered; `lost`:
        and count it as never having reached Telegram."""

        def nth(call: Call) -> bool:
            earlier = [c for c in self.calls[: call.seq] if c.method in SENDING and c.tag == tag]
            return call.tag == tag and len(earlier) == index

        return self._hold(Hold(SENDING, nth, lost=lost))

    def _hold(self, hold: Hold) -> Hold:
        with self._lock:
            self._holds.append(hold)
        return hold

    def release_all(self) -> None:
        """Answer every held call (a killed process's answer goes nowhere)."""
        with self._lock:
            holds, self._holds = self._holds, []
        for hold in holds:
            hold.released.set()

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    # --- serving -------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

            def handle(self) -> None:
                with contextlib.suppress(OSError):  # the bot process was killed mid-request
                    super().handle()

            def do_POST(self) -> None:
                server._serve(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                return None  # the calls are recorded; no access log

        return Handler

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        match = re.fullmatch(r"(?:/p(\d+))?/bot([^/]+)/(\w+)", request.path.split("?")[0])
        if match is None or match.group(2) != self.token:
            self._reply(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        process, method = int(match.group(1) or 0), match.group(3)
        if request.command == "POST" and "Content-Length" not in request.headers:
            return  # the process died while writing the headers: Telegram ignores the request
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        if len(body) < length:  # the process died while writing the request: Telegram ignores it
            return
        params = parse_params(request.headers.get("Content-Type", ""), body)
        if method == "getUpdates":
            self._reply(request, 200, {"ok": True, "result": self._updates(process, params)})
            return
        with self._lock:
            call = Call(len(self.calls), method, params, process, self.tag)
            self.calls.append(call)
            hold = next(
                (h for h in self._holds if method in h.methods and h.call is None and h.when(call)),
                None,
            )
            if hold is not None:
                hold.call, call.lost = call, hold.lost
            result = self._result(method, params)
            if isinstance(result, dict) and "message_id" in result:
                call.message_id = result["message_id"]
        self._write_record(call)
        if hold is not None:
            hold.reached.set()
            hold.released.wait(30)
        self._reply(request, 200, {"ok": True, "result": result})  # fails if the process is gone

    def _updates(self, process: int, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        deadline = time.monotonic() + wait
        with self._lock:
            self.polls[process] = self.polls.get(process, 0) + 1
            if offset:
                self.confirmed = max(self.confirmed, offset)
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
                self._lock.notify_all()
            while True:
                batch = [u for u in self._pending if u["update_id"] >= offset][:100]
                left = deadline - time.monotonic()
                if batch or left <= 0:
                    break
                self._lock.wait(left)
            self.handed_out.update(u["update_id"] for u in batch)
            return batch

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in SENDING:
            self._message_id += 1
            message_id = params.get("message_id") or self._message_id
            chat = {"id": int(params.get("chat_id", 0)), "type": "private"}
            return {
                "message_id": int(message_id),
                "date": int(time.time()),
                "chat": chat,
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return True

    def _reply(self, request: BaseHTTPRequestHandler, status: int, payload: Any) -> bool:
        data = json.dumps(payload).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
            request.wfile.flush()
        except OSError:  # the bot process is gone
            return False
        return True

    def _write_record(self, call: Call) -> None:
        if self.record is None:
            return
        line = {
            "seq": call.seq,
            "method": call.method,
            "params": call.params,
            "process": call.process,
            "tag": call.tag,
            "lost": call.lost,
        }
        with self._lock, self.record.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False, default=repr) + "\n")


def parse_params(content_type: str, body: bytes) -> dict[str, Any]:
    """The call's parameters, whichever way python-telegram-bot encoded them."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        raw: dict[str, Any] = json.loads(body)
        return raw
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True)
            payload = payload if isinstance(payload, bytes) else b""
            if filename:
                params[str(name)] = {"filename": filename, "content": payload}
            else:
                params[str(name)] = decode_value(payload.decode())
        return params
    return {key: decode_value(value) for key, value in parse_qsl(body.decode())}


def decode_value(value: str) -> Any:
    """Nested values (reply_markup, ...) arrive JSON-encoded; plain strings stay strings."""
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--updates", type=Path, help="a JSON list of updates to serve")
    parser.add_argument("--record", type=Path, required=True, help="where to record the calls")
    args = parser.parse_args()
    server = FakeBotApiServer(args.token, args.record).start()
    for update in json.loads(args.updates.read_text()) if args.updates else []:
        server.add_update(update)
    print(f"TELEGRAM_API_BASE_URL={server.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
