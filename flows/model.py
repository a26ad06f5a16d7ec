"""Domain types of a conversation step: what comes in, what is kept, what goes out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, Union

from flows.folding import fold

# A language as the catalogs name it: Babel's locale code, the folder under locales/ ("de",
# "ckb", "fa_AF", "sr_Latn"). The one pattern that the office file, the command line, the staff
# chat and the catalog commands check a typed code against.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Za-z]{2,4})?")

# --- texts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A translatable text named by its gettext message id, rendered later in the client's locale."""

    msgid: str
    params: dict[str, Param] = field(default_factory=dict)
    context: str | None = None
    plural: str | None = None
    count: str | None = None  # name of the parameter that chooses the plural form
    domain: str = "messages"  # "staff" for texts only the office's staff read

    def __hash__(self) -> int:  # equal params in any order are equal texts (a cache key)
        return hash((self.msgid, frozenset(self.params.items()), self.context, self.plural))


@dataclass(frozen=True)
class Template:
    """A long text rendered from a Jinja2 template (privacy notice, summaries)."""

    name: str
    params: dict[str, Param] = field(default_factory=dict)

    def __hash__(self) -> int:  # as Text's: a cache key
        return hash((self.name, frozenset(self.params.items())))


@dataclass(frozen=True)
class Country:
    """A country of return, shown by its CLDR name in the client's language."""

    code: str


@dataclass(frozen=True)
class Language:
    """A language, shown by its CLDR name in the client's language (or in itself, if `own`)."""

    code: str
    own: bool = False


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = "EUR"


@dataclass(frozen=True)
class UserText:
    """Text the client typed: shown as typed, isolated from the surrounding direction."""

    text: str


@dataclass(frozen=True)
class When:
    """A moment shown in Europe/Berlin time in the client's language; `short` for buttons."""

    moment: datetime
    short: bool = False


@dataclass(frozen=True)
class Code:
    """A code the client may need to read out or copy (a case code): shown left to right, as code."""

    text: str


Param = Union[  # noqa: UP007 (a recursive alias needs Union)
    str,
    int,
    Decimal,
    date,
    datetime,
    Money,
    Country,
    Language,
    UserText,
    When,
    Code,
    Text,
    tuple["Param", ...],
]


def personal(*values: Param | Template) -> bool:
    """Whether the values hold what belongs to one client: text they typed, or a case code
    (renderings of anything else may be kept and shared between clients)."""
    for value in values:
        if isinstance(value, UserText | Code):
            return True
        if isinstance(value, Text | Template) and personal(*value.params.values()):
            return True
        if isinstance(value, tuple) and personal(*value):
            return True
    return False


# --- replies ---------------------------------------------------------------------------------

MAX_CALLBACK_BYTES = 64

Label = Text | Country | Language | When | str  # a plain str is shown as it is (digits)


@dataclass(frozen=True)
class Button:
    """An inline button: a translated label and a short ASCII value that never changes with language."""

    value: str
    label: Label

    def __post_init__(self) -> None:
        if not self.value.isascii() or len(self.value.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"button value must be ASCII and at most 64 bytes: {self.value!r}")


@dataclass(frozen=True)
class Reply:
    """One message to the client: a text or template, with rows of buttons under it."""

    body: Text | Template
    buttons: tuple[tuple[Button, ...], ...] = ()
    replaces_pressed: bool = False  # shown in place of the message whose button was pressed
    calendar: CalendarEvent | None = None  # sent as an .ics file after the text


@dataclass(frozen=True)
class CalendarEvent:
    """An appointment as a calendar file (RFC 5545); a cancellation keeps the UID, SEQUENCE + 1."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    cancelled: bool = False


# --- events ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """The client typed text."""

    text: str

    @cached_property
    def folded(self) -> str:
        """The text as typed answers are compared with button labels (`fold`), folded once
        however many prompts a step compares it with."""
        return fold(self.text)


@dataclass(frozen=True)
class Pressed:
    """The client pressed an inline button carrying this value."""

    value: str


@dataclass(frozen=True)
class Command:
    """The client sent a /command (name without slash, lower case)."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class Unsupported:
    """Something the assistant does not read: a sticker, photo, voice, contact, forwarded message…"""

    kind: str


@dataclass(frozen=True)
class Resumed:
    """The client came back through a door that shows no earlier messages (the terminal, or
    the web door once the page shown last was forgotten)."""


Event = Typed | Pressed | Command | Unsupported | Resumed

# --- conversation ----------------------------------------------------------------------------

Answers = dict[str, Any]


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _texts(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


@dataclass(frozen=True)
class ConversationData:
    """What a conversation carries between steps besides its state and answers; stored as a JSON
    object of the fields that differ from their defaults (the same object as before this type)."""

    accepted: bool = False  # the privacy notice was accepted: the menu works everywhere
    intake_done: bool = False  # the intake was finished once: the menu offers the summary
    hint: str | None = None  # the language Telegram suggested, offered first
    resume: str | None = None  # the state to return to after /language, /delete, the office
    editing: bool = False  # a question asked again from the summary: back to the summary after it
    picked: tuple[str, ...] | None = None  # the choices ticked so far in a multiple-choice question
    page: int | None = None  # the page of free slots shown
    slot: str | None = None  # the slot chosen, waiting for confirmation
    slot_start: str | None = None  # its start (ISO 8601, UTC), to show without asking storage
    slot_interpreter: str | None = None  # its interpreter's id, or "none"
    moving: bool = False  # the slot replaces the appointment held (rescheduling)

    def changed(self, **changes: object) -> ConversationData:
        """This data with `changes` applied; None sets a field back to its default (drops it)."""
        values: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in _DECODERS:
                raise TypeError(f"a conversation carries no {name!r}")
            decoded = _DECODERS[name](value) if value is not None else _DEFAULTS[name]
            if value is not None and decoded is None:
                raise TypeError(f"{name!r} cannot be {value!r}")
            values[name] = decoded
        return replace(self, **values)

    def to_json(self) -> dict[str, Any]:
        """The fields that differ from their defaults, as JSON values."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name in _DECODERS
            if (value := getattr(self, name)) != _DEFAULTS[name]
        }

    @classmethod
    def from_json(cls, stored: object) -> ConversationData:
        """Read what a conversation stored, tolerantly: a key this version does not know, or a
        value of the wrong kind, is dropped (the journey then behaves as if it was never set)."""
        if not isinstance(stored, dict):
            return cls()
        values: dict[str, Any] = {
            name: decoded
            for name, value in stored.items()
            if name in _DECODERS and (decoded := _DECODERS[name](value)) is not None
        }
        return cls(**values)


_DECODERS: dict[str, Callable[[object], object]] = {
    "accepted": _flag,
    "intake_done": _flag,
    "hint": _text,
    "resume": _text,
    "editing": _flag,
    "picked": _texts,
    "page": _number,
    "slot": _text,
    "slot_start": _text,
    "slot_interpreter": _text,
    "moving": _flag,
}
_DEFAULTS: dict[str, object] = {f.name: f.default for f in fields(ConversationData)}
assert set(_DECODERS) == set(_DEFAULTS), "every field of ConversationData needs a decoder"


@dataclass(frozen=True)
class Conversation:
    """What the assistant keeps about one client between steps: no identity, only the journey."""

    state: str
    locale: str | None = None
    answers: Answers = field(default_factory=dict)
    data: ConversationData = field(default_factory=ConversationData)
    version: int = 0
    office: str = ""  # the office the client chose; "": the installation's default

    def moved(self, state: str, **changes: object) -> Conversation:
        """The same conversation in another state, with `changes` to its data (None: default)."""
        return replace(self, state=state, data=self.data.changed(**changes))

    def afresh(self, state: str, *, keep_resume: bool = False) -> Conversation:
        """Moved to `state` leaving nothing half-done behind: no question being edited, no choices
        ticked, and (unless `keep_resume`) no step to return to."""
        if keep_resume:
            return self.moved(state, editing=None, picked=None)
        return self.moved(state, editing=None, picked=None, resume=None)

    def answered(self, **answers: Any) -> Conversation:
        return replace(self, answers={**self.answers, **answers})


# --- effects ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeleteClientData:
    """Remove everything stored about this client, in the same transaction as the step."""


@dataclass(frozen=True)
class IntakeCompleted:
    """The client confirmed the preliminary intake (counted anonymously)."""


@dataclass(frozen=True)
class ConversationStarted:
    """A new client accepted the privacy notice (counted anonymously)."""


@dataclass(frozen=True)
class AppointmentChanged:
    """The client booked, moved or cancelled an appointment (staff are told; counted anonymously)."""

    kind: str  # "booked", "rescheduled" or "cancelled"
    case_code: str


@dataclass(frozen=True)
class NotifyStaff:
    """A summary for the office's staff destinations (their chats, their mailbox), in German."""

    reply: Reply


@dataclass(frozen=True)
class TellClient:
    """A message to another client than the one whose step this is (e.g. staff cancelled)."""

    client: str  # the client's pseudonymous key, as stored with the appointment
    reply: Reply


@dataclass(frozen=True)
class Audit:
    """A staff action, for the audit log: what, on which case; never message text."""

    action: str
    case_code: str = ""


Effect = (
    DeleteClientData
    | IntakeCompleted
    | ConversationStarted
    | AppointmentChanged
    | NotifyStaff
    | TellClient
    | Audit
)


@dataclass(frozen=True)
class Outcome:
    """What one step produced. `conversation` is None when nothing is to be kept."""

    conversation: Conversation | None
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...] = ()
    locale: str | None = None  # the language the replies are written in
    stayed: bool = False  # the event changed nothing and the client was asked again
