"""PRIVACY.md: what is stored, for how long, and who can read it, German with English below,
rendered from the descriptions on the tables' columns (storage/tables/) and the statements in
bot/privacy/. `tests/bot/test_privacy_doc.py` fails when a column has no description and when
the committed PRIVACY.md differs from this rendering (`comehome privacy page > PRIVACY.md`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from bot.config import Settings
from bot.privacy.promises import DESTINATIONS, ERASURE, NOTE, ON_DELETE_QUEUED
from bot.privacy.statements import (
    ON_DELETE,
    OPEN_POINTS,
    OUTSIDE_DATABASE,
    PROCESSED_UPDATES_DAYS,
    RECIPIENTS,
    TELEGRAM,
    WEB_DOOR,
)
from storage.privacy import TO_FILL, Held, Kept, Reader, Words, held, kept
from storage.tables import metadata
from storage.web_pages import PAGE_KEPT


def _default_retention_days() -> int:
    """`Settings.retention_days` as shipped, so that PRIVACY.md states the real default."""
    default = Settings.__dataclass_fields__["retention_days"].default
    assert isinstance(default, int)
    return default


def whole_hours(period: timedelta) -> int:
    """A period the page states in hours; one that is not a whole number of them is refused
    rather than rounded."""
    hours, rest = divmod(period, timedelta(hours=1))
    if rest or hours < 1:
        raise ValueError(f"{period} is not a whole number of hours")
    return hours


RETENTION_DAYS = _default_retention_days()
GENERATED = (
    "<!-- Generated from the descriptions on the columns (storage/tables/) and from bot/privacy/: "
    "do not edit by hand. After changing a table or those files, run `source .venv/bin/activate` "
    "once, then `comehome privacy page > PRIVACY.md`. The `comehome` commands below work the "
    "same way. -->"
)


def described() -> dict[str, tuple[Kept, dict[str, Held]]]:
    """Every table with its description and its columns' (tests/bot/test_privacy_doc.py checks
    first that none is missing)."""
    found: dict[str, tuple[Kept, dict[str, Held]]] = {}
    for name, table in metadata.tables.items():
        about_table = kept(table)
        columns = {column.name: held(column) for column in table.columns}
        assert about_table is not None, f"table {name} is not described"
        found[name] = (about_table, {c: h for c, h in columns.items() if h is not None})
    return found


def fill_in(text: str, days: int) -> str:
    """The periods in a text, each from its one constant: the retention period, how long update
    ids are kept and how long the web door keeps the page shown last."""
    return (
        text.replace("{days}", str(days))
        .replace("{processed_days}", str(PROCESSED_UPDATES_DAYS))
        .replace("{page_hours}", str(whole_hours(PAGE_KEPT)))
    )


def _cell(words: Words) -> str:
    return f"{words.de}<br>*{words.en}*".replace("|", "\\|")


def _readers(readers: Iterable[Reader]) -> Words:
    chosen = [reader.value for reader in readers]
    return Words("; ".join(w.de for w in chosen), "; ".join(w.en for w in chosen))


def _bullets(items: Iterable[Words]) -> list[str]:
    return [f"- {item.de}  \n  *{item.en}*" for item in items]


def _table_section(name: str, table: Kept, columns: dict[str, Held]) -> list[str]:
    lines = [
        f"### `{name}`",
        "",
        f"{table.purpose.de}. *{table.purpose.en}.*",
        "",
        f"**Löschung / retention:** {table.retention.de}. *{table.retention.en}.*",
    ]
    if table.deleted_by:
        code = ", ".join(f"`{where}`" for where in table.deleted_by)
        lines += ["", f"Im Code / in the code: {code}"]
    lines += [
        "",
        "| Spalte / column | Inhalt / holds | personenbezogen? / personal? | Rechtsgrundlage / "
        "legal basis | Löschung / retention | lesen können / readable by |",
        "|---|---|---|---|---|---|",
    ]
    as_table = Words("wie die Tabelle", "as the table")
    for column_name, column in columns.items():
        label = column.personal.value
        personal = f"**{label.de}** (*{label.en}*): " + _cell(column.why)
        cells = (
            f"`{column_name}`",
            _cell(column.holds),
            personal,
            column.legal_basis,
            _cell(column.retention or as_table),
            _cell(_readers(column.readers)),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(retention_days: int = RETENTION_DAYS) -> str:
    """PRIVACY.md: what is stored, for how long, who can read it; German with English below."""
    lines = [
        "# Datenschutz: was comehome speichert · Privacy: what comehome stores",
        "",
        GENERATED,
        "",
        "Für die oder den Datenschutzbeauftragten und den Betrieb. Jede Tabelle und jede Spalte "
        "der Datenbank steht hier; ein Test prüft das gegen den Code. `comehome privacy record` "
        "druckt dasselbe als Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO), mit Namen "
        "und Anschrift des Büros aus der Konfiguration.",
        "",
        "*For the data protection officer and the operator. Every table and column of the "
        "database is listed here; a test checks this against the code. `comehome privacy "
        "record` prints the same as a record of processing activities (Art. 30 GDPR), with the "
        "office's name and address from the configuration.*",
        "",
        f"Rechtsgrundlagen trägt das Büro ein; bis dahin steht dort „{TO_FILL}“. "
        "*The office fills in the legal bases.*",
        "",
        "## Empfänger · Recipients",
        "",
        *_bullets(RECIPIENTS),
        *_bullets(Words(*statement) for statement in DESTINATIONS),
        "",
        "## Die freie Notiz · The free note",
        "",
        *_bullets(Words(*statement) for statement in NOTE),
        "",
        "## Was Telegram selbst speichert · What Telegram itself stores",
        "",
        *_bullets(TELEGRAM),
        "",
        "## Die Web-Tür: ohne Telegram · The web door: without Telegram",
        "",
        *_bullets(WEB_DOOR),
        "",
        "## Was /delete bewirkt · What /delete does",
        "",
        *_bullets(ON_DELETE),
        *_bullets(Words(*statement) for statement in ON_DELETE_QUEUED),
        "",
        "## Gelöscht heißt: aus den Dateien · Deleted means: gone from the files",
        "",
        *_bullets(Words(*statement) for statement in ERASURE),
        "",
        "## Außerhalb der Datenbank · Outside the database",
        "",
        *_bullets(OUTSIDE_DATABASE),
        "",
        "## Offene Punkte · Open points",
        "",
        *_bullets(OPEN_POINTS),
        "",
        "## Tabellen und Spalten · Tables and columns",
    ]
    for name, (table, columns) in described().items():
        lines += ["", *_table_section(name, table, columns)]
    return fill_in("\n".join(lines) + "\n", retention_days)
