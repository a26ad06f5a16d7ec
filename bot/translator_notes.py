"""Translator notes: where each client message appears, what it is, and how long it may be.

`comehome i18n extract` adds one `#.` line to every message of `locales/messages.pot`, worked out
from the code rather than written by hand, so it cannot go stale when a text moves:
"Screen: main menu. Button, at most 45 characters." The screen comes from the template's name or
the function (or intake question) that builds the reply; the role from where the text is used (a
`Button`, an intake `Option`, a `Question`'s prompt, a support topic's title, or else a notice).
`comehome i18n check` holds every translated button to the budget written in its note.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from bot.po import texts

NOTE = "Screen: "
BUTTON_BUDGET = (
    45  # a button alone in its row: about what a phone shows before cutting it off with "…"
)
SHARED_ROW_BUDGET = 20  # a button that shares its row with another
_BUDGET = re.compile(r"Button, at most (\d+) characters")
LINE = 73  # gettext tools wrap comments at 76 columns, "#. " included

TEMPLATE_SCREENS = {
    "privacy": "privacy notice, first part (the three promises)",
    "privacy_more": "privacy notice, details (what is kept)",
    "privacy_telegram": "privacy notice, details (Telegram)",
    "privacy_web": "privacy notice, details (the website)",
    "deleted": "delete my data: everything deleted",
    "help": "help (/help)",
    "contact": "contact and opening hours",
    "office_choice": "choice of office (several offices only)",
    "intake_summary": "intake summary (after the last question)",
    "estimate": "household estimate (after the intake)",
    "estimate_why": "household estimate: why (second message)",
    "booking_confirm": "booking: confirm the chosen time",
    "booking_done": "booking: the appointment is booked",
    "appointment": "my appointment",
    "reminder": "appointment reminder (24 h or 2 h before)",
    "support_overview": "support on offer: overview",
    "support_footer": "support on offer: the line under every topic",
    "support_how": "support topic: how the office helps",
    "support_departure": "support topic: departure and after the return",
    "support_reag": "support topic: journey and start-up help (REAG)",
    "support_countries": "support topic: what depends on the country",
    "support_business": "support topic: business and further help",
    "support_conditions": "support topic: conditions",
    "support_confidential": "support topic: free, non-binding, confidential",
    "support_examples": "support topic: examples of returns",
    "page": "web door: around every page (buttons, links, errors)",
}
# Keyed by module and function (or module-level constant) that builds the reply. A button's
# screen name stays under 34 characters, so that its note fits on one comment line.
FUNCTION_SCREENS = {
    "journey.language_prompt": "language choice (first screen)",
    "journey.privacy_prompt": "privacy notice, first part",
    "journey.menu_prompt": "main menu",
    "journey.question_prompt": "every intake question",
    "journey.summary_prompt": "intake summary",
    "journey.delete_prompt": "delete my data (/delete)",
    "journey.on_delete": "after /delete (the last message)",
    "journey.unsupported": "any screen (not a text or button)",
    "journey.interpreter_language_prompt": "intake: interpreter's language",
    "states.MENU_BUTTON": "every screen (back to the menu)",
    "journey._EDIT_LABELS": "intake summary (change an answer)",
    "booking.prompt": "booking: cancel the appointment",
    "booking.slots_prompt": "booking: choose a time",
    "booking.confirm_prompt": "booking: confirm the time",
    "booking._on_confirm": "booking: booked or moved",
    "booking.appointment_prompt": "my appointment",
    "booking.reminder": "appointment reminder",
    "booking.waiting_list_news": "waiting list: a time is free",
    "support_screens.overview_reply": "support on offer: overview",
    "support_screens.screen_reply": "support on offer: every topic",
    "support_screens.estimate_replies": "household estimate",
    "support_screens.assumed_household": "household estimate",
    "support_screens._as_told": "household estimate",
    "support_screens.SCREENS": "support on offer (topic button)",
    "support_screens.KIND_LABELS": "support on offer (a kind of help)",
    "support_screens._PER": "support on offer (how it is counted)",
    "engine.stale": "any screen (an old button pressed)",
    "engine.command": "any screen (after a command)",
    "app.NAV_LABELS": "web door: the command bar",
}
MODULE_SCREENS = {
    "journey": "the conversation",
    "booking": "booking",
    "support_screens": "support on offer",
    "intake": "intake",
    "engine": "any screen",
    "offices": "choice of office",
    "staff": "a message from the office",
    "calendar_file": "the appointment's calendar file (.ics)",
}
BUTTON_CALLS = {"Button", "Option"}
LABEL_CONTEXTS = {"button", "edit", "interest", "situation", "stay", "answer"}


def budget(note_lines: list[str]) -> int | None:
    """The length budget a note gives a button, if it is one."""
    for line in note_lines:
        if found := _BUDGET.search(line):
            return int(found.group(1))
    return None


def over_budget(source: Message, translated: Message) -> list[str]:
    """The check's error when a translated button is longer than its note allows."""
    limit = budget(source.auto_comments)
    strings = texts(translated.string)
    where = texts(source.id)[0]
    return [
        f"msgid {where[:50]!r}: button of {len(text)} characters, over its budget of {limit}"
        for text in strings
        if limit is not None and len(text) > limit
    ]


def annotate(catalog: Catalog, root: Path) -> None:
    """Put a note in front of every message's other comments (notes from an earlier run replaced)."""
    for message in catalog:
        if not message.id:
            continue
        notes = list(dict.fromkeys(note_for(message, root)))
        kept = [line for line in message.auto_comments if not line.startswith(NOTE)]
        message.auto_comments = [*notes, *kept]


def note_for(message: Message, root: Path) -> Iterator[str]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    for filename, _line in message.locations:
        path = root / filename
        if filename.endswith(".j2"):
            screen = TEMPLATE_SCREENS.get(path.stem) or _humane(path.stem)
            yield f"{NOTE}{screen}. Paragraph."
        elif filename.endswith(".py") and path.exists():
            screen, role = _python_use(path, msgid, message.context)
            yield f"{NOTE}{screen}. {role}"


def _python_use(path: Path, msgid: str, context: str | None) -> tuple[str, str]:
    uses = [use[1:] for use in _calls(path) if use[:2] == (msgid, context)]
    module = MODULE_SCREENS.get(path.stem, _humane(path.stem))
    if not uses:
        return module, _role("notice", context, msgid)
    _msgid, where, kind, shared = uses[0]
    kind = "button" if any(use[2] == "button" for use in uses) else kind
    if where is None:
        return module, _role(kind, context, msgid, shared)
    if where.startswith("intake question:"):
        return where, _role(kind, context, msgid, shared)
    screen = FUNCTION_SCREENS.get(f"{path.stem}.{where}") or f"{module} ({_humane(where)})"
    return screen, _role(kind, context, msgid, shared)


def _role(kind: str, context: str | None, msgid: str, shared: bool = False) -> str:
    if kind == "question":
        return "Question."
    if kind in ("button", "option") or context in LABEL_CONTEXTS:
        return f"Button, at most {SHARED_ROW_BUDGET if shared else BUTTON_BUDGET} characters."
    if msgid.rstrip().endswith("?"):
        return "Question."
    return "Notice."


@cache
def _calls(path: Path) -> list[tuple[str, str | None, str | None, str, bool]]:
    """(msgid, context, where: function, constant or intake question, kind, shares its row)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _name(node.func) in ("t", "pt", "nt")):
            continue
        values = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if not values or not isinstance(values[0], str):
            continue
        strings = [value for value in values if isinstance(value, str)]
        with_context = _name(node.func) == "pt" and len(strings) > 1
        msgid, context = (strings[1], strings[0]) if with_context else (strings[0], None)
        found.append((msgid, context, *_context_of(node, parents)))
    return found


def _context_of(node: ast.Call, parents: dict[ast.AST, ast.AST]) -> tuple[str | None, str, bool]:
    """Where a marked text is used: its function (or intake question), its kind, a shared row."""
    kind, shared = "notice", False
    child: ast.AST = node
    parent = parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.Call) and kind == "notice":
            called = _name(parent.func)
            if called in BUTTON_CALLS:
                kind = "button" if called == "Button" else "option"
                shared = _shares_row(parent, parents)
            elif called == "Screen":
                kind = "button"
            elif called == "Question" and len(parent.args) > 1 and parent.args[1] is child:
                kind = "question"
        if isinstance(parent, ast.Call) and _name(parent.func) == "Question":
            first = parent.args[0] if parent.args else None
            slot = first.value if isinstance(first, ast.Constant) else "?"
            return f"intake question: {_humane(str(slot))}", kind, shared
        if (
            isinstance(parent, ast.Dict)
            and kind == "notice"
            and _context_arg(node) in LABEL_CONTEXTS
        ):
            kind = "button"
        if isinstance(parent, ast.Assign | ast.AnnAssign):
            target = parent.targets[0] if isinstance(parent, ast.Assign) else parent.target
            if kind == "notice" and _labels_a_button(_name(target), parent, parents):
                kind = "button"
            if isinstance(parents.get(parent), ast.Module):
                return _name(target), kind, shared
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
            return parent.name, kind, shared
        child, parent = parent, parents.get(parent)
    return None, kind, shared


def _labels_a_button(name: str, assign: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """A text put in a local variable that a `Button(...)` of the same function then shows."""
    scope = assign
    while scope in parents and not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        scope = parents[scope]
    return any(
        isinstance(node, ast.Call)
        and _name(node.func) in BUTTON_CALLS
        and any(isinstance(arg, ast.Name) and arg.id == name for arg in node.args)
        for node in ast.walk(scope)
    )


def _shares_row(button: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """A button appended to a list named like a row of several (e.g. `paging`)."""
    parent = parents.get(button)
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute):
        return _name(parent.func.value) in ("paging",)
    return False


def _context_arg(node: ast.Call | ast.AST) -> str | None:
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        return str(node.args[0].value)
    return None


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _humane(name: str) -> str:
    return name.strip("_").replace("_", " ").lower()
