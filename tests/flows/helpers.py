"""A small in-memory world for pure flow tests: English labels, a few countries and languages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flows.engine import step
from flows.folding import fold
from flows.model import Button, Conversation, Country, Event, Label, Language, Outcome, Text, When
from flows.ports import Context, OfficeChoice

LOCALES = ("de", "tr", "ar", "en", "fa_AF")
COUNTRIES = {
    "iraq": ["IQ"],
    "irak": ["IQ"],
    "العراق": ["IQ"],
    "georgia": ["GE", "US-GA"],
    "türkiye": ["TR"],
    "turkey": ["TR"],
}


class FakeWording:
    def folded_label(self, label: Label, locale: str) -> str:
        return fold(self.label(label, locale))

    def label(self, label: Label, locale: str) -> str:
        if isinstance(label, str):
            return label
        if isinstance(label, Text):
            return label.msgid.format_map({k: str(v) for k, v in label.params.items()})
        if isinstance(label, Country):
            return {"IQ": "Iraq", "TR": "Türkiye"}.get(label.code, label.code)
        if isinstance(label, When):
            return label.moment.strftime("%a %d %b %H:%M")
        assert isinstance(label, Language)
        return {"de": "Deutsch", "en": "English", "ar": "العربية"}.get(label.code, label.code)

    def countries(self, typed: str) -> Sequence[str]:
        return [c for c in COUNTRIES.get(typed.strip().casefold(), []) if len(c) == 2]

    def languages(self, typed: str) -> Sequence[str]:
        return {"deutsch": ["de"], "english": ["en"], "arabic": ["ar"]}.get(
            typed.strip().casefold(), []
        )


# One installation serving two offices (the places and ranges are the test's own).
TWO_OFFICES = (
    OfficeChoice(
        "muenchen",
        "Coming Home – Büro für Rückkehrhilfen",
        "München",
        ("München", "Landkreis München", "Dachau", "Fürstenfeldbruck"),
        ((80331, 81929), (85221, 85221)),
    ),
    OfficeChoice(
        "augsburg",
        "Rückkehrberatung Augsburg",
        "Augsburg",
        ("Augsburg", "Aichach-Friedberg", "Fürstenfeldbruck"),
        ((86150, 86199),),
    ),
)


def context(hint: str | None = None) -> Context:
    return Context(datetime(2026, 11, 25, 9, 0), LOCALES, FakeWording(), hint)


def buttons(outcome: Outcome) -> list[Button]:
    """Every button of every reply in the outcome."""
    return [b for reply in outcome.replies for row in reply.buttons for b in row]


def values(outcome: Outcome) -> list[str]:
    return [b.value for b in buttons(outcome)]


def msgids(outcome: Outcome) -> list[str]:
    return [
        r.body.msgid if isinstance(r.body, Text) else f"<{r.body.name}>" for r in outcome.replies
    ]


class Client:
    """Drives the step function like a client would, keeping the conversation between steps."""

    def __init__(self, hint: str | None = None) -> None:
        self.conv: Conversation | None = None
        self.ctx = context(hint)
        self.last: Outcome | None = None
        self.effects: list[object] = []

    def send(self, event: Event) -> Outcome:
        outcome = step(self.conv, event, self.ctx)
        self.conv, self.last = outcome.conversation, outcome
        self.effects.extend(outcome.effects)
        return outcome

    @property
    def state(self) -> str | None:
        return self.conv.state if self.conv else None
