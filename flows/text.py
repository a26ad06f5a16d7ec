"""Markers for translatable texts: they build `Text` values and let Babel find the message ids.

Babel extracts them with the keywords `t`, `pt:1c,2` and `nt:1,2` (see babel.cfg). Nothing is
translated here: the door renders each `Text` in the client's language.
"""

from __future__ import annotations

from flows.model import Param, Text


def t(msgid: str, **params: Param) -> Text:
    """A message, with named `{placeholders}` filled from `params` when rendered."""
    return Text(msgid, params)


def pt(context: str, msgid: str, **params: Param) -> Text:
    """A message with a context (pgettext), for short labels whose meaning is not obvious."""
    return Text(msgid, params, context=context)


def nt(singular: str, plural: str, count: str, **params: Param) -> Text:
    """A message with plural forms; `count` names the parameter that chooses the form."""
    return Text(singular, params, plural=plural, count=count)
