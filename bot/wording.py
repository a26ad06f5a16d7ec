"""Matches what a client types against labels, country names and language names in every language."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from babel import Locale

from bot.render import Renderer
from flows.folding import fold
from flows.model import Label, personal

FOLDED_LABELS = 8192  # button labels kept folded, in all languages together
# Codes that are not countries a person returns to (regions, unions, placeholders).
_NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "AQ", "BV", "HM", "TF", "UM", "IO"}


class Wording:
    """The `flows.ports.Wording` port, backed by the renderer and CLDR names."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        # A typed answer is compared with every button of the question: each label is folded
        # once per language, not at every comparison.
        self._folded_label = lru_cache(maxsize=FOLDED_LABELS)(self._fold_label)
        codes = renderer.catalogs.codes
        self._countries: dict[str, set[str]] = defaultdict(set)
        for locale in {*codes, "en", "de"}:
            for code, name in Locale.parse(locale).territories.items():
                if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
                    self._countries[fold(name)].add(code)
        self._languages: dict[str, set[str]] = defaultdict(set)
        for code in codes:
            names = {code, renderer.language_name(code, None)}
            names |= {renderer.language_name(code, other) for other in codes}
            for name in names:
                self._languages[fold(name)].add(code)

    def folded_label(self, label: Label, locale: str) -> str:
        if personal(label):  # not kept: a client's own words or code
            return self._fold_label(label, locale)
        return self._folded_label(label, locale)

    def _fold_label(self, label: Label, locale: str) -> str:
        return fold(self.renderer.label(label, locale))

    def countries(self, typed: str) -> Sequence[str]:
        return _lookup(self._countries, fold(typed))

    def languages(self, typed: str) -> Sequence[str]:
        return _lookup(self._languages, fold(typed))


def _lookup(index: dict[str, set[str]], wanted: str) -> list[str]:
    """Exact name first; otherwise names that start with what was typed (three letters or more)."""
    if not wanted:
        return []
    if wanted in index:
        return sorted(index[wanted])
    if len(wanted) < 3:
        return []
    found = {code for name, codes in index.items() if name.startswith(wanted) for code in codes}
    return sorted(found)
