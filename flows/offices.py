"""Several offices in one installation: the client chooses theirs, by button, postcode or place.

Only when the installation serves more than one office is the question asked at all, once, right
after the language and before the privacy notice (which names the office that keeps the data).
What the client typed is used to find the office and then forgotten: only the office is stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flows.folding import ascii_digits, fold
from flows.model import Button, Reply, Template, Text
from flows.ports import Context, OfficeChoice
from flows.text import t

OFFICE = "office"
PREFIX = "office:"
_POSTCODE = re.compile(r"(?<!\d)\d{5}(?!\d)")


def several(ctx: Context) -> bool:
    """Whether the client has a choice to make."""
    return len(ctx.offices) > 1


def default(ctx: Context) -> str:
    return ctx.offices[0].id if ctx.offices else ""


def by_id(ctx: Context, office_id: str) -> OfficeChoice | None:
    return next((o for o in ctx.offices if o.id == office_id), None)


def route(typed: str, offices: Sequence[OfficeChoice]) -> list[OfficeChoice]:
    """The offices a typed postcode or place name points to (none, one, or several to choose).

    A five-digit postcode is looked up in the offices' ranges; otherwise a town or district the
    office serves, or the office's own short name, must appear in the text as whole words
    ("Dachau", "ich wohne in Dachau"); case, accents and punctuation do not matter.
    """
    codes = [int(code) for code in _POSTCODE.findall(ascii_digits(typed))]
    if codes:
        return [o for o in offices if any(_serves(o, code) for code in codes)]
    words = f" {fold(typed)} "
    return [
        o
        for o in offices
        if any(f" {place} " in words for place in map(fold, (o.short_name, *o.districts)) if place)
    ]


def prompt(
    ctx: Context, among: Sequence[OfficeChoice] = (), below: tuple[Button, ...] = ()
) -> Reply:
    """The offices with the places they serve, one button each (names as the offices write them)."""
    shown = tuple(among) or ctx.offices
    listed = tuple((o.name, o.districts) for o in shown)  # isolated in right-to-left text
    rows = tuple((Button(PREFIX + o.id, o.short_name),) for o in shown)
    return Reply(Template("office_choice", {"offices": listed}), rows + ((below,) if below else ()))


def unknown_place() -> Text:
    return t(
        "I could not find an office for what you typed. Please choose the office for where you "
        "live from the list, or type your five-digit postcode."
    )


def _serves(office: OfficeChoice, postcode: int) -> bool:
    return any(low <= postcode <= high for low, high in office.postcodes)
