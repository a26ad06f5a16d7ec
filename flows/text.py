"""Markers for translatable texts: they build `Text` values and let Babel find the message ids.

Babel extracts them with the keywords `t`, `pt:1c,2` and `nt:1,2` (see babel.cfg), and staff texts
marked `st` into their own domain (babel-staff.cfg). Nothing is translated here: the door renders
each `Text` in the reader's language.
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


def st(msgid: str, **params: Param) -> Text:
    """A text for the office's staff (German by default), in the `staff` domain."""
    return Text(msgid, params, domain="staff")
