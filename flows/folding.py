"""Folding text and digits: one place that decides when two spellings count as the same.

Three uses, one set of rules (and the bidi controls no client text keeps): matching what a client typed against labels, country, language and
place names (`fold`); reading typed numbers and postcodes in any digit system (`ascii_digits`);
and the view of free text the scrubber searches (`for_scrubbing`), in which invisible characters
are gone and every digit is an ASCII digit, with each character's position in the original kept.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Arabic letters that Persian, Urdu, Pashto and Kurdish write differently, folded to one form.
ARABIC_VARIANTS = str.maketrans(
    {"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"}
)
_APOSTROPHES = frozenset("'’ʼ`´‘ʹ")
# Characters that show as nothing but are letters or symbols, not format characters.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cc", "Co", "Cs", "Cn"})


def digit_value(ch: str) -> str | None:
    """The ASCII digits a character stands for: any decimal digit system, superscripts, circled
    and other enclosed numbers (① ❶ ⓫); None for anything else."""
    if ch.isascii():
        return ch if ch.isdigit() else None
    try:
        return str(unicodedata.digit(ch))
    except ValueError:
        pass
    value = unicodedata.numeric(ch, None)
    if value is not None and unicodedata.category(ch) == "No" and value == int(value) <= 50:
        return str(
            int(value)
        )  # enclosed numbers above 9 (⑩, ⓫); fractions and Roman numerals are not
    return None


# Bidi controls (embeddings, overrides, isolates, marks): typed into a client's text they would
# close the isolate the text is shown in and turn the rest of a line around.
_DIRECTION_CONTROLS = dict.fromkeys(
    map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
)


def without_direction_controls(text: str) -> str:
    """The text without bidi control characters: the renderer alone decides directions."""
    return text.translate(_DIRECTION_CONTROLS)


def ascii_digits(text: str) -> str:
    """The text with every digit, whatever its script or shape, written as an ASCII digit."""
    return "".join(digit_value(ch) or ch for ch in text)


def fold(text: str) -> str:
    """How typed words are compared with names and labels: case, accents, apostrophes, digit
    systems, Arabic letter variants and the Arabic article do not matter; other punctuation
    separates words."""
    text = ascii_digits(unicodedata.normalize("NFKC", text)).casefold().translate(ARABIC_VARIANTS)
    kept = []
    for ch in unicodedata.normalize("NFKD", text):
        if ch in _APOSTROPHES or unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            continue
        kept.append(ch if ch.isalnum() else " ")
    words = [w[2:] if w.startswith("ال") and len(w) > 3 else w for w in "".join(kept).split()]
    return " ".join(words)


@dataclass(frozen=True)
class Folded:
    """Text as the scrubber searches it, and where each of its characters came from."""

    text: str
    origin: tuple[int, ...]  # for each character of `text`, its index in the original
    source: str

    def span_in_source(self, start: int, end: int) -> tuple[int, int]:
        """The original characters behind text[start:end], with invisible ones right after it."""
        first, last = self.origin[start], self.origin[end - 1] + 1
        following = self.origin[end] if end < len(self.origin) else len(self.source)
        return first, max(last, following)


def for_scrubbing(text: str) -> Folded:
    """NFKC (full-width @, ligatures, superscripts and circled digits become plain), format and
    zero-width characters and combining marks dropped, every digit ASCII, Arabic variants folded."""
    pieces = [_for_scrubbing(ch) for ch in text]
    origin = tuple(index for index, piece in enumerate(pieces) for _ in piece)
    return Folded("".join(pieces), origin, text)


@lru_cache(maxsize=4096)
def _for_scrubbing(ch: str) -> str:
    """What one character of a client's text becomes in the scrubber's view: nothing, itself, or
    several characters (NFKC works character by character here, so this is the same for every
    text the character appears in)."""
    invisible = ch in _BLANK_LETTERS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES
    if invisible and not ch.isspace():
        return ""
    chars = []
    for out in unicodedata.normalize("NFKC", ch):
        if unicodedata.category(out) in _INVISIBLE_CATEGORIES and not out.isspace():
            continue
        for piece in (digit_value(out) or out).translate(ARABIC_VARIANTS):
            chars.append(" " if piece.isspace() else piece)
    return "".join(chars)
