"""Left-to-right runs inside right-to-left text: found once, here, and wrapped in Unicode isolates.

Translators write commands (/delete), German terms (Duldung, REAG/GARP), office names, postcodes
with towns (81541 München), times and e-mail addresses straight into Arabic-script sentences, and
the office's address and name come from its configuration. Without an isolate the bidi algorithm
turns `/delete` into `delete/` and `81541 München` into `München 81541`. Here every such run of a
right-to-left message is wrapped in LRI … PDI, and arrows are turned to point the reading
direction. Text inside a left-to-right isolate (case codes, numbers) is left alone; text inside a
right-to-left one (a date, the client's note) is looked at too. Tags and entities stay intact.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_INITIATORS = (LRI, RLI, FSI)
# Characters that may stand inside a run, between its letters and digits, never at its ends.
_JOINERS = frozenset(" \u00a0\u202f.,:/-–+@'’&_()")
_DASHES = re.compile(r"\s*[-–]\s*")
_TIME = re.compile(r"\d{1,2}:\d{2}")
_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|.", re.S)


def isolate_ltr_runs(text: str, markup: bool = True) -> str:
    """`text` (Telegram HTML if `markup`, else plain) with each left-to-right run outside a
    left-to-right isolate wrapped in LRI … PDI, and → turned to ←. For right-to-left messages."""
    tokens = _TOKEN.findall(text) if markup else list(text)
    before: dict[int, str] = {}
    after: dict[int, str] = {}
    for segment in _segments(tokens):
        visible = "".join(_visible(tokens[i]) for i in segment)
        for start, end in _runs(visible):
            before[_outside(tokens, segment[start], -1)] = LRI
            after[_outside(tokens, segment[end - 1], +1)] = PDI
        for offset, char in enumerate(visible):
            if char == "→":
                tokens[segment[offset]] = "←"
    return "".join(before.get(i, "") + token + after.get(i, "") for i, token in enumerate(tokens))


def _outside(tokens: list[str], index: int, step: int) -> int:
    """Where an isolate mark goes for the run that starts (step -1) or ends (+1) at `index`:
    outside the tags that enclose it and are copied on a tap (Telegram's <code>) or followed
    (<a>), so a tapped case code carries no invisible character."""
    wanted = ("<code", "<pre", "<a ", "<a>") if step < 0 else ("</code", "</pre", "</a>")
    while 0 <= index + step < len(tokens) and tokens[index + step].startswith(wanted):
        index += step
    return index


def _segments(tokens: list[str]) -> Iterator[list[int]]:
    """Indices of the visible tokens that read right to left, in pieces that no line break,
    isolate or left-to-right isolated text interrupts. Tags are skipped, never interrupt."""
    stack: list[bool] = []  # per open isolate: whether its content reads right to left
    current: list[int] = []
    for index, token in enumerate(tokens):
        if token.startswith("<") and len(token) > 1:
            continue
        if token in _INITIATORS or token == PDI or token == "\n":
            if current:
                yield current
            current = []
            if token == PDI:
                if stack:
                    stack.pop()
            elif token != "\n":
                stack.append(_reads_rtl(token, tokens, index))
            continue
        if all(stack):
            current.append(index)
    if current:
        yield current


def _reads_rtl(initiator: str, tokens: list[str], index: int) -> bool:
    """Whether an isolate's content reads right to left (FSI: its first strong character)."""
    if initiator != FSI:
        return initiator == RLI
    depth = 0
    for token in tokens[index + 1 :]:
        if token in _INITIATORS:
            depth += 1
        elif token == PDI:
            if depth == 0:
                return False
            depth -= 1
        elif depth == 0 and not token.startswith("<"):
            kind = unicodedata.bidirectional(token[0])
            if kind in ("R", "AL"):
                return True
            if kind == "L":
                return False
    return False


def _visible(token: str) -> str:
    """The one character a token shows: an entity as the character it stands for."""
    return (html.unescape(token) or "?")[0] if len(token) > 1 else token


def _core(char: str) -> bool:
    return "0" <= char <= "9" or unicodedata.bidirectional(char) == "L"


def _has_letter(text: str) -> bool:
    return any(unicodedata.bidirectional(c) == "L" for c in text)


def _runs(visible: str) -> Iterator[tuple[int, int]]:
    """(start, end) of the left-to-right runs worth isolating: letters (Latin, or any other
    left-to-right script) with the digits and joiners between them, commands with their slash,
    and times. Plain numbers read right already and stay as they are."""
    i, n = 0, len(visible)
    while i < n:
        command = visible[i] == "/" and i + 1 < n and visible[i + 1].isascii()
        command = command and visible[i + 1].isalpha() and (i == 0 or not _core(visible[i - 1]))
        if not (_core(visible[i]) or command):
            i += 1
            continue
        j = i + 1
        while j < n and (_core(visible[j]) or visible[j] in _JOINERS):
            j += 1
        yield from _worth_isolating(visible, i, j)
        i = j


def _worth_isolating(visible: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The parts of one run to isolate: a dash parts it where one side has no letter (a range
    of times reads in the line's direction), and only parts with a letter or a time count."""
    pieces: list[tuple[int, int]] = []
    cut = start
    for dash in _DASHES.finditer(visible, start, end):
        pieces.append((cut, dash.start()))
        pieces.append((-dash.start(), -dash.end()))  # the dash itself, marked by negatives
        cut = dash.end()
    pieces.append((cut, end))
    merged: list[tuple[int, int]] = []
    for index in range(0, len(pieces), 2):
        piece = pieces[index]
        joined = (
            merged
            and _has_letter(visible[merged[-1][0] : merged[-1][1]])
            and _has_letter(visible[piece[0] : piece[1]])
        )
        if joined:
            merged[-1] = (merged[-1][0], piece[1])
        else:
            merged.append(piece)
    for piece in merged:
        for low, high in _trimmed(visible, *piece):
            part = visible[low:high]
            if _has_letter(part) or _TIME.fullmatch(part):
                yield low, high


def _trimmed(visible: str, low: int, high: int) -> Iterator[tuple[int, int]]:
    """A run without joiners at its ends (a command keeps its slash, a closing bracket stays
    with its opening one), parted at a bracket it does not close ("Duldung (Kurmancî" → two)."""
    while low < high and visible[low] in _JOINERS and visible[low] != "/":
        low += 1
    while high > low and visible[high - 1] in _JOINERS:
        inside = visible[low : high - 1]
        if visible[high - 1] == ")" and inside.count("(") > inside.count(")"):
            break
        high -= 1
    opened: list[int] = []
    for index in range(low, high):
        if visible[index] == "(":
            opened.append(index)
        elif visible[index] == ")":
            if not opened:
                yield from _trimmed(visible, low, index)
                yield from _trimmed(visible, index + 1, high)
                return
            opened.pop()
    if opened:
        yield from _trimmed(visible, low, opened[0])
        yield from _trimmed(visible, opened[0] + 1, high)
        return
    if low < high:
        yield low, high


def without_isolates(text: str) -> str:
    """`text` without isolate marks: what a reader sees, to compare with a catalog's sentence."""
    return text.translate({ord(mark): None for mark in (LRI, RLI, FSI, PDI)})
