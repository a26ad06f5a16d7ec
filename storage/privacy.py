"""The words in which every table and column says what it holds, whether that is personal data,
who reads it and when it is deleted. Each description is kept on the column itself (SQLAlchemy's
`info`, which is no DDL: adding or changing one needs no migration); PRIVACY.md and the Art. 30
record (bot/privacy/) are rendered from them, and a test fails when a column has none.

In the texts, "{days}" is the retention period (`COMEHOME_RETENTION_DAYS`), "{processed_days}"
how long update ids are kept (the retention job's) and "{page_hours}" how long the web door keeps
the page shown last (`storage.web_pages.PAGE_KEPT`); each is filled in when rendered.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from sqlalchemy import Column as SqlColumn
from sqlalchemy import MetaData
from sqlalchemy import Table as SqlTable

KEY = "privacy"  # the key of a description in `Column.info` and `Table.info`
TO_FILL = "(vom Büro auszufüllen)"


class Words(NamedTuple):
    """One statement in German (the office's language) and in English (the project's)."""

    de: str
    en: str


class Personal(Enum):
    """Whether a column holds personal data in the sense of Art. 4 No. 1 GDPR."""

    YES = Words("ja", "yes")
    PSEUDONYMOUS = Words("ja, pseudonymisiert", "yes, pseudonymised")
    SEALED = Words("ja, verschlüsselt", "yes, encrypted")
    NO = Words("nein", "no")


class Reader(Enum):
    """Who can read a column, and how."""

    BOT = Words("der Bot selbst", "the bot itself")
    CLIENT = Words("die Person selbst, im eigenen Chat", "the client, in their own chat")
    STAFF = Words(
        "Beratungsteam (Zusammenfassungen, Tagesübersicht, Staff-Befehle)",
        "counselling staff (summaries, daily agenda, staff commands)",
    )
    ADMIN = Words(
        "Büro-Admin und Betrieb (Kommandozeile, Datenbank)",
        "office admin and operator (command line, database)",
    )
    DATABASE = Words(
        "nur wer direkten Zugriff auf die Datenbank hat", "only whoever can open the database"
    )


@dataclass(frozen=True)
class Held:
    """One column: what it holds, whether that is personal data and why, and who reads it."""

    holds: Words
    personal: Personal
    why: Words
    readers: tuple[Reader, ...]
    retention: Words | None = None  # None: as its table
    legal_basis: str = TO_FILL


@dataclass(frozen=True)
class Kept:
    """One table: its purpose, and when its rows are deleted (and by which code)."""

    purpose: Words
    retention: Words
    deleted_by: tuple[str, ...] = ()  # "module:Qualified.name" of the code that deletes its rows


def about(description: Held | Kept) -> dict[str, Held | Kept]:
    """The `info=` of a column or a table that carries this description."""
    return {KEY: description}


def held(column: SqlColumn[object]) -> Held | None:
    """The description on a column, if it has one."""
    found = column.info.get(KEY)
    return found if isinstance(found, Held) else None


def kept(table: SqlTable) -> Kept | None:
    """The description on a table, if it has one."""
    found = table.info.get(KEY)
    return found if isinstance(found, Kept) else None


def undescribed(schema: MetaData) -> list[str]:
    """Every table and column of the schema that carries no description."""
    problems = []
    for name, table in schema.tables.items():
        if kept(table) is None:
            problems.append(f"table {name} is not described")
        problems += [
            f"column {name}.{column.name} is not described"
            for column in table.columns
            if held(column) is None
        ]
    return problems


# --- descriptions that recur --------------------------------------------------------------------

NOT_PERSONAL_SETTING = Words(
    "Einstellung des Büros, bezieht sich auf niemanden", "an office setting about nobody"
)
TECHNICAL = Words("technisch", "technical")
COUNSELLOR = Words("Beratende", "counsellor")
INTERPRETER = Words("Dolmetschende", "interpreter")
STAFF_CAN_SEE = (Reader.STAFF, Reader.ADMIN)


def technical(de: str, en: str, *readers: Reader) -> dict[str, Held | Kept]:
    """A column that says nothing about anybody (a counter, a time of sending, a channel)."""
    return about(
        Held(Words(de, en), Personal.NO, TECHNICAL, readers or (Reader.DATABASE,), legal_basis="—")
    )


def row_id() -> dict[str, Held | Kept]:
    return about(
        Held(
            Words("laufende Nummer der Zeile", "running number of the row"),
            Personal.NO,
            Words("technischer Schlüssel", "technical key"),
            (Reader.DATABASE,),
            legal_basis="—",
        )
    )


def office_id() -> dict[str, Held | Kept]:
    return about(
        Held(
            Words("Kennung des Büros, z. B. „muenchen“", "the office's id, e.g. “muenchen”"),
            Personal.NO,
            Words("benennt das Büro, nicht eine Person", "names the office, not a person"),
            (Reader.DATABASE,),
            legal_basis="—",
        )
    )


def setting(de: str, en: str) -> dict[str, Held | Kept]:
    return about(
        Held(Words(de, en), Personal.NO, NOT_PERSONAL_SETTING, (Reader.ADMIN,), legal_basis="—")
    )


def work_time(de: str, en: str, whose: Words) -> dict[str, Held | Kept]:
    return about(
        Held(
            Words(de, en),
            Personal.YES,
            Words(
                f"Arbeitszeit einer namentlich geführten Person ({whose.de})",
                f"working time of a named person ({whose.en})",
            ),
            (Reader.ADMIN, Reader.STAFF),
        )
    )


CLIENT_KEY = Held(
    Words(
        "Pseudonym der Person: HMAC-SHA256(Pepper, Kanal + Telegram-Nutzerkennung, in der "
        "Web-Tür Kanal + Sitzungs-Token aus dem Cookie)",
        "the client's pseudonym: HMAC-SHA256(pepper, channel + Telegram user id, at the web door "
        "channel + the session token from the cookie)",
    ),
    Personal.PSEUDONYMOUS,
    Words(
        "ohne den Pepper (außerhalb der Datenbank) keiner Person zuzuordnen; mit ihm und einer "
        "Telegram-Nutzerkennung (oder dem Cookie eines Browsers) nachprüfbar",
        "cannot be linked to anyone without the pepper (kept outside the database); with it and "
        "a Telegram user id (or a browser's cookie) it can be checked",
    ),
    (Reader.BOT, Reader.DATABASE),
)


def client_key(retention: Words | None = None) -> dict[str, Held | Kept]:
    """The client's pseudonym; `retention` where it is emptied before its row is deleted."""
    return about(dataclasses.replace(CLIENT_KEY, retention=retention))


SEALED_CHAT = Held(
    Words(
        "Chat-Kennung (in der Web-Tür ein Hashwert des Sitzungs-Tokens), mit AES-256-GCM "
        "verschlüsselt (Schlüssel-ID + Nonce + Geheimtext)",
        "the chat id (at the web door a hash of the session token), encrypted with AES-256-GCM "
        "(key id + nonce + ciphertext)",
    ),
    Personal.SEALED,
    Words(
        "nur mit dem Chat-Schlüssel lesbar, der außerhalb der Datenbank liegt",
        "readable only with the chat key, which is kept outside the database",
    ),
    (Reader.BOT,),
)

AFTER_SILENCE = Words(
    "gelöscht, wenn die Person {days} Tage nichts geschrieben hat und kein Termin von ihr mehr "
    "bevorsteht oder vor weniger als {days} Tagen stattfand oder abgesagt wurde (Einstellung "
    "`COMEHOME_RETENTION_DAYS`; der Bot prüft stündlich, auch `comehome purge`); sofort bei "
    "/delete und wenn die Person den Datenschutzhinweis ablehnt",
    "deleted once the client has written nothing for {days} days and has no appointment ahead "
    "or held or cancelled less than {days} days ago (setting `COMEHOME_RETENTION_DAYS`; the bot "
    "checks hourly, also `comehome purge`); at once on /delete and when the client declines the "
    "privacy notice",
)
APPOINTMENT_KEPT = Words(
    "gelöscht {days} Tage nach dem Termin oder seiner Absage, mit seinen Erinnerungen (stündlich, "
    "auch `comehome purge`). Vorher, bei /delete und bei der Löschung des Gesprächs, wird die "
    "Person vom Termin gelöst (`client_key` leer) und ein noch bevorstehender Termin abgesagt",
    "deleted {days} days after the appointment or its cancellation, with its reminders (hourly, "
    "also `comehome purge`). Before that, on /delete and when the conversation is deleted, the "
    "client is detached (`client_key` emptied) and an appointment still ahead is cancelled",
)
UNTIL_OFFICE_REMOVES = Words(
    "bis das Büro sie ändert oder entfernt", "until the office changes or removes them"
)
