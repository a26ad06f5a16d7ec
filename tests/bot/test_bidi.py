"""Right-to-left screens as a phone lays them out: every client message of the six right-to-left
languages through the Unicode bidi algorithm (python-bidi), with each left-to-right run isolated."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator

import pytest
from bidi import get_base_level, get_display

from bot.config import ROOT
from bot.direction import FSI, LRI, PDI, RLI, isolate_ltr_runs
from bot.i18n import Catalogs, tag_problem
from bot.render import DOORS, Message, Renderer
from flows.model import Template
from tests.bot.client_screens import OFFICE, every_client_message

RTL = ("ar", "fa", "fa_AF", "ps", "ur", "ckb")
CONTROLS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f\u202a\u202b\u202c"))
RENDERER = Renderer(Catalogs(ROOT / "locales"), OFFICE)
MESSAGES = every_client_message()


def isolates(line: str) -> Iterator[tuple[str, bool]]:
    """The top-level isolates of a line: (content, whether it reads left to right)."""
    depth, start, opener = 0, 0, ""
    for index, char in enumerate(line):
        if char in (LRI, RLI, FSI):
            if depth == 0:
                start, opener = index + 1, char
            depth += 1
        elif char == PDI and depth:
            depth -= 1
            if depth == 0:
                content = line[start:index]
                yield content, opener == LRI or (opener == FSI and get_base_level(content) == 0)


def outside_isolates(line: str) -> str:
    depth, kept = 0, []
    for char in line:
        if char in (LRI, RLI, FSI):
            depth += 1
        elif char == PDI:
            depth = max(0, depth - 1)
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


def check_lines(text: str, where: str, button: bool = False) -> None:
    """Each line reads right to left (a button label that is all one isolate may read either
    way), no left-to-right letter stands outside an isolate, and each isolate is laid out
    whole, one after the other from the right."""
    for line in text.split("\n"):
        if not line.strip():
            continue
        bare = outside_isolates(line)
        stray = [c for c in bare if unicodedata.bidirectional(c) == "L" and c not in "\u200e"]
        assert not stray, (where, line, "".join(stray))
        assert line.count(PDI) == sum(line.count(m) for m in (LRI, RLI, FSI)), (where, line)
        strong = any(unicodedata.bidirectional(c) in ("R", "AL") for c in bare)
        if strong or not button:
            assert get_base_level(line) == 1, (where, line)
        if not button:  # also where a renderer takes isolated text for the line's direction
            first = next(
                (k for k in map(unicodedata.bidirectional, line) if k in ("L", "R", "AL")), "R"
            )
            assert first in ("R", "AL"), (where, line)
        shown = get_display(line, base_dir="R").translate(CONTROLS)
        right = len(shown)
        for content, ltr in isolates(line):
            expected = get_display(content, base_dir="L" if ltr else "R").translate(CONTROLS)
            found = shown.rfind(expected, 0, right)
            assert found >= 0, (where, line, expected, shown)
            right = found


def check(message: Message, where: str) -> None:
    assert tag_problem(message.html) is None, (where, message.html)
    assert not re.search(f"<code>[^<]*[{LRI}{FSI}{PDI}]", message.html), where  # copied clean
    check_lines(html.unescape(re.sub(r"<[^>]+>", "", message.html)), where)
    for row in message.buttons:
        for label, value in row:
            assert value.isascii(), (where, value)
            check_lines(label, f"{where}: button {value}", button=True)


@pytest.mark.parametrize("code", RTL)
def test_every_client_message_reads_right_to_left_with_its_latin_runs_whole(code: str) -> None:
    """Check that in each right-to-left language every message, template and value-labelled button
    keeps commands, German terms, addresses, e-mail addresses and times whole and in order."""
    assert RENDERER.is_rtl(code)
    rendered = {r.body.name for _, r in MESSAGES if isinstance(r.body, Template)}
    templates = {p.stem for p in (ROOT / "bot" / "templates" / "client").glob("[!_]*.j2")}
    assert rendered == templates - {"support_footer"}  # the footer is part of the others
    for name, reply in MESSAGES:
        for door in DOORS:  # the web door's variants of the notice, help and goodbye too
            check(RENDERER.message(reply, code, door=door), f"{code}: {name} ({door})")


@pytest.mark.parametrize("code", RTL)
def test_the_office_and_its_commands_read_as_written(code: str) -> None:
    """Check the runs the bidi algorithm used to break: /delete, a postcode with its town, the
    office's e-mail address, and an arrow that points the reading direction."""
    for name, reply in MESSAGES:
        if name not in ("contact", "booking_done", "privacy_more"):
            continue
        shown = get_display(RENDERER.message(reply, code).plain, base_dir="R")
        assert "delete/" not in shown and "menu/" not in shown and "→" not in shown
        if name == "contact":
            assert "81541 München" in shown and "München 81541" not in shown
            assert OFFICE.email in shown


def test_left_to_right_languages_are_left_alone() -> None:
    """Check that German and English texts get no isolates beyond the client's own words."""
    for name, reply in MESSAGES:
        for code in ("en", "de"):
            text = RENDERER.message(reply, code).html
            assert LRI not in text and "\u200f" not in text, (code, name)


def test_runs_are_found_in_markup_without_breaking_it() -> None:
    """Check the isolating pass on its own: tags and entities stay, <code> stays clean, numbers
    stay bare, a time range reads in the line's direction, an arrow is turned."""
    cases = {
        "اكتب /delete للحذف.": f"اكتب {LRI}/delete{PDI} للحذف.",
        "(/menu → «موعدي»)": f"({LRI}/menu{PDI} ← «موعدي»)",
        "<b>Coming Home</b> و": f"<b>{LRI}Coming Home{PDI}</b> و",
        "الرمز <code>AB12</code> هنا": f"الرمز {LRI}<code>AB12</code>{PDI} هنا",
        "خلال 48 ساعة": "خلال 48 ساعة",
        "من 9:00–12:00": f"من {LRI}9:00{PDI}–{LRI}12:00{PDI}",
        "و Q&amp;A و": f"و {LRI}Q&amp;A{PDI} و",
        "Kurdî (Kurmancî)": f"{LRI}Kurdî (Kurmancî){PDI}",
        "(Duldung)، (REAG/GARP 2.0)": f"({LRI}Duldung{PDI})، ({LRI}REAG/GARP 2.0{PDI})",
        f"و {LRI}7KQ3{PDI} Haus": f"و {LRI}7KQ3{PDI} {LRI}Haus{PDI}",
        f"{FSI}جمعرات 10:00 AM{PDI}": f"{FSI}جمعرات {LRI}10:00 AM{PDI}{PDI}",
    }
    for given, wanted in cases.items():
        assert isolate_ltr_runs(given) == wanted
