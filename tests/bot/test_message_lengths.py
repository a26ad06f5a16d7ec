"""Short screens: every client message, in every shipped language, as a phone shows it.

Each text the flows send (every message id of the catalog used in code) and each client template
(built by the same functions the journey uses, with the longest values it can carry) is rendered
in every language: at most 600 characters in English and 900 in any language, direction marks
not counted (they are invisible) and the client's own note not counted (it is theirs)."""

from __future__ import annotations

import dataclasses
import itertools
import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

import pytest
from babel.messages.pofile import read_po

from bot.config import ROOT, Office
from bot.i18n import Catalogs
from bot.render import Renderer
from flows import booking, journey, offices, support_screens
from flows.intake import NOTE_MAX_CHARS
from flows.model import (
    Code,
    Conversation,
    ConversationData,
    Country,
    Language,
    Money,
    Param,
    Pressed,
    Reply,
    Template,
    Text,
    When,
)
from flows.ports import AppointmentView, SlotOffer
from flows.text import pt, t
from tests.bot.test_support_render import catalogue, screens, shipped_languages
from tests.flows.helpers import TWO_OFFICES, context
from tests.flows.test_booking import START, FakeBook, client_with

ENGLISH_LIMIT, ANY_LIMIT = 600, 900
INVISIBLE = re.compile("[\u2066-\u2069\u200e\u200f]")
MOMENT = When(datetime(2026, 12, 30, 13, 30, tzinfo=UTC))  # a long weekday and month
NOTE = "x" * (NOTE_MAX_CHARS - 1)
# A value for each placeholder of the flows' texts: long ones, as the client may see them.
SAMPLES: dict[str, Param] = {
    "language": Language("sr_Latn"),
    "languages": (Language("de"), Language("en")),
    "when": MOMENT,
    "old": MOMENT,
    "new": MOMENT,
    "case": Code("7KQ3M9XA"),
    "country": Country("BA"),
    "kind": t("Business start-up grant (Coming Home)"),
    "amount": Money(Decimal("4000")),
    "details": t("the counselling decides"),
    "limit": NOTE_MAX_CHARS,
    "length": 4000,
    "low": 1,
    "high": 20,
    "place": 12,
    "office": "Coming Home – Büro für Rückkehrhilfen",
    "choice": pt("interest", "Journey, travel and start-up help"),
    "reason": t("An urgent matter came up at the office."),
}
OFFICE = dataclasses.replace(
    Office(), phone="+49 89 233-96070", email="rueckkehrhilfe.soz@muenchen.de"
)


@cache
def renderer() -> Renderer:
    return Renderer(Catalogs(ROOT / "locales"), OFFICE)


def flow_texts() -> list[Text]:
    """Every message id the code sends (not the templates' own sentences), with sample values."""
    with (ROOT / "locales" / "messages.pot").open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id or not any(path.endswith(".py") for path, _ in message.locations):
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        names = re.findall(r"\{(\w+)\}", msgid)
        missing = [name for name in names if name not in SAMPLES]
        assert not missing, f"add a sample value for {missing} ({msgid[:40]}…)"
        found.append(Text(msgid, {n: SAMPLES[n] for n in names}, context=message.context))
    return found


def view(interpreter: str = "confirmed") -> AppointmentView:
    end = MOMENT.moment.replace(hour=15)
    return AppointmentView("7KQ3M9XA", "uid", MOMENT.moment, end, "fa_AF", interpreter, "booked", 0)


def booking_replies() -> list[Reply]:
    """Confirming and the result, of a booking and of a move; the appointment; reminders."""
    found: list[Reply] = []
    for locale, moving in itertools.product(("ar", "de"), (False, True)):
        book = FakeBook()
        book.slots = [SlotOffer(f"c1-{i}", START.replace(day=1 + i), "requested") for i in range(3)]
        client = client_with(book, locale)
        for value in ("m:book", f"b:int:{locale}", "b:slot:c1-0", "b:ok"):
            outcome = client.send(Pressed(value))
        found.append(outcome.replies[0])
        if moving:
            for value in ("m:appt", "b:move", "b:slot:c1-2"):
                outcome = client.send(Pressed(value))
            found.append(outcome.replies[-1])
            found.append(client.send(Pressed("b:ok")).replies[0])
    for interpreter in ("confirmed", "requested", "none"):
        found.append(booking.appointment_prompt(view(interpreter)))
        found += [booking.reminder(view(interpreter), kind) for kind in ("24h", "2h")]
    return found


def estimate_replies() -> list[Reply]:
    """The estimate for every way of skipping the household answers, and many countries."""
    found: list[Reply] = []
    ctx = dataclasses.replace(context(), catalogue=catalogue())
    counts = (None, 1, 10)
    countries = (None, "GE", "UA", "TR", "IQ", "BA", "AF", "SY", "CD")
    for adults, minors, country, stay in itertools.product(
        counts, counts, countries, (None, "under_one_year", "one_year_or_more")
    ):
        answers = {"adults": adults, "minors": minors, "country": country, "stay": stay}
        conv = Conversation(journey.MENU, "en", answers=answers)
        found += support_screens.estimate_replies(conv, ctx)
    return found


def screen_replies() -> list[Reply]:
    """Every other template, built as the journey builds it."""
    full = Conversation(
        journey.SUMMARY,
        "en",
        answers={
            "country": "BA",
            "adults": 20,
            "minors": 20,
            "situation": "asylum",
            "stay": "one_year_or_more",
            "interests": ["travel", "business", "qualification", "medical", "documents", "other"],
            "note": NOTE,
        },
        data=ConversationData(accepted=True),
    )
    ctx = dataclasses.replace(context(), offices=TWO_OFFICES)
    return [
        *journey.privacy_prompt(),
        *journey.privacy_details(),
        Reply(Template("help")),
        Reply(Template("deleted")),
        Reply(
            Template(
                "deleted", {"cancelled": t("Your appointment on {when} is cancelled.", when=MOMENT)}
            )
        ),
        Reply(Template("contact")),
        offices.prompt(ctx),
        journey.summary_prompt(full, ctx),
        journey.summary_prompt(  # no note yet: the summary invites one
            dataclasses.replace(full, answers={k: v for k, v in full.answers.items() if k != "note"}),
            ctx,
        ),
        *(reply for _, reply in screens()),
    ]


def all_replies() -> list[Reply]:
    return [
        *(Reply(text) for text in flow_texts()),
        *booking_replies(),
        *estimate_replies(),
        *screen_replies(),
    ]


def length(reply: Reply, locale: str) -> int:
    shown = INVISIBLE.sub("", renderer().message(reply, locale).plain)
    return len(shown) - shown.count(NOTE) * len(NOTE)


def test_every_client_template_is_measured() -> None:
    """Check that the replies measured here use every client template (or include it)."""
    used = {r.body.name for r in all_replies() if isinstance(r.body, Template)}
    folder = ROOT / "bot" / "templates" / "client"
    included = {
        name
        for path in folder.glob("*.j2")
        for name in re.findall(r'include "client/(\w+)\.j2"', path.read_text(encoding="utf-8"))
    }
    assert {path.stem for path in folder.glob("*.j2")} - used - included == set()


@pytest.mark.parametrize("locale", shipped_languages())
def test_every_message_is_short_enough_for_a_phone(locale: str) -> None:
    """Check that no client message is over 600 characters in English or 900 in any language."""
    limit = ENGLISH_LIMIT if locale == "en" else ANY_LIMIT
    too_long = {}
    for reply in all_replies():
        n = length(reply, locale)
        if n > limit:
            name = reply.body.name if isinstance(reply.body, Template) else reply.body.msgid[:50]
            too_long[name] = max(n, too_long.get(name, 0))
    assert not too_long, too_long


def test_the_longest_messages(capsys: pytest.CaptureFixture[str]) -> None:
    """Check that the measurement sees the long screens (the support topics, the estimate)."""
    replies = all_replies()
    longest = {code: max(length(reply, code) for reply in replies) for code in shipped_languages()}
    assert longest["en"] > 450
    with capsys.disabled():
        print("\nlongest client message, characters:", dict(sorted(longest.items())))


@pytest.mark.parametrize("locale", ["ar", "fa", "en"])
def test_no_line_is_only_direction_marks(locale: str) -> None:
    """Check that no message has a line of nothing but isolates (an empty value shown)."""
    for reply in all_replies():
        for line in renderer().message(reply, locale).html.splitlines():
            assert not line or INVISIBLE.sub("", line), (reply.body, line)
