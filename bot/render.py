"""Renders replies in the client's language: gettext, Babel formats, Jinja2 templates, bidi isolates.

Right-to-left languages wrap left-to-right runs (numbers, codes, amounts, dates) in Unicode
isolates, then every other left-to-right run of the finished text (bot/direction.py), and start
lines that could begin with a Latin character with U+200F. Left-to-right
languages isolate text the client typed. Isolates never reach button values.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_day_names
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from bot.calendar_file import calendar_file
from bot.config import Office
from bot.direction import isolate_ltr_runs
from bot.i18n import Catalogs
from flows.clock import BERLIN
from flows.folding import without_direction_controls
from flows.model import (
    Button,
    Code,
    Country,
    Label,
    Language,
    Money,
    Param,
    Reply,
    Template,
    Text,
    UserText,
    When,
    personal,
)

LRI, FSI, PDI, RLM = "\u2066", "\u2068", "\u2069", "\u200f"
TEMPLATES = Path(__file__).parent / "templates"
# The doors whose clients read different facts in a few client texts (the privacy notice, help,
# the goodbye after /delete): each door says which it is; templates branch on `door`.
TELEGRAM, WEB = "telegram", "web"
DOORS = (TELEGRAM, WEB)
# Rendered replies (and rows of buttons) kept for the next client who is sent the same ones:
# only those without the client's own words or a case code are kept.
KEPT_MESSAGES = 4096
log = logging.getLogger(__name__)

Buttons = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, value)


@dataclass(frozen=True)
class Message:
    """A reply ready to send: Telegram HTML, and the buttons as (label, value)."""

    html: str
    buttons: Buttons = ()
    replaces_pressed: bool = False
    document: tuple[str, bytes] | None = None  # (file name, content), sent after the text

    @property
    def plain(self) -> str:
        """The text without markup, for the terminal."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.html))


class Renderer:
    def __init__(
        self,
        catalogs: Catalogs,
        office: Office,
        retention_days: int = 30,
        others: Sequence[Office] = (),
    ) -> None:
        self.catalogs = catalogs
        self.office = office  # the default; a reply shows the office of its conversation
        self.offices = {o.id: o for o in (office, *others)}
        self.retention_days = retention_days
        self._environments: dict[str, Environment] = {}  # by "domain:locale"
        self._office_views: dict[tuple[str, str], dict[str, Any]] = {}  # by locale, office
        self._kept = lru_cache(maxsize=KEPT_MESSAGES)(self._message)
        self._kept_rows = lru_cache(maxsize=KEPT_MESSAGES)(self._rows)

    # --- public ------------------------------------------------------------------------------

    def message(
        self, reply: Reply, locale: str | None, office_id: str = "", door: str = TELEGRAM
    ) -> Message:
        """A reply in `locale` as `door` shows it; its templates show the given office (the
        default one for ""). A reply rendered before is taken from the renderer's memory, unless
        it holds what only one client may read (`_shared`)."""
        code = self.locale(locale)
        if _shared(reply):
            return self._kept(reply, code, office_id, door)
        return self._message(reply, code, office_id, door)

    def _message(self, reply: Reply, code: str, office_id: str, door: str) -> Message:
        office = self.offices.get(office_id, self.office)
        body = reply.body
        text = (
            self.template(body, code, office, door)
            if isinstance(body, Template)
            else self.text(body, code)
        )
        rows = reply.buttons
        labels = (button.label for row in rows for button in row)
        buttons = self._rows(rows, code) if personal(*labels) else self._kept_rows(rows, code)
        document = None
        if reply.calendar is not None:
            document = calendar_file(reply.calendar, self, code, office)
        if self.is_rtl(code):
            text = isolate_ltr_runs(text)
        return Message(self.directed(text, code), buttons, reply.replaces_pressed, document)

    def _rows(self, rows: tuple[tuple[Button, ...], ...], locale: str) -> Buttons:
        """Buttons as shown (the same question's buttons are kept: `_kept_rows`)."""
        return tuple(
            tuple((self.shown_label(b.label, locale), b.value) for b in row) for row in rows
        )

    def shown_label(self, label: Label, locale: str) -> str:
        """A button label as shown: in right-to-left languages with its left-to-right runs
        (a time, a Latin term) isolated. `label` is the text typed answers are matched against."""
        shown = self.label(label, locale)
        return isolate_ltr_runs(shown, markup=False) if self.is_rtl(locale) else shown

    def label(self, label: Label, locale: str) -> str:
        """A button label as plain text (Telegram shows button labels without markup)."""
        if isinstance(label, str):
            return label
        if isinstance(label, Text):
            return html.unescape(self.text(label, locale))
        shown = html.unescape(self.param(label, locale, isolate=False))
        if isinstance(label, Language) and not "\u10d0" <= shown[:1] <= "\u10ff":
            # A button starts with a capital (Georgian has none; Turkish and Azerbaijani i → İ).
            first = "İ" if shown[:1] == "i" and locale in ("tr", "az") else shown[:1].upper()
            return first + shown[1:]
        return shown

    def text(self, item: Text, locale: str) -> str:
        """A message in `locale`, as Telegram HTML with its parameters formatted and escaped."""
        translations = self.catalogs.get(locale, item.domain)
        if item.plural is not None and item.count is not None:
            count = item.params[item.count]
            n = int(count) if isinstance(count, int | Decimal) else 0
            if item.context:
                pattern = translations.npgettext(item.context, item.msgid, item.plural, n)
            else:
                pattern = translations.ngettext(item.msgid, item.plural, n)
        elif item.context:
            pattern = translations.pgettext(item.context, item.msgid)
        else:
            pattern = translations.gettext(item.msgid)
        values = {name: self.param(value, locale) for name, value in item.params.items()}
        try:
            return html.escape(pattern, quote=False).format_map(values)
        except (KeyError, ValueError, IndexError):
            log.warning("unusable translation: locale=%s msgid=%r", locale, item.msgid[:60])
            return html.escape(item.msgid, quote=False).format_map(values)

    def template(
        self,
        template: Template,
        locale: str,
        office: Office | None = None,
        door: str = TELEGRAM,
    ) -> str:
        context = {
            name: self.template_param(value, locale) for name, value in template.params.items()
        }
        # "staff/…" templates are the office's (staff domain); the others are the clients'.
        domain, path = (
            ("staff", template.name)
            if template.name.startswith("staff/")
            else ("messages", f"client/{template.name}")
        )
        rendered = (
            self.environment(locale, domain)
            .get_template(f"{path}.j2")
            .render(
                office=self.office_view(locale, office or self.office),
                retention_days=self.retention_days,
                catalog=self.catalogs.languages.get(locale),
                door=door,
                **context,
            )
        )
        return "\n".join(line.rstrip() for line in rendered.strip().splitlines())

    def template_param(self, value: Param, locale: str) -> Markup | Listed | Number:
        """A parameter as a template sees it: printed as `param` renders it; a tuple can also be
        looped over item by item, and a date also offers `.long`, the date without the weekday."""
        rendered = Markup(self.param(value, locale))
        if isinstance(value, tuple):  # nested tuples stay indexable: rows of a table
            return Listed(rendered, [self.template_param(item, locale) for item in value])
        if isinstance(value, int) and not isinstance(value, bool):
            return Number(rendered, value)
        if isinstance(value, date) and not isinstance(value, datetime):
            long = html.escape(format_date(value, "long", locale=locale), quote=False)
            return Dated(rendered, f"{FSI}{long}{PDI}" if self.is_rtl(locale) else long)
        return rendered

    # --- parameters --------------------------------------------------------------------------

    def param(self, value: Param, locale: str, isolate: bool = True) -> str:
        """One parameter in the client's language, escaped for HTML, isolated where direction matters."""
        rtl = self.is_rtl(locale)
        if isinstance(value, Text):
            return self.text(value, locale)
        if isinstance(value, tuple):
            return format_list([self.param(v, locale, isolate) for v in value], locale=locale)
        if isinstance(value, Country):
            return html.escape(Locale.parse(locale).territories.get(value.code, value.code))
        if isinstance(value, Language):
            return html.escape(self.language_name(value.code, None if value.own else locale))
        if isinstance(value, UserText):
            escaped = html.escape(without_direction_controls(value.text), quote=False)
            return f"{FSI}{escaped}{PDI}" if isolate else escaped
        if isinstance(value, Code):  # isolates outside <code>, never inside it
            code = f"<code>{html.escape(value.text)}</code>" if isolate else value.text
            return f"{LRI}{code}{PDI}" if rtl and isolate else code
        if isinstance(value, When):
            formatted = self.when(value, locale)
            return f"{FSI}{formatted}{PDI}" if rtl and isolate else formatted
        formatted, ltr_run = self._format_scalar(value, locale)
        formatted = html.escape(formatted, quote=False)
        if isolate and rtl:
            return f"{LRI if ltr_run else FSI}{formatted}{PDI}"
        return formatted

    def _format_scalar(self, value: Param, locale: str) -> tuple[str, bool]:
        """The formatted value, and whether it is a purely left-to-right run (digits, codes)."""
        if isinstance(value, bool):
            return str(value), True
        if isinstance(value, int | Decimal):
            return format_decimal(value, locale=locale), True
        if isinstance(value, Money):
            return format_currency(value.amount, value.currency, locale=locale), False
        if isinstance(value, datetime):
            local = value.astimezone(BERLIN)
            # CLDR's own pattern joins date and time ("{1} um {0}", "{1}, {0}"): no glued fragments.
            joiner = str(Locale.parse(locale).datetime_formats["long"])
            day = format_date(local, "full", locale=locale)
            return joiner.replace("{1}", day).replace(
                "{0}", format_time(local, "short", locale=locale)
            ), False
        if isinstance(value, date):
            return format_date(value, "full", locale=locale), False
        text = str(value)
        return text, text.isascii()

    def when(self, value: When, locale: str) -> str:
        """A moment in Berlin time: in full for messages, short (weekday, day, month, time) for buttons."""
        if not value.short:
            return html.escape(self._format_scalar(value.moment, locale)[0], quote=False)
        local = value.moment.astimezone(BERLIN)
        joiner = str(Locale.parse(locale).datetime_formats["short"])
        day = str(
            format_skeleton("MMMEd", local, locale=locale)
            or format_date(local, "medium", locale=locale)
        )
        return html.escape(
            joiner.replace("{1}", day).replace("{0}", format_time(local, "short", locale=locale)),
            quote=False,
        )

    def language_name(self, code: str, in_locale: str | None) -> str:
        """A language's name: in itself (from languages.toml) or in another language (CLDR)."""
        if in_locale is None:
            if code in self.catalogs.names:
                return self.catalogs.names[code]
            in_locale = code
        overrides = self.catalogs.names_in.get(code, {})
        if overrides:  # e.g. Dari, which CLDR only knows as "Persian (Afghanistan)"
            return overrides.get(in_locale) or overrides.get("en") or code
        # CLDR's own case: "arabe" in a French sentence, "Arabisch" in a German one.
        return str(Locale.parse(code).get_display_name(in_locale) or code)

    # --- direction ---------------------------------------------------------------------------

    def is_rtl(self, locale: str) -> bool:
        info = self.catalogs.languages.get(locale)
        return info.rtl if info else False

    def directed(self, text: str, locale: str) -> str:
        """In right-to-left languages, mark lines that would otherwise start left to right."""
        if not self.is_rtl(locale):
            return text
        return "\n".join(
            RLM + line if line and not _starts_rtl(line) else line for line in text.split("\n")
        )

    def locale(self, locale: str | None) -> str:
        return locale if locale in self.catalogs.languages else self.catalogs.source

    # --- templates ---------------------------------------------------------------------------

    def environment(self, locale: str, domain: str = "messages") -> Environment:
        key = f"{domain}:{locale}"
        if key not in self._environments:
            env = Environment(
                loader=FileSystemLoader(TEMPLATES),
                autoescape=True,
                undefined=StrictUndefined,
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=True,  # an included part ends its last line
                auto_reload=False,  # templates ship with the code: no file check at each use
            )
            translations = self.catalogs.get(locale, domain)
            env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
            self._environments[key] = env
        return self._environments[key]

    def office_view(self, locale: str, office: Office) -> dict[str, Any]:
        """The office as templates show it in `locale`: formatted once per office and language
        (an office is fixed for the process; formatting its hours took most of a short
        template's time)."""
        key = (locale, office.id)
        view = self._office_views.get(key)
        if view is None:
            view = self._office_views[key] = self._office_view(locale, office)
        return view

    def _office_view(self, locale: str, office: Office) -> dict[str, Any]:
        return {
            "name": office.name,
            "organisation": office.organisation,
            "address": office.address,
            "phone": self.param(office.phone, locale) if office.phone else "",
            "email": office.email,
            "website": office.website,
            "hours": [self.hours_line(h.weekdays, h.start, h.end, locale) for h in office.hours],
        }

    def hours_line(self, weekdays: tuple[int, ...], start: time, end: time, locale: str) -> str:
        names = get_day_names("wide", locale=locale)
        runs: list[list[int]] = []
        for day in sorted(weekdays):
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        days = format_list(
            [names[r[0]] if len(r) == 1 else f"{names[r[0]]}–{names[r[-1]]}" for r in runs],
            locale=locale,
        )
        times = [format_time(moment, "short", locale=locale) for moment in (start, end)]
        if self.is_rtl(locale):  # each time one unit ("9:00 AM"); the range reads as the line
            times = [f"{FSI}{shown}{PDI}" for shown in times]
        return f"{days}: {'–'.join(times)}"


class Listed(list[Any]):
    """A tuple parameter in a template: prints as one list ("a, b and c"), loops item by item."""

    def __init__(self, rendered: Markup, items: list[Any]) -> None:
        super().__init__(items)
        self.rendered = rendered

    def __html__(self) -> Markup:
        return self.rendered

    def __str__(self) -> str:
        return str(self.rendered)


class Number(Markup):
    """A count in a template: prints formatted for the locale, chooses plural forms as an int."""

    value: int

    def __new__(cls, rendered: str, value: int) -> Number:
        number = super().__new__(cls, rendered)
        number.value = value
        return number

    def __int__(self) -> int:
        return self.value


class Dated(Markup):
    """A date parameter in a template: prints with the weekday; `.long` is the date without it."""

    long: Markup

    def __new__(cls, rendered: str, long: str) -> Dated:
        dated = super().__new__(cls, rendered)
        dated.long = Markup(long)
        return dated


def _shared(reply: Reply) -> bool:
    """Whether a rendered reply may be kept for others: nothing in it is one client's own
    (`personal`), and it carries no calendar file (the client's own appointment)."""
    labels = (button.label for row in reply.buttons for button in row)
    return reply.calendar is None and not personal(reply.body, *labels)


def _starts_rtl(line: str) -> bool:
    """Whether a line reads right to left by itself: its first strong character is right to
    left both as the bidi algorithm finds it (skipping isolated text) and as renderers that do
    not skip isolates find it. Otherwise it gets U+200F: a line that starts with an isolated
    command, or that is one isolated date, would be laid out left to right."""
    import unicodedata

    def first_strong(skip_isolates: bool) -> str:
        depth = 0
        for char in re.sub(r"<[^>]+>", "", line):
            if char in (LRI, FSI, "\u2067"):
                depth += 1
            elif char == PDI:
                depth = max(0, depth - 1)
            elif depth == 0 or not skip_isolates:
                direction = unicodedata.bidirectional(char)
                if direction in ("R", "AL", "L"):
                    return direction
        return ""

    return first_strong(True) in ("R", "AL") and first_strong(False) in ("R", "AL")
