"""Catalogs: the shipped languages, their translations, and a guard against broken translations.

Catalogs are read from the `.po` files at start-up (no compiled files to forget). A translation
whose placeholders or Telegram HTML tags differ from its source is never used: the source text is
shown instead and the message id (never a client's text) is logged once, so a broken catalog can
neither crash the bot nor make Telegram refuse a screen.
"""

from __future__ import annotations

import gettext
import logging
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.i18n_status import Offer, read_reviews, reviews_path, status_of

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{(\w+)\}|%\((\w+)\)[sd]")
ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "tg-spoiler", "blockquote"}
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>")


def tag_problem(text: str) -> str | None:
    """None when every tag is allowed by Telegram and opened and closed in order."""
    stack: list[str] = []
    for closing, name in _TAG.findall(text):
        if name not in ALLOWED_TAGS:
            return f"tag <{name}> is not allowed in Telegram HTML"
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return f"tag </{name}> is not balanced"
    return f"tag <{stack[-1]}> is never closed" if stack else None


def tags_match(source: str, translated: str) -> bool:
    """True when a translation has the source's tags (in any order the language needs), each one
    closed; Telegram refuses a whole message over one broken tag."""
    if "<" not in source and "<" not in translated:
        return True
    return Counter(_TAG.findall(translated)) == Counter(_TAG.findall(source)) and (
        tag_problem(translated) is None or tag_problem(source) is not None
    )


def placeholders(text: str) -> frozenset[str]:
    """Named placeholders in a message: `{name}` in code, `%(name)s` in templates."""
    return frozenset(a or b for a, b in _PLACEHOLDER.findall(text))


COUNT = "count"  # the number that chooses a plural form (Jinja's `{% trans count=… %}`)


def placeholders_match(source: str, translated: str, plural: bool = False) -> bool:
    """True when a translation has the source's placeholders. A plural form may leave out the
    count itself, as languages do where the form already says the number (Arabic "يومين", two days)."""
    found, wanted = placeholders(translated), placeholders(source)
    return found == wanted or (plural and found == wanted - {COUNT})


@dataclass(frozen=True)
class LanguageInfo:
    code: str
    name: str  # in itself
    status: str  # "reviewed" (privacy, intake and booking read by a native speaker) or "draft"
    source: bool
    rtl: bool


class SafeTranslations(gettext.NullTranslations):
    """Translations that fall back to the source text when a translation's placeholders or tags
    are wrong."""

    def __init__(self, code: str, inner: gettext.NullTranslations) -> None:
        super().__init__()
        self.code = code
        self.inner = inner
        self._reported: set[str] = set()
        # Each text's verdict, found once: the catalog does not change while the process runs.
        self._verdicts: dict[tuple[str, str, bool], str] = {}

    def _checked(self, source: str, translated: str, plural: bool = False) -> str:
        key = (source, translated, plural)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._check(source, translated, plural)
        return verdict

    def _check(self, source: str, translated: str, plural: bool) -> str:
        if translated == source or (
            placeholders_match(source, translated, plural) and tags_match(source, translated)
        ):
            return translated
        if source not in self._reported:
            self._reported.add(source)
            log.warning("broken translation ignored: locale=%s msgid=%r", self.code, source[:60])
        return source

    def gettext(self, message: str) -> str:
        return self._checked(message, self.inner.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        n = int(n)  # a template's count arrives formatted for display, with its value inside
        source = singular if n == 1 else plural
        return self._checked(source, self.inner.ngettext(singular, plural, n), plural=True)

    def pgettext(self, context: str, message: str) -> str:
        return self._checked(message, self.inner.pgettext(context, message))

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        n = int(n)
        source = singular if n == 1 else plural
        return self._checked(
            source, self.inner.npgettext(context, singular, plural, n), plural=True
        )


class Catalogs:
    """The languages offered to clients, in the office's order, each with its translations."""

    def __init__(self, locales_dir: Path) -> None:
        self.dir = locales_dir
        self.languages: dict[str, LanguageInfo] = {}
        self._translations: dict[str, SafeTranslations] = {}
        with (locales_dir / "languages.toml").open("rb") as handle:
            listed = tomllib.load(handle)["language"]
        raw: dict[str, gettext.NullTranslations] = {}
        self.names: dict[str, str] = {e["code"]: e["name"] for e in listed}  # shipped or not yet
        self.names_in: dict[str, dict[str, str]] = {e["code"]: e.get("names", {}) for e in listed}
        offer = Offer.load(locales_dir / "languages.toml")
        self.hidden: dict[str, float] = {}  # not offered yet: code -> coverage of the offer screens
        for entry in listed:
            code = entry["code"]
            po = self.po_path(code)
            if not entry.get("source") and not po.exists():
                continue
            catalog = read_catalog(po) if po.exists() else None
            status = "reviewed"
            if catalog is not None:
                progress = status_of(code, catalog, read_reviews(reviews_path(locales_dir, code)))
                if not progress.offered(offer):
                    self.hidden[code] = progress.coverage(offer.screens)
                    continue
                status = "reviewed" if progress.reviewed_screens() else "draft"
            self.languages[code] = LanguageInfo(
                code,
                entry["name"],
                status,
                bool(entry.get("source")),
                Locale.parse(code).character_order == "right-to-left",
            )
            raw[code] = translations(catalog) if catalog else gettext.NullTranslations()
        for code, inner in raw.items():
            parent = code.split("_")[0]
            if parent != code and parent in raw:
                inner.add_fallback(raw[parent])  # Dari (fa_AF) falls back to Persian (fa)
            self._translations[code] = SafeTranslations(code, inner)
        self.source = next(code for code, info in self.languages.items() if info.source)
        # Staff texts (summaries, agenda, commands) have their own domain: clients' translators
        # never see them. Only the staff locales need it (German by default).
        self._staff: dict[str, SafeTranslations] = {}
        for staff_po in sorted(locales_dir.glob("*/LC_MESSAGES/staff.po")):
            code = staff_po.parent.parent.name
            self._staff[code] = SafeTranslations(code, load_po(staff_po))

    def po_path(self, code: str) -> Path:
        return self.dir / code / "LC_MESSAGES" / "messages.po"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.languages)

    def get(self, code: str | None, domain: str = "messages") -> SafeTranslations:
        if domain == "staff":
            return self._staff.get(code or self.source) or SafeTranslations(
                code or self.source, gettext.NullTranslations()
            )
        return self._translations.get(code or self.source) or self._translations[self.source]

    def suggest(self, language_code: str | None) -> str | None:
        """The shipped locale closest to Telegram's `language_code` (e.g. "pt-br", "fa", "sr")."""
        if not language_code:
            return None
        wanted = language_code.replace("-", "_")
        for candidate in (wanted, wanted.split("_")[0]):
            for code in self.languages:
                if code.lower() == candidate.lower():
                    return code
        base = wanted.split("_")[0].lower()
        return next((code for code in self.languages if code.split("_")[0].lower() == base), None)


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def load_po(path: Path) -> Translations:
    return translations(read_catalog(path))


def translations(catalog: Catalog) -> Translations:
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)
