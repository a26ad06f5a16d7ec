"""What a web client sees: the replies of their last step as HTML, kept in memory only.

A browser asks again for the same page (reload, back, a double-submitted form): it gets the
screen its last step produced. Screens live in this process only, for a while, never on disk.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from bot.render import Buttons, Message

_HEADING = re.compile(r"^<b>([^<]*(?:<(?!/?b>)[^<]*)*)</b>$")  # a paragraph that is all bold


@dataclass(frozen=True)
class Block:
    """One reply on the page: its paragraphs (heading or text) and its buttons."""

    paragraphs: tuple[tuple[str, Markup], ...]  # ("h" | "p", html)
    buttons: Buttons
    document: bool


@dataclass
class Screen:
    locale: str
    blocks: tuple[Block, ...]
    document: tuple[str, bytes] | None = None
    notices: list[Block] = field(default_factory=list)  # messages nobody asked for (reminders)
    at: float = field(default_factory=time.monotonic)


def blocks(messages: Sequence[Message]) -> tuple[Block, ...]:
    return tuple(
        Block(paragraphs(message.html), message.buttons, message.document is not None)
        for message in messages
    )


def paragraphs(telegram_html: str) -> tuple[tuple[str, Markup], ...]:
    """Telegram HTML (our own markup, parameters escaped by the renderer) as web paragraphs:
    blank lines part paragraphs, a bold first line is a heading, other lines break."""
    result: list[tuple[str, Markup]] = []
    for part in re.split(r"\n\s*\n", telegram_html.strip()):
        part = part.strip("\n")
        if not part:
            continue
        first, _, rest = part.partition("\n")
        heading = _HEADING.match(first.lstrip("\u200f"))
        if heading:  # a bold first line is the paragraph's heading
            result.append(("h", Markup(heading.group(1))))
            if not rest.strip():
                continue
            part = rest
        result.append(("p", Markup(part.replace("\n", "<br>\n"))))
    return tuple(result)


class Screens:
    """The last screen of each session (by the conversation's pseudonym), least recent dropped
    first, none older than `ttl` seconds."""

    def __init__(self, kept: int = 10_000, ttl: float = 2 * 3600) -> None:
        self.kept, self.ttl = kept, ttl
        self._screens: OrderedDict[str, Screen] = OrderedDict()

    def get(self, key: str) -> Screen | None:
        screen = self._screens.get(key)
        if screen is None:
            return None
        if time.monotonic() - screen.at > self.ttl:
            del self._screens[key]
            return None
        self._screens.move_to_end(key)
        return screen

    def put(self, key: str, screen: Screen) -> None:
        self._screens[key] = screen
        self._screens.move_to_end(key)
        while len(self._screens) > self.kept:
            self._screens.popitem(last=False)

    def drop(self, key: str) -> None:
        self._screens.pop(key, None)
