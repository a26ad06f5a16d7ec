"""The glossary: per language, the approved words for the terms clients must not misread.

`locales/glossary.csv` has one row per term and language. The English row's `match` tags every
message whose English text contains the term; each other language's `match` (a case-insensitive
regular expression, or the approved term itself when empty) must then be found in that message's
translation. `comehome i18n check` reports each message that does not use the approved term.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Message

from bot.po import texts

SOURCE = "en"


@dataclass(frozen=True)
class Entry:
    concept: str
    language: str
    term: str  # what the translator writes (the approved term, in its base form)
    pattern: re.Pattern[str]  # what a translation must contain (allows inflected forms)
    note: str


class Glossary:
    """The approved terms, by concept and language."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = {(entry.concept, entry.language): entry for entry in entries}
        self.concepts = list(dict.fromkeys(entry.concept for entry in entries))

    @classmethod
    def load(cls, path: Path) -> Glossary:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [row for row in csv.DictReader(handle) if not row["concept"].startswith("#")]
        return cls(
            [
                Entry(
                    row["concept"],
                    row["language"],
                    row["term"],
                    re.compile(row["match"] or re.escape(row["term"]), re.IGNORECASE),
                    row.get("note") or "",
                )
                for row in rows
            ]
        )

    def term(self, concept: str, language: str) -> Entry | None:
        return self.entries.get((concept, language)) or self.entries.get(
            (concept, language.split("_")[0])
        )

    def tags(self, source: str) -> list[str]:
        """The concepts an English message text names."""
        return [
            concept
            for concept in self.concepts
            if (entry := self.entries.get((concept, SOURCE))) and entry.pattern.search(source)
        ]

    def violations(self, language: str, message: Message) -> list[str]:
        """One line per glossary term that this translated message does not use."""
        ids, strings = texts(message.id), texts(message.string)
        problems = []
        for concept in self.tags(" ".join(ids)):
            entry = self.term(concept, language)
            if entry is None:
                continue
            if not all(entry.pattern.search(text) for text in strings if text):
                problems.append(
                    f"msgid {ids[0][:50]!r}: glossary: use {entry.term!r} for {concept!r}"
                )
        return problems
