"""Removes what could identify a person from free text before it is stored."""

from __future__ import annotations

import re

REMOVED = "[…]"

# Arabic-Indic and Extended Arabic-Indic (Persian, Urdu) digits count as digits for detection.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE),  # e-mail
    re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b", re.I),  # IBAN
    re.compile(r"(?<![\w])\+?\(?\d[\d ()/.-]{5,}\d(?![\w])"),  # phone numbers, long numbers
    re.compile(r"\b(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]{6,}\b", re.I),  # ID-like: letters and digits
    re.compile(r"\d{5,}"),  # any other long number: postcodes, file and case numbers
]


def scrub(text: str) -> tuple[str, bool]:
    """The text with contact details and ID-like numbers replaced, and whether any were."""
    normalised = text.translate(_DIGITS)  # same length: positions stay valid
    spans: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(normalised):
            if sum(ch.isdigit() for ch in match.group()) >= 5 or "@" in match.group():
                spans.append(match.span())
    if not spans:
        return text, False
    pieces, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            last = max(last, end)
            continue
        pieces += [text[last:start], REMOVED]
        last = end
    pieces.append(text[last:])
    return "".join(pieces), True
