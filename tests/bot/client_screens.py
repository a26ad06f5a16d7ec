"""Every client message with realistic values: each catalog message of the code, each client
template (the support screens and estimates as the flows build them), and the labels of buttons
that carry a time, a language or a country. For tests that look at all of them at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from babel.messages.pofile import read_po

from bot.config import ROOT, Office
from bot.i18n import placeholders
from bot.po import texts
from flows import intake
from flows.booking import appointment_params, interpreter_text
from flows.model import (
    Button,
    Code,
    Country,
    Language,
    Money,
    Param,
    Reply,
    Template,
    Text,
    UserText,
    When,
)
from flows.ports import AppointmentView
from flows.support import Kind
from flows.support_screens import KIND_LABELS
from flows.text import t
from tests.bot.test_support_render import estimates, screens

# An office with every field a template can show: an e-mail address, a web address, a phone.
OFFICE = Office(
    phone="+49 89 233-96081",
    email="rueckkehrhilfen.soz@muenchen.de",
    website="https://stadt.muenchen.de/rueckkehrhilfe",
)
MOMENT = datetime(2026, 12, 10, 8, 30, tzinfo=UTC)  # a Thursday, 9:30 in Munich

# A realistic value for each placeholder name the client messages use.
SAMPLES: dict[str, Param] = {
    "amount": Money(Decimal("1000")),
    "language": Language("ar"),
    "languages": (Language("de"), Language("en")),
    "kind": KIND_LABELS[Kind.STARTUP_AID],
    "country": Country("IQ"),
    "case": Code("7KQ3M9XA"),
    "reason": UserText("Die Beraterin ist krank"),
    "office": OFFICE.name,
    "limit": 300,
    "length": 312,
    "low": 1,
    "high": 20,
    "place": UserText("81541 München"),
    "details": (Money(Decimal("200")), Money(Decimal("100"))),
    "choice": t("Starting a business"),
    "when": When(MOMENT),
    "old": When(MOMENT - timedelta(days=7)),
    "new": When(MOMENT),
    "count": 3,
    "number": 2,
    "name": OFFICE.name,
}


def catalog_messages() -> Iterator[tuple[str, Reply]]:
    """Each message of the code (not of a template) as a reply with sample values."""
    with (ROOT / "locales" / "messages.pot").open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id or not any(path.endswith(".py") for path, _ in message.locations):
            continue
        ids = texts(message.id)
        names = sorted(placeholders(ids[0]))
        params = {name: SAMPLES.get(name, "Duldung 81541 München") for name in names}
        plural = ids[1] if len(ids) > 1 else None
        count = next((n for n in names if isinstance(params[n], int)), None) if plural else None
        if plural and count is None:
            count, params = "count", {**params, "count": 3}
        text = Text(ids[0], params, context=message.context, plural=plural, count=count)
        yield ids[0][:50], Reply(text)


def template_messages() -> Iterator[tuple[str, Reply]]:
    """Each client template with the values the flows give it."""
    view = AppointmentView(
        "7KQ3M9XA", "uid", MOMENT, MOMENT + timedelta(hours=1), "fa", "confirmed", "booked", 0
    )
    booking = appointment_params(view)
    yield "appointment", Reply(Template("appointment", booking))
    yield (
        "booking_done",
        Reply(Template("booking_done", {**booking, "headline": t("Your appointment is booked.")})),
    )
    later = When(MOMENT + timedelta(days=1))
    moved = t("Your appointment is moved from {old} to {new}.", old=When(MOMENT), new=later)
    moved_done = {k: v for k, v in booking.items() if k != "when"}
    yield "booking_done (moved)", Reply(Template("booking_done", {**moved_done, "headline": moved}))
    before = {
        **booking,
        "interpreter": interpreter_text("confirmed", "fa", before=True),
        "headline": t("Your counselling appointment"),
        "question": t(
            "Counselling is free of charge and does not commit you to anything. This time "
            "will be booked for you when you confirm."
        ),
    }
    yield "booking_confirm", Reply(Template("booking_confirm", before))
    move = t("Your appointment will be moved from {old} to {new}.", old=When(MOMENT), new=later)
    moving = {
        **before,
        "headline": t("Move your appointment"),
        "when": move,
        "question": t("The old time is then free for someone else. Shall we move it?"),
    }
    yield "booking_confirm (move)", Reply(Template("booking_confirm", moving))
    headline = t("Reminder: your counselling appointment is tomorrow.")
    yield "reminder", Reply(Template("reminder", {**booking, "headline": headline}))
    answers = {
        "country": "IQ",
        "adults": 2,
        "minors": 3,
        "situation": "tolerated",
        "stay": "one_year_or_more",
        "interests": ["travel", "business"],
        "note": "Ich brauche Hilfe mit dem Pass, REAG/GARP",
    }
    summary = {q.slot: intake.answer_label(q.slot, answers) for q in intake.QUESTIONS}
    yield "intake_summary", Reply(Template("intake_summary", summary))
    offices = (("Coming Home", ("München", "Dachau")), ("Rückkehrberatung Augsburg", ("Augsburg",)))
    yield "office_choice", Reply(Template("office_choice", {"offices": offices}))
    for name in (
        "privacy",
        "privacy_more",
        "privacy_door",
        "privacy_telegram",
        "privacy_web",
        "help",
        "contact",
        "deleted",
    ):
        yield name, Reply(Template(name))
    yield from screens()
    for index, (_, replies) in enumerate(estimates()):
        for part, reply in enumerate(replies):  # the amounts, then why (if anything is reduced)
            yield f"estimate {index}.{part}", reply


def labelled_buttons() -> Iterator[tuple[str, Reply]]:
    """Buttons whose labels are values: times of slots, languages in their own names, countries."""
    slots = [
        When(MOMENT + timedelta(days=day, hours=hour), short=True)
        for day in (0, 7)
        for hour in (0, 4)
    ]
    own = [Language(code, own=True) for code in ("de", "ku", "sr_Latn", "fa", "ckb")]
    yield (
        "slots",
        Reply(
            t("Choose a time for your counselling (Munich time)."),
            tuple((Button(f"b:slot:{index}", label),) for index, label in enumerate(slots)),
        ),
    )
    yield (
        "languages",
        Reply(
            t("Please choose your language."),
            tuple((Button(f"lang:{index}", label),) for index, label in enumerate(own)),
        ),
    )
    countries = [Country(code) for code in ("IQ", "GE", "MK", "BA")]
    yield (
        "countries",
        Reply(
            t("Choose a country"),
            tuple((Button(f"c:{index}", label),) for index, label in enumerate(countries)),
        ),
    )


def every_client_message() -> list[tuple[str, Reply]]:
    return [*catalog_messages(), *template_messages(), *labelled_buttons()]
