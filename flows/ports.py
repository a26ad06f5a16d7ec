"""What a step needs from the outside world, declared here and provided by the doors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flows.model import Label


class Wording(Protocol):
    """Knows how texts read in each language, so typed answers can be matched against labels."""

    def label(self, label: Label, locale: str) -> str:
        """The label as the client sees it in `locale`."""
        ...

    def countries(self, typed: str) -> Sequence[str]:
        """Codes of the countries whose name, in any shipped language, matches `typed`."""
        ...

    def languages(self, typed: str) -> Sequence[str]:
        """Shipped locales whose name (in itself or in any shipped language) matches `typed`."""
        ...


@dataclass(frozen=True)
class Context:
    """The world as one step sees it."""

    now: datetime
    locales: tuple[str, ...]  # shipped interface languages, in the office's order
    wording: Wording
    hint: str | None = None  # a shipped locale suggested by the client's Telegram settings
