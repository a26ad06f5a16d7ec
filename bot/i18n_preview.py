"""`comehome i18n preview LANG`: one static HTML page with every client message of a language.

For translators without a terminal: each message as a client will see it (bold and italic as in
Telegram, buttons drawn as buttons, right-to-left languages right to left), grouped by the screen
its translator note names, with the English beside it. Placeholders show sample values.
"""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from bot.i18n import SafeTranslations, placeholders, tag_problem, translations
from bot.po import texts
from bot.translator_notes import NOTE

SAMPLES = {
    "case": "7KQ3M9XA",
    "count": "30",
    "language": "English",
    "office": "Coming Home",
    "amount": "200 €",
    "date": "1.12.2026",
}
_KEEP = re.compile(r"&lt;(/?(?:b|i|u|s|code))&gt;")
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; background: #e7ebf0; }
h1 { font-size: 1.3rem; } h2 { font-size: 1rem; margin: 2rem 0 .5rem; color: #445; }
.message { background: #fff; border-radius: .8rem; padding: .6rem .9rem; margin: .4rem 0;
  white-space: pre-wrap; box-shadow: 0 1px 1px #0002; }
.button { display: block; text-align: center; background: #5b8fc7; color: #fff;
  border-radius: .5rem; padding: .45rem; margin: .3rem 0; max-width: 24rem; }
.role, .source { font-size: .8rem; color: #667; margin: 0 .2rem; white-space: pre-wrap; }
.source { direction: ltr; text-align: left; }
.missing { border: 2px dashed #c33; }
"""


def render_preview(locales: Path, code: str) -> str:
    """The whole page for one language (also one not offered to clients yet)."""
    with (locales / "messages.pot").open("rb") as handle:
        template = [m for m in read_po(handle) if m.id]
    with (locales / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        translated = read_po(handle, locale=code)
    shown_as = SafeTranslations(code, translations(translated))
    rtl = Locale.parse(code).character_order == "right-to-left"
    listed = tomllib.loads((locales / "languages.toml").read_text(encoding="utf-8"))["language"]
    name = next((e["name"] for e in listed if e["code"] == code), code)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{code.replace("_", "-")}" dir="{"rtl" if rtl else "ltr"}">',
        f'<head><meta charset="utf-8"><title>{html.escape(name)}: every message</title>',
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(name)} ({code}): every message as clients see it</h1>",
    ]
    screen = None
    for message in template:
        notes = [line[len(NOTE) :] for line in message.auto_comments if line.startswith(NOTE)]
        where, _, role = (notes[0] if notes else "other. Notice.").partition(". ")
        if where != screen:
            screen = where
            parts.append(f"<h2>{html.escape(where)}</h2>")
        ids = texts(message.id)
        msgid = ids[-1]
        if len(ids) > 1:
            text = shown_as.ngettext(ids[0], ids[1], 30)
        elif message.context:
            text = shown_as.pgettext(message.context, msgid)
        else:
            text = shown_as.gettext(msgid)
        found = translated.get(message.id, message.context)
        missing = found is None or not found.string or found.fuzzy
        shown = _as_telegram(text, message)
        css = "button" if role.startswith("Button") else "message"
        parts.append(
            f'<div class="{css}{" missing" if missing else ""}" dir="auto">{shown}</div>'
            f'<div class="role">{html.escape(role)}{" Not translated yet." if missing else ""}'
            f'</div><div class="source" dir="ltr">{html.escape(msgid)}</div>'
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def _as_telegram(text: str, message: Message) -> str:
    """The text with samples for its placeholders, and Telegram's own tags kept as HTML."""
    for name in placeholders(text):
        sample = html.escape(SAMPLES.get(name, name))
        text = text.replace("{" + name + "}", sample).replace(f"%({name})s", sample)
    escaped = html.escape(text, quote=False)
    from_template = any(path.endswith(".j2") for path, _line in message.locations)
    if from_template and tag_problem(text) is None:
        escaped = _KEEP.sub(r"<\1>", escaped)
    return escaped


def write_preview(locales: Path, code: str, output: Path) -> Path:
    output.write_text(render_preview(locales, code), encoding="utf-8")
    return output
