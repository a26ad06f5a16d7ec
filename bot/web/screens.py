"""What a web client sees: the replies of their page (`storage.web_pages`) as HTML blocks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from bot.render import Buttons, Message

_HEADING = re.compile(r"^<b>([^<]*(?:<(?!/?b>)[^<]*)*)</b>$")  # a paragraph that is all bold


@dataclass(frozen=True)
class Block:
    """One reply on the page: its paragraphs (heading or text) and its buttons."""

    paragraphs: tuple[tuple[str, Markup], ...]  # ("h" | "p", html)
    buttons: Buttons
    document: bool


@dataclass(frozen=True)
class Screen:
    locale: str
    blocks: tuple[Block, ...]  # news that came since the last visit (a reminder) first
    document: tuple[str, bytes] | None = None


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
