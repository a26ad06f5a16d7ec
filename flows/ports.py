"""What a step needs from the outside world, declared here and provided by the doors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from flows.model import Label
from flows.support import Catalogue


class Wording(Protocol):
    """Knows how texts read in each language, so typed answers can be matched against labels."""

    def folded_label(self, label: Label, locale: str) -> str:
        """The label as the client sees it in `locale`, folded (`flows.folding.fold`) to be
        compared with what they typed."""
        ...

    def countries(self, typed: str) -> Sequence[str]:
        """Codes of the countries whose name, in any shipped language, matches `typed`."""
        ...

    def languages(self, typed: str) -> Sequence[str]:
        """Shipped locales whose name (in itself or in any shipped language) matches `typed`."""
        ...


@dataclass(frozen=True)
class OfficeChoice:
    """An office a client can choose, when one installation serves several."""

    id: str
    name: str  # the office's own name, as it writes it
    short_name: str  # on its button
    districts: tuple[str, ...] = ()  # towns and districts it serves
    postcodes: tuple[tuple[int, int], ...] = ()  # inclusive ranges of five-digit postcodes


@dataclass(frozen=True)
class Context:
    """The world as one step sees it."""

    now: datetime
    locales: tuple[str, ...]  # shipped interface languages, in the office's order
    wording: Wording
    hint: str | None = None  # a shipped locale suggested by the client's Telegram settings
    catalogue: Catalogue | None = None  # the support on offer; None: figures are not available
    bookings: Bookings | None = None  # the appointment book; None: booking is not offered
    offices: tuple[OfficeChoice, ...] = ()  # several: the client chooses; the first is the default


# --- appointments -------------------------------------------------------------------------------


class SlotGone(Exception):
    """The chosen time was just taken, or is no longer offered."""


class HasAppointment(Exception):
    """The client holds an appointment already: it can be moved or cancelled, not doubled."""


@dataclass(frozen=True)
class SlotOffer:
    """A free counselling time; `interpreter` is "none", "confirmed" or "requested"."""

    key: str  # short ASCII, fits in a button value
    start: datetime  # aware
    interpreter: str


@dataclass(frozen=True)
class AppointmentView:
    """The client's appointment as the conversation shows it."""

    case_code: str
    uid: str
    start: datetime  # aware
    end: datetime
    language: str
    interpreter: str  # "none", "confirmed" or "requested"
    status: str  # "booked", "cancelled", "held", "no_show", "departed"
    sequence: int
    interpreter_name: str | None = None
    counsellor: str = ""


class Bookings(Protocol):
    """The appointment book, as seen by one client within one step's transaction."""

    def free_slots(self, language: str, offset: int, limit: int) -> Sequence[SlotOffer]: ...

    def own_languages(self) -> tuple[str, ...]:
        """The languages the office counsels in without an interpreter (its configuration)."""
        ...

    def book(self, slot_key: str, language: str) -> AppointmentView:
        """Raises SlotGone, or HasAppointment for a client who holds another appointment."""
        ...

    def current(self) -> AppointmentView | None:
        """The client's booked appointment, if any."""
        ...

    def reschedule(self, slot_key: str) -> AppointmentView:
        """Take the new time before the old one is released; raises SlotGone."""
        ...

    def cancel(self) -> AppointmentView | None:
        """Cancel the client's appointment; None when there was none (cancelling twice is fine)."""
        ...

    def join_waiting_list(self, language: str) -> int:
        """The client's place in line for a time in `language` (1 = next)."""
        ...

    def leave_waiting_list(self) -> None:
        """Take the client off the waiting list (nothing happens when they are not on it)."""
        ...


# --- the office's desk (staff) ------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An appointment as staff see it: the appointment, and what the client answered (if kept)."""

    appointment: AppointmentView
    client: str | None  # pseudonymous key; None once the client deleted their data
    answers: dict[str, object]
    locale: str | None  # the client's chat language, for messages to them


@dataclass(frozen=True)
class Figures:
    """Anonymous counts for a period (they outlive every deleted case)."""

    conversations: int = 0
    intakes: int = 0
    booked: int = 0
    held: int = 0
    no_shows: int = 0
    persons: int = 0
    departures: int = 0
    countries: tuple[tuple[str, int], ...] = ()  # (country code, departures)
    languages: tuple[tuple[str, int], ...] = ()  # (language code, appointments booked)
    interpreters: tuple[tuple[str, int], ...] = ()  # ("confirmed" / "requested", appointments)


@dataclass(frozen=True)
class Move:
    """What became of staff moving a case: `after` when it moved; otherwise why not (`refused`:
    "closed", "same", "taken", "no_interpreter" or "not_offered") and the next free times."""

    before: Case
    after: Case | None = None
    refused: str = ""
    offers: tuple[SlotOffer, ...] = ()


class Desk(Protocol):
    """The appointment book and the counts, as staff use them within one transaction."""

    def agenda(self, day: date) -> Sequence[Case]: ...

    def upcoming(
        self, first: date | None, last: date | None, language: str | None
    ) -> Sequence[Case]:
        """Booked appointments still ahead, by time; within these Berlin days and this language
        when given."""
        ...

    def open_requests(self) -> Sequence[Case]:
        """Booked appointments whose interpreter is requested, not yet confirmed."""
        ...

    def case(self, code: str) -> Case | None: ...

    def set_status(self, code: str, status: str, country: str | None = None) -> Case | None:
        """Record "held", "no_show" or "departed" (to `country`); None for an unknown code."""
        ...

    def confirm_interpreter(self, code: str) -> Case | None: ...

    def cancel(self, code: str) -> Case | None:
        """Cancel as the office; None for an unknown code. Cancelling twice changes nothing."""
        ...

    def move(self, code: str, start: datetime, counsellor: str | None) -> Move | None:
        """Move a booked case to the time offered for its language at `start` (with this
        counsellor, when named); the new time is taken before the old one is released. None for
        an unknown code."""
        ...

    def figures(self, first: date, last: date) -> Figures: ...

    def interpreters(self) -> Sequence[tuple[str, tuple[str, ...]]]:
        """Active interpreters: (name, language codes)."""
        ...

    def free_slots(self, days: int) -> Sequence[SlotOffer]: ...
