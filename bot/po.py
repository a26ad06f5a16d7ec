"""Babel's `Message.id` and `Message.string` are a text or, for plurals, several: always a tuple."""

from __future__ import annotations


def texts(value: object) -> tuple[str, ...]:
    """A message's id or translation as a tuple of texts (one, or one per plural form)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(text if isinstance(text, str) else "" for text in value)
    return ()
