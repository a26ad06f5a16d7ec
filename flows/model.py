"""Domain types of a conversation step: what comes in, what is kept, what goes out."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Union

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


@dataclass(frozen=True)
class Template:
    """A long text rendered from a Jinja2 template (privacy notice, summaries)."""

    name: str
    params: dict[str, Param] = field(default_factory=dict)


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
    """The client came back through a door that shows no earlier messages (the terminal)."""


Event = Typed | Pressed | Command | Unsupported | Resumed

# --- conversation ----------------------------------------------------------------------------

Answers = dict[str, Any]


@dataclass(frozen=True)
class Conversation:
    """What the assistant keeps about one client between steps: no identity, only the journey."""

    state: str
    locale: str | None = None
    answers: Answers = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    office: str = ""  # the office the client chose; "": the installation's default

    def moved(self, state: str, **data: Any) -> Conversation:
        """The same conversation in another state, with `data` merged (None removes a key)."""
        merged = {**self.data, **data}
        return replace(self, state=state, data={k: v for k, v in merged.items() if v is not None})

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
