"""How far a language is: which key screens are translated, and which a native speaker reviewed.

Key screens are found by the translator notes each message carries ("Screen: main menu. …"), so a
new message joins its screen's count without a list to keep. A language is offered to clients
once its offer screens are translated (all of them, unless `locales/languages.toml` says otherwise
under `[offer]`); it tells clients it is a machine-assisted draft until a native speaker has
reviewed its privacy notice, intake and booking texts.

Reviews are kept per language in `locales/<code>/reviews.csv`: one row per reviewed message, with
the reviewer's initials, the date and a fingerprint of the translation that was read. Changing the
translation makes the message unreviewed again. Machine read-backs are not reviews.
"""

from __future__ import annotations

import csv
import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from bot.po import texts
from bot.translator_notes import NOTE

KEY_SCREENS: dict[str, tuple[str, ...]] = {  # name -> the screens (note prefixes) it covers
    "privacy": ("privacy notice",),
    "menu": ("main menu", "every screen (back to the menu)", "language choice"),
    "intake": ("intake", "every intake question"),
    "booking": ("booking", "my appointment", "appointment reminder", "waiting list"),
}
OFFER_SCREENS = ("privacy", "menu", "intake", "booking")  # translated before clients see it
REVIEW_SCREENS = ("privacy", "intake", "booking")  # reviewed before the draft notice goes
REVIEW_FIELDS = ("msgctxt", "msgid", "fingerprint", "reviewer", "date")


@dataclass(frozen=True)
class Offer:
    """When a language is offered: these key screens translated to at least this per cent."""

    screens: tuple[str, ...] = OFFER_SCREENS
    coverage: float = 100.0

    @classmethod
    def load(cls, languages_toml: Path) -> Offer:
        table = tomllib.loads(languages_toml.read_text(encoding="utf-8")).get("offer", {})
        return cls(tuple(table.get("screens", OFFER_SCREENS)), float(table.get("coverage", 100.0)))


@dataclass
class Status:
    """One language's translated and reviewed key messages, by key screen."""

    code: str
    total: int = 0
    translated: int = 0
    reviewed: int = 0
    untranslated: dict[str, list[str]] = field(default_factory=dict)  # key screen -> msgids
    unreviewed: dict[str, list[str]] = field(default_factory=dict)
    key_total: dict[str, int] = field(default_factory=dict)

    def coverage(self, screens: Iterable[str]) -> float:
        screens = tuple(screens)
        total = sum(self.key_total.get(s, 0) for s in screens)
        missing = sum(len(self.untranslated.get(s, [])) for s in screens)
        return 100.0 * (total - missing) / total if total else 100.0

    def offered(self, offer: Offer) -> bool:
        return self.coverage(offer.screens) >= offer.coverage

    def reviewed_screens(self, screens: Iterable[str] = REVIEW_SCREENS) -> bool:
        return not any(self.unreviewed.get(s) or self.untranslated.get(s) for s in screens)


def key_screens(message: Message) -> set[str]:
    """The key screens a message appears on, from its translator notes."""
    shown = [line[len(NOTE) :] for line in message.auto_comments if line.startswith(NOTE)]
    return {
        name
        for name, prefixes in KEY_SCREENS.items()
        if any(screen.startswith(prefixes) for screen in shown)
    }


def fingerprint(message: Message) -> str:
    return hashlib.sha256("\x00".join(texts(message.string)).encode()).hexdigest()[:16]


def _key(message: Message) -> tuple[str, str]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return message.context or "", msgid


def is_translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(message.string) and all(strings) and not message.fuzzy


def reviews_path(locales: Path, code: str) -> Path:
    return locales / code / "reviews.csv"


def read_reviews(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {(row["msgctxt"], row["msgid"]): row for row in csv.DictReader(handle)}


def status_of(
    code: str, catalog: Catalog, reviews: dict[tuple[str, str], dict[str, str]]
) -> Status:
    """Count a catalog's key messages: translated, and reviewed as they read now."""
    status = Status(code)
    for message in catalog:
        if not message.id:
            continue
        status.total += 1
        translated = is_translated(message)
        review = reviews.get(_key(message))
        reviewed = (
            translated and review is not None and review["fingerprint"] == fingerprint(message)
        )
        status.translated += translated
        status.reviewed += reviewed
        for screen in key_screens(message):
            status.key_total[screen] = status.key_total.get(screen, 0) + 1
            if not translated:
                status.untranslated.setdefault(screen, []).append(_key(message)[1])
            elif not reviewed:
                status.unreviewed.setdefault(screen, []).append(_key(message)[1])
    return status


def record_reviews(
    path: Path, catalog: Catalog, screens: Iterable[str] | None, reviewer: str, day: date
) -> int:
    """Mark the current translations of these key screens (all messages for None) as reviewed."""
    wanted = set(screens) if screens is not None else None
    reviews = read_reviews(path)
    count = 0
    for message in catalog:
        if not message.id or not is_translated(message):
            continue
        if wanted is not None and not key_screens(message) & wanted:
            continue
        msgctxt, msgid = _key(message)
        reviews[(msgctxt, msgid)] = {
            "msgctxt": msgctxt,
            "msgid": msgid,
            "fingerprint": fingerprint(message),
            "reviewer": reviewer,
            "date": day.isoformat(),
        }
        count += 1
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, REVIEW_FIELDS)
        writer.writeheader()
        writer.writerows(sorted(reviews.values(), key=lambda row: (row["msgid"], row["msgctxt"])))
    return count
