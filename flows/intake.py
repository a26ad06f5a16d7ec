"""The preliminary intake as data: each question, its buttons and how a typed answer is read.

Nothing here asks for a name, address, date of birth, phone, e-mail, ID or file number, and every
question can be skipped. The note is optional, short and scrubbed before it is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flows.folding import ascii_digits, without_direction_controls
from flows.model import Answers, Country, Label, Param, Text, UserText
from flows.ports import Context
from flows.scrub import scrub
from flows.text import pt, t

NOTE_MAX_CHARS = 300
COMMON_COUNTRIES = ("TR", "IQ", "GE", "AF", "RU", "IR", "XK", "AL", "RS", "NG", "SY", "UA")


@dataclass(frozen=True)
class Option:
    value: str
    label: Label


@dataclass(frozen=True)
class Parsed:
    """A typed answer read by a question: a value, or candidates to choose from, or a problem."""

    value: object = None
    ok: bool = False
    candidates: tuple[Option, ...] = ()
    problem: Text | None = None
    note: Text | None = None  # said alongside an accepted value


Reader = Callable[[str, Context], Parsed]


@dataclass(frozen=True)
class Question:
    slot: str
    prompt: Text
    options: tuple[Option, ...] = ()
    read: Reader | None = None  # how typed text is read besides matching a button label
    multi: bool = False  # several options can be chosen, then "done"
    per_row: int = 1
    # False: not asked in turn. The summary screen invites the answer instead (the note: typed
    # there, it costs no tap, and a client with nothing to add does not have to skip it); the
    # question itself is reached through the summary's "Change" button.
    in_turn: bool = True


def _read_country(typed: str, ctx: Context) -> Parsed:
    codes = list(ctx.wording.countries(typed))
    if len(codes) == 1:
        return Parsed(value=codes[0], ok=True)
    if codes:
        options = tuple(Option(code, Country(code)) for code in codes[:8])
        return Parsed(candidates=options, problem=t("Which of these countries do you mean?"))
    return Parsed(
        problem=t(
            "I could not find that country. Please check the spelling or choose one of the buttons."
        )
    )


def _number_reader(low: int, high: int) -> Reader:
    def read(typed: str, ctx: Context) -> Parsed:
        digits = ascii_digits(typed.strip())
        if digits.isdecimal() and low <= int(digits) <= high:
            return Parsed(value=int(digits), ok=True)
        return Parsed(
            problem=t(
                "Please send a number from {low} to {high}, or choose a button.", low=low, high=high
            )
        )

    return read


def _read_note(typed: str, ctx: Context) -> Parsed:
    text = " ".join(without_direction_controls(typed).split())
    if len(text) >= NOTE_MAX_CHARS:  # the client is asked for fewer than the limit
        return Parsed(
            problem=t(
                "Please keep the note under {limit} characters. Yours has {length}.",
                limit=NOTE_MAX_CHARS,
                length=len(text),
            )
        )
    clean, removed = scrub(text)
    note = (
        t(
            "I removed something that looked like a phone number, e-mail address or ID number. "
            "Please do not send such details here."
        )
        if removed
        else None
    )
    return Parsed(value=clean, ok=True, note=note)


QUESTIONS: tuple[Question, ...] = (
    Question(
        "country",
        t("Which country would you return to? Choose one, or type its name in any language."),
        tuple(Option(code, Country(code)) for code in COMMON_COUNTRIES),
        read=_read_country,
        per_row=3,
    ),
    Question(
        "adults",
        t("How many adults (18 or older) would return, counting yourself?"),
        tuple(Option(str(n), str(n)) for n in range(1, 7)),
        read=_number_reader(1, 20),
        per_row=6,
    ),
    Question(
        "minors",
        t("How many children under 18 would return with you?"),
        tuple(Option(str(n), str(n)) for n in range(0, 7)),
        read=_number_reader(0, 20),
        per_row=7,
    ),
    Question(
        "situation",
        t("What is your situation in Germany at the moment?"),
        (
            Option("tolerated", pt("situation", "Suspension of deportation (Duldung)")),
            Option("asylum", pt("situation", "Asylum procedure open (Aufenthaltsgestattung)")),
            Option("obliged", pt("situation", "Asylum rejected or obliged to leave")),
            Option("recognised", pt("situation", "Recognised or with a residence permit")),
            Option("other", pt("situation", "Something else")),
        ),
    ),
    Question(
        "stay",
        t("How long have you been living in Germany?"),
        (
            Option("under_one_year", pt("stay", "Less than one year")),
            Option("one_year_or_more", pt("stay", "One year or more")),
        ),
    ),
    Question(
        "interests",
        t("What would you like to know more about? Choose all that apply, then press “Done”."),
        (
            Option("travel", pt("interest", "Journey, travel and start-up help")),
            Option("business", pt("interest", "Starting a business")),
            Option("qualification", pt("interest", "Training before departure")),
            Option("medical", pt("interest", "Medical needs")),
            Option("documents", pt("interest", "Travel documents")),
            Option("other", pt("interest", "Something else")),
        ),
        multi=True,
    ),
    Question(
        "note",
        t(
            "Anything else the counsellor should know? Write a short note, or skip. Please do not "
            "write names, addresses, phone numbers or document numbers."
        ),
        read=_read_note,
        in_turn=False,
    ),
)

BY_SLOT = {question.slot: question for question in QUESTIONS}


IN_TURN = tuple(question for question in QUESTIONS if question.in_turn)


def next_slot(slot: str) -> str | None:
    """The question asked after `slot`, or None after the last one asked in turn."""
    slots = [question.slot for question in IN_TURN]
    index = slots.index(slot) + 1 if slot in slots else len(slots)
    return slots[index] if index < len(slots) else None


def answer_label(slot: str, answers: Answers) -> Param:
    """How an answer reads on the summary screen."""
    value = answers.get(slot)
    if value is None:
        return pt("answer", "Not answered")
    question = BY_SLOT[slot]
    if slot == "country":
        return Country(str(value))
    if slot == "note":
        return UserText(str(value))
    if slot in ("adults", "minors"):
        return int(value)
    labels = {option.value: option.label for option in question.options}
    if question.multi:
        chosen = tuple(
            label for v, label in labels.items() if v in value and isinstance(label, Text)
        )
        return chosen or pt("answer", "Nothing chosen")
    label = labels.get(str(value))
    return label if label is not None else pt("answer", "Not answered")
