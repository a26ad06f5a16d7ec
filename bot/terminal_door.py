"""The terminal door: the same journey as on Telegram, typed in a console or fed a script on stdin.

Buttons are shown as numbered options; the client types the number or the label. Where the
question asks for a number (its buttons are numbers), the buttons get letters instead, so that a
typed number is read as the answer, in any digit system.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
import threading
from collections.abc import Sequence
from string import ascii_lowercase
from typing import TextIO

from bot.assistant import Assistant
from bot.direction import without_isolates
from bot.render import Message
from bot.service import delivery as delivering
from bot.service import step
from flows.model import Command, Event, Pressed, Resumed, Typed
from storage.conversations import Incoming
from storage.outbox import Delivery

# Said on Ctrl-D and Ctrl-C: the conversation is stored after every line, so it can go on.
GOODBYE = "Chat ended. Your conversation is kept and goes on where you left it next time."


# What the door "types" when it starts: a new client is welcomed, a known one asked again where
# they left off (a terminal shows none of the earlier messages).
RESUME = "\x00resume"


class TerminalDoor:
    def __init__(self, assistant: Assistant, out: TextIO, user: str | None = None) -> None:
        self.assistant = assistant
        self.out = out
        self.options: list[tuple[str, str]] = []  # (label, value) of the buttons last shown
        self.lettered = False  # the buttons last shown have letters: a typed number is an answer
        name = user or getpass.getuser() or "local"
        self.incoming = Incoming("terminal", user_id=name, chat_id=f"terminal:{name}")

    async def send(
        self, delivery: Delivery, messages: Sequence[Message], progress: delivering.Progress
    ) -> None:
        for index in range(progress.parts, len(messages)):
            message = messages[index]
            self.out.write("\n" + message.plain.replace("\u200f", "") + "\n")
            if message.document is not None:
                self.out.write(f"  [{message.document[0]}: a calendar file, sent on Telegram]\n")
            if message.buttons:
                self.options = [option for row in message.buttons for option in row]
                self.lettered = any(label.isdecimal() for label, _ in self.options)
                for index, (label, _value) in enumerate(self.options):
                    self.out.write(f"  {self.key(index)}) {label}\n")
            self.out.flush()
            # a terminal cannot take messages back: no id to remember
            await progress.reached(None, last=index == len(messages) - 1)

    def event(self, line: str) -> Event:
        if line == RESUME:
            return Resumed()
        if line.startswith("/"):
            name, _, args = line[1:].partition(" ")
            return Command(name.lower(), args.strip())
        for label, value in self.options:  # a label typed as shown ("0" children) wins
            if line == without_isolates(label):
                return Pressed(value)
        if self.lettered:  # a number here is the answer, read by the question in any digits
            keys = [self.key(index) for index in range(len(self.options))]
            if line.casefold() in keys:
                return Pressed(self.options[keys.index(line.casefold())][1])
        elif line.isdecimal() and 1 <= int(line) <= len(self.options):  # "٣" is button 3 too
            return Pressed(self.options[int(line) - 1][1])
        return Typed(line)

    def key(self, index: int) -> str:
        """What the client types for the button at `index`: its number, or a letter where the
        buttons are numbers (letters beyond z never occur: a numeric question has few buttons)."""
        return ascii_lowercase[index] if self.lettered else str(index + 1)

    async def say(self, line: str) -> None:
        """Process one line the client typed."""
        await step.handle(
            self.assistant,
            self.incoming,
            self.event(line),
            _system_language(),
            outlet=lambda delivery: delivering.deliver(self.assistant, delivery, self.send),
        )

    async def run(self, lines: TextIO, echo: bool) -> None:
        await delivering.flush(self.assistant, self.send, channels=("terminal",))
        await self.say(RESUME)
        typed = _lines_from(lines)
        while True:
            if not echo:
                self.out.write("> ")
                self.out.flush()
            line = await typed.get()
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            if echo:
                self.out.write(f"\n> {line}\n")
            await self.say(line)
        self.out.write("\n")


def _lines_from(lines: TextIO) -> asyncio.Queue[str]:
    """The lines typed, read by a daemon thread: a Ctrl-C never waits for a pending readline."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        for line in iter(lines.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, "")

    threading.Thread(target=read, name="terminal-input", daemon=True).start()
    return queue


def _system_language() -> str | None:
    value = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    code = value.split(".")[0]
    return code if code and code not in ("C", "POSIX") else None


async def chat(assistant: Assistant, user: str | None = None) -> None:
    interactive = sys.stdin.isatty()
    if interactive:
        print("Coming Home assistant – terminal chat. Type the number of a button, or text.")
        print("Where a question asks for a number, its buttons have letters: type a, b, c …")
        print("Commands: /menu /language /help /privacy /delete. Ctrl-D or Ctrl-C leaves.")
    door = TerminalDoor(assistant, sys.stdout, user)
    await door.run(sys.stdin, echo=not interactive)
    if interactive:
        print(GOODBYE)
