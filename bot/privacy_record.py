"""What comehome stores, for how long, and who can read it: one description of every table and
column, rendered as PRIVACY.md (`markdown`) and as the Art. 30 GDPR record (`record_of_processing`).

`tests/bot/test_privacy_doc.py` fails when a column of `storage.tables.metadata` is not described
here, when a description names a column that no longer exists, and when PRIVACY.md is stale.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from bot.config import Office, Settings, Smtp
from bot.privacy_promises import DESTINATIONS, ERASURE, NOTE, ON_DELETE_QUEUED
from bot.service.retention import PROCESSED_UPDATES_KEPT

TO_FILL = "(vom Büro auszufüllen)"


def _default_retention_days() -> int:
    """`Settings.retention_days` as shipped, so that PRIVACY.md states the real default."""
    default = Settings.__dataclass_fields__["retention_days"].default
    assert isinstance(default, int)
    return default


RETENTION_DAYS = _default_retention_days()
PROCESSED_UPDATES_DAYS = PROCESSED_UPDATES_KEPT.days
GENERATED = (
    "<!-- Generated from bot/privacy_record.py: do not edit by hand. After changing a table or "
    "that file, run `source .venv/bin/activate` once, then `comehome privacy page > PRIVACY.md`. "
    "The `comehome` commands below work the same way. -->"
)


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
class Column:
    """One column: what it holds, whether that is personal data and why, and who reads it."""

    holds: Words
    personal: Personal
    why: Words
    readers: tuple[Reader, ...]
    retention: Words | None = None  # None: as its table
    legal_basis: str = TO_FILL


@dataclass(frozen=True)
class Table:
    """One table: its purpose, when its rows are deleted (and by which code), and its columns."""

    purpose: Words
    retention: Words
    deleted_by: tuple[str, ...]  # "module:Qualified.name" of the code that deletes its rows
    columns: dict[str, Column] = field(default_factory=dict)


# --- columns that recur -------------------------------------------------------------------------

NOT_PERSONAL_SETTING = Words(
    "Einstellung des Büros, bezieht sich auf niemanden", "an office setting about nobody"
)


def row_id() -> Column:
    return Column(
        Words("laufende Nummer der Zeile", "running number of the row"),
        Personal.NO,
        Words("technischer Schlüssel", "technical key"),
        (Reader.DATABASE,),
        legal_basis="—",
    )


def office_id() -> Column:
    return Column(
        Words("Kennung des Büros, z. B. „muenchen“", "the office's id, e.g. “muenchen”"),
        Personal.NO,
        Words("benennt das Büro, nicht eine Person", "names the office, not a person"),
        (Reader.DATABASE,),
        legal_basis="—",
    )


def setting(de: str, en: str) -> Column:
    return Column(
        Words(de, en), Personal.NO, NOT_PERSONAL_SETTING, (Reader.ADMIN,), legal_basis="—"
    )


def work_time(de: str, en: str, whose: Words) -> Column:
    return Column(
        Words(de, en),
        Personal.YES,
        Words(
            f"Arbeitszeit einer namentlich geführten Person ({whose.de})",
            f"working time of a named person ({whose.en})",
        ),
        (Reader.ADMIN, Reader.STAFF),
    )


COUNSELLOR = Words("Beratende", "counsellor")
INTERPRETER = Words("Dolmetschende", "interpreter")
CLIENT_KEY = Column(
    Words(
        "Pseudonym der Person: HMAC-SHA256(Pepper, Kanal + Telegram-Nutzerkennung)",
        "the client's pseudonym: HMAC-SHA256(pepper, channel + Telegram user id)",
    ),
    Personal.PSEUDONYMOUS,
    Words(
        "ohne den Pepper (außerhalb der Datenbank) keiner Person zuzuordnen; mit ihm und einer "
        "Telegram-Nutzerkennung nachprüfbar",
        "cannot be linked to anyone without the pepper (kept outside the database); with it and "
        "a Telegram user id it can be checked",
    ),
    (Reader.BOT, Reader.DATABASE),
)
SEALED_CHAT = Column(
    Words(
        "Chat-Kennung, mit AES-256-GCM verschlüsselt (Schlüssel-ID + Nonce + Geheimtext)",
        "the chat id, encrypted with AES-256-GCM (key id + nonce + ciphertext)",
    ),
    Personal.SEALED,
    Words(
        "nur mit dem Chat-Schlüssel lesbar, der außerhalb der Datenbank liegt",
        "readable only with the chat key, which is kept outside the database",
    ),
    (Reader.BOT,),
)
STAFF_CAN_SEE = (Reader.STAFF, Reader.ADMIN)

# --- every table --------------------------------------------------------------------------------

# "{days}" is the retention period in days (`COMEHOME_RETENTION_DAYS`), filled in when rendered.
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

COLUMNS: dict[str, Table] = {
    "conversations": Table(
        Words(
            "Stand des Gesprächs einer Person: Schritt, Sprache, Antworten der Vorab-Aufnahme",
            "where a client's conversation stands: step, language, intake answers",
        ),
        AFTER_SILENCE,
        (
            "storage.retention:Retention.purge_silent",
            "bot.service.retention:run",
            "bot.cli:cmd_purge",
            "flows.journey:on_delete",
            "flows.journey:on_privacy",
        ),
        {
            "client_key": CLIENT_KEY,
            "office_id": office_id(),
            "state": Column(
                Words(
                    "aktueller Schritt, z. B. „intake.country“",
                    "current step, e.g. “intake.country”",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "gehört zum Pseudonym; sagt nichts über die Person",
                    "belongs to the pseudonym; says nothing about the person",
                ),
                (Reader.BOT, Reader.DATABASE),
            ),
            "locale": Column(
                Words("gewählte Sprache, z. B. „ar“", "chosen language, e.g. “ar”"),
                Personal.PSEUDONYMOUS,
                Words(
                    "gehört zum Pseudonym; kann auf die Herkunft hindeuten",
                    "belongs to the pseudonym; may hint at origin",
                ),
                (Reader.BOT, Reader.STAFF, Reader.DATABASE),
            ),
            "answers": Column(
                Words(
                    "Antworten der Vorab-Aufnahme: Rückkehrland, Zahl der Erwachsenen und "
                    "Minderjährigen, Aufenthaltssituation, Aufenthaltsdauer, Interessen (auch "
                    "„medizinischer Bedarf“), Dolmetschsprache, freie Notiz (höchstens 300 "
                    "Zeichen, vor dem Speichern bereinigt, siehe „Die freie Notiz“). Kein Name, "
                    "keine Adresse, kein "
                    "Geburtsdatum, keine Akten- oder Ausweisnummer",
                    "intake answers: country of return, number of adults and minors, residence "
                    "situation, length of stay, interests (also “medical needs”), interpreter "
                    "language, free note (fewer than 300 characters, scrubbed before it is "
                    "stored, see “The free note”). No name, "
                    "address, date of birth, file or ID number",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "gehört zum Pseudonym; Aufenthaltsstatus und „medizinischer Bedarf“ sind "
                    "sensibel (Gesundheit: Art. 9 DSGVO), die Notiz ist freier Text",
                    "belongs to the pseudonym; residence status and “medical needs” are "
                    "sensitive (health: Art. 9 GDPR), the note is free text",
                ),
                (Reader.CLIENT, Reader.STAFF, Reader.DATABASE),
            ),
            "data": Column(
                Words(
                    "Arbeitsstand des Dialogs: Hinweis zugestimmt, Aufnahme fertig, gewählter "
                    "Termin-Slot, Seite der Terminliste, Rücksprungpunkt; vor dem Hinweis der aus "
                    "Telegrams `language_code` abgeleitete Sprachvorschlag (danach gelöscht)",
                    "the dialogue's working state: notice accepted, intake done, chosen slot, "
                    "page of the slot list, where to return; before the notice, the language "
                    "suggested from Telegram's `language_code` (removed afterwards)",
                ),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym", "belongs to the pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            ),
            "chat_ref": SEALED_CHAT,
            "version": Column(
                Words(
                    "Zähler der Schritte (gegen gleichzeitige Änderungen)",
                    "step counter (against concurrent changes)",
                ),
                Personal.NO,
                Words("technisch", "technical"),
                (Reader.DATABASE,),
                legal_basis="—",
            ),
            "updated_at": Column(
                Words("Zeitpunkt der letzten Nachricht (UTC)", "time of the last message (UTC)"),
                Personal.PSEUDONYMOUS,
                Words(
                    "gehört zum Pseudonym; bestimmt die Löschfrist",
                    "belongs to the pseudonym; starts the retention period",
                ),
                (Reader.BOT, Reader.DATABASE),
            ),
            "channel": Column(
                Words(
                    "Zugang: „telegram“ oder „terminal“ (Demo)",
                    "the door: “telegram” or “terminal” (demo)",
                ),
                Personal.NO,
                Words("technisch", "technical"),
                (Reader.BOT, Reader.DATABASE),
                legal_basis="—",
            ),
        },
    ),
    "processed_updates": Table(
        Words(
            "Nummern bereits verarbeiteter Telegram-Updates, damit keine Nachricht doppelt zählt",
            "numbers of Telegram updates already processed, so that no message counts twice",
        ),
        Words(
            f"gelöscht nach {PROCESSED_UPDATES_DAYS} Tagen (stündlich geprüft)",
            f"deleted after {PROCESSED_UPDATES_DAYS} days (checked hourly)",
        ),
        (
            "storage.retention:Retention.prune_processed",
            "bot.service.retention:run",
        ),
        {
            "update_id": Column(
                Words(
                    "laufende Nummer des Updates bei Telegram",
                    "Telegram's running number of the update",
                ),
                Personal.NO,
                Words(
                    "in der Datenbank mit keiner Person und keinem Gespräch verknüpft",
                    "linked to no person and no conversation in the database",
                ),
                (Reader.DATABASE,),
                legal_basis="—",
            ),
            "processed_at": Column(
                Words("Zeitpunkt der Verarbeitung (UTC)", "when it was processed (UTC)"),
                Personal.NO,
                Words("mit niemandem verknüpft", "linked to nobody"),
                (Reader.DATABASE,),
                legal_basis="—",
            ),
        },
    ),
    "outbox": Table(
        Words(
            "Antworten und Zusammenfassungen, die zusammen mit dem Gesprächsschritt gespeichert "
            "und danach gesendet werden, damit bei einem Absturz nichts verloren geht",
            "replies and summaries stored together with the conversation step and sent "
            "afterwards, so that nothing is lost in a crash",
        ),
        Words(
            "gelöscht, sobald die Nachricht gesendet ist (meist nach Sekunden; danach bleibt "
            "nur die Nummer der Nachricht in `sent_messages`); scheitert das Senden, wird es "
            "wieder versucht, höchstens etwa einen Tag lang, und sofort aufgegeben, wenn die "
            "Person den Bot blockiert hat",
            "deleted as soon as the message is sent (usually within seconds; only the message's "
            "number stays, in `sent_messages`); if sending fails it is retried for about a day "
            "at most, and given up at once when the client blocked the bot",
        ),
        ("storage.outbox:Outbox.mark", "storage.outbox:Outbox.failed"),
        {
            "id": row_id(),
            "chat_ref": Column(
                Words(
                    "Empfänger, mit AES-256-GCM verschlüsselt: Chat der Person, Staff-Chat oder "
                    "Büro-Postfach",
                    "recipient, encrypted with AES-256-GCM: the client's chat, a staff chat or "
                    "the office mailbox",
                ),
                Personal.SEALED,
                SEALED_CHAT.why,
                (Reader.BOT,),
            ),
            "locale": Column(
                Words(
                    "Sprache, in der die Nachricht geschrieben wird",
                    "the language the message is written in",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "gehört zur (verschlüsselten) Empfängerin",
                    "belongs to the (encrypted) recipient",
                ),
                (Reader.BOT, Reader.DATABASE),
            ),
            "payload": Column(
                Words(
                    "die Nachrichten als Text-Kennungen mit Parametern: an die Person z. B. "
                    "Termin, Fallcode, eigene Antworten; an das Team die Zusammenfassung mit den "
                    "Antworten der Vorab-Aufnahme und der bereinigten Notiz; nach /delete die "
                    "Nummern der Nachrichten, die der Bot im Chat löschen soll; die Kennung des "
                    "Büros, dessen Adresse die Nachrichten zeigen; bei einer Zusammenfassung das "
                    "Pseudonym der Person (`about`), damit /delete sie vor dem Senden "
                    "zurückziehen kann",
                    "the messages as text ids with parameters: to the client e.g. appointment, "
                    "case code, their own answers; to staff the summary with the intake answers "
                    "and the scrubbed note; after /delete the numbers of the messages the bot is "
                    "to delete in the chat; the id of the office whose address the messages show; "
                    "on a summary the client's pseudonym (`about`), so that /delete can withdraw "
                    "it before it is sent",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "Inhalt wie `conversations.answers`; Empfänger verschlüsselt; die Zeile wird "
                    "nach dem Senden gelöscht",
                    "content as `conversations.answers`; recipient encrypted; the row is deleted "
                    "once sent",
                ),
                (Reader.BOT, Reader.DATABASE),
            ),
            "attempts": Column(
                Words("Zahl der Sendeversuche", "number of attempts to send"),
                Personal.NO,
                Words("technisch", "technical"),
                (Reader.DATABASE,),
                legal_basis="—",
            ),
            "next_attempt_at": Column(
                Words("nächster Sendeversuch (UTC)", "next attempt to send (UTC)"),
                Personal.NO,
                Words("technisch", "technical"),
                (Reader.DATABASE,),
                legal_basis="—",
            ),
            "channel": Column(
                Words(
                    "Weg: „telegram“, „terminal“ oder „email“",
                    "way: “telegram”, “terminal” or “email”",
                ),
                Personal.NO,
                Words("technisch", "technical"),
                (Reader.DATABASE,),
                legal_basis="—",
            ),
            "sent_parts": Column(
                Words(
                    "wie viele der Nachrichten schon angekommen sind (nach einem Absturz wird "
                    "nur der Rest gesendet)",
                    "how many of the messages have arrived already (after a crash only the rest "
                    "is sent)",
                ),
                Personal.NO,
                Words("technisch", "technical"),
                (Reader.DATABASE,),
                legal_basis="—",
            ),
        },
    ),
    "daily_counts": Table(
        Words(
            "anonyme Tageszahlen für Zuwendungsgeber (Gespräche, Aufnahmen, Termine, Ausreisen "
            "nach Land, Sprachen, Dolmetschung) und die Marke „Tagesübersicht gesendet“",
            "anonymous daily counts for funders (conversations, intakes, appointments, "
            "departures by country, languages, interpreting) and the “agenda sent” marker",
        ),
        Words(
            "bleiben; sie enthalten weder Pseudonym noch Uhrzeit und überdauern jede Löschung",
            "kept; they hold neither pseudonym nor time of day and outlive every deletion",
        ),
        (),
        {
            "day": Column(
                Words("Tag (nur Datum)", "day (date only)"),
                Personal.NO,
                Words("Teil einer Zählung ohne Personenbezug", "part of a count about nobody"),
                (Reader.ADMIN, Reader.STAFF),
                legal_basis="—",
            ),
            "office_id": office_id(),
            "metric": Column(
                Words(
                    "was gezählt wird, z. B. „booked“, „language:ar“, „departed:GE“",
                    "what is counted, e.g. “booked”, “language:ar”, “departed:GE”",
                ),
                Personal.NO,
                Words(
                    "ohne Pseudonym; bei sehr kleinen Tageszahlen nur für Eingeweihte deutbar, "
                    "darum zeigt `comehome stats` nur Summen über Zeiträume",
                    "no pseudonym; with very small daily numbers only insiders could read "
                    "anything into them, which is why `comehome stats` shows sums over periods",
                ),
                (Reader.ADMIN, Reader.STAFF),
                legal_basis="—",
            ),
            "count": Column(
                Words("die Zahl", "the number"),
                Personal.NO,
                Words("eine Summe", "a sum"),
                (Reader.ADMIN, Reader.STAFF),
                legal_basis="—",
            ),
        },
    ),
    "office_settings": Table(
        Words("Regeln der Terminvergabe des Büros", "the office's booking rules"),
        UNTIL_OFFICE_REMOVES,
        (),
        {
            "office_id": office_id(),
            "appointment_minutes": setting(
                "Dauer eines Termins (Minuten)", "length of an appointment (minutes)"
            ),
            "buffer_minutes": setting(
                "Pause zwischen Terminen (Minuten)", "pause between appointments (minutes)"
            ),
            "horizon_days": setting(
                "wie weit im Voraus gebucht werden kann (Tage)",
                "how far ahead clients can book (days)",
            ),
            "notice_working_days": setting(
                "frühester Termin in Arbeitstagen", "earliest booking in working days"
            ),
            "interpreter_notice_working_days": setting(
                "frühester Termin mit Dolmetschung in Arbeitstagen",
                "earliest booking with an interpreter in working days",
            ),
            "languages_without_interpreter": setting(
                "Sprachen ohne Dolmetschung, z. B. „de,en“",
                "languages needing no interpreter, e.g. “de,en”",
            ),
            "yearly_closures": setting(
                "jährliche Schließtage, z. B. „12-24,12-31“",
                "yearly closure days, e.g. “12-24,12-31”",
            ),
            "holiday_subdivision": setting(
                "Bundesland für Feiertage, z. B. „BY“", "state for public holidays, e.g. “BY”"
            ),
            "holiday_categories": setting(
                "Feiertagsarten, z. B. „public,catholic“",
                "kinds of holidays, e.g. “public,catholic”",
            ),
        },
    ),
    "counsellors": Table(
        Words("die Beratenden des Büros", "the office's counsellors"),
        Words(
            "bleibt; die Kommandozeile kann umbenennen, aber nicht entfernen",
            "kept; the command line can rename but not remove them",
        ),
        (),
        {
            "id": Column(
                Words("kurze Kennung, z. B. „c1“", "short id, e.g. “c1”"),
                Personal.YES,
                Words("verweist auf eine namentlich geführte Person", "points to a named person"),
                (Reader.ADMIN, Reader.DATABASE),
            ),
            "office_id": office_id(),
            "name": Column(
                Words(
                    "Name, wie das Team ihn sieht (das Büro wählt ihn)",
                    "name as staff see it (chosen by the office)",
                ),
                Personal.YES,
                Words("Name einer beschäftigten Person", "name of an employee"),
                STAFF_CAN_SEE,
            ),
        },
    ),
    "counsellor_hours": Table(
        Words(
            "wöchentliche Beratungszeiten je Beratende", "weekly counselling hours per counsellor"
        ),
        UNTIL_OFFICE_REMOVES,
        (),
        {
            "counsellor_id": work_time("wessen Zeiten", "whose hours", COUNSELLOR),
            "weekday": work_time("Wochentag (0 = Montag)", "weekday (0 = Monday)", COUNSELLOR),
            "opens": work_time("Beginn (Ortszeit München)", "start (Munich time)", COUNSELLOR),
            "closes": work_time("Ende (Ortszeit München)", "end (Munich time)", COUNSELLOR),
        },
    ),
    "closure_days": Table(
        Words("Tage, an denen das Büro geschlossen ist", "days the office is closed"),
        UNTIL_OFFICE_REMOVES,
        (),
        {"office_id": office_id(), "day": setting("Schließtag", "closure day")},
    ),
    "extra_slots": Table(
        Words(
            "zusätzliche einzelne Termine einer Beratenden", "single extra slots of a counsellor"
        ),
        UNTIL_OFFICE_REMOVES,
        (),
        {
            "counsellor_id": work_time("wessen Termin", "whose slot", COUNSELLOR),
            "starts_at": work_time("Beginn (UTC)", "start (UTC)", COUNSELLOR),
            "ends_at": work_time("Ende (UTC)", "end (UTC)", COUNSELLOR),
        },
    ),
    "blocked_slots": Table(
        Words("gesperrte Zeiten einer Beratenden", "blocked times of a counsellor"),
        UNTIL_OFFICE_REMOVES,
        (),
        {
            "counsellor_id": work_time("wessen Sperre", "whose block", COUNSELLOR),
            "starts_at": work_time("Beginn (UTC)", "start (UTC)", COUNSELLOR),
            "ends_at": work_time("Ende (UTC)", "end (UTC)", COUNSELLOR),
        },
    ),
    "interpreters": Table(
        Words("Dolmetschende des Büros", "the office's interpreters"),
        Words(
            "bleibt; `comehome interpreters remove` setzt nur `active` auf falsch, die Zeile "
            "bleibt (gebuchte Termine verweisen auf sie)",
            "kept; `comehome interpreters remove` only sets `active` to false, the row stays "
            "(booked appointments point to it)",
        ),
        (),
        {
            "id": Column(
                Words("kurze Kennung aus dem Namen", "short id made from the name"),
                Personal.YES,
                Words("aus dem Namen gebildet", "made from the name"),
                (Reader.ADMIN, Reader.DATABASE),
            ),
            "office_id": office_id(),
            "name": Column(
                Words("Name, wie das Team ihn sieht", "name as staff see it"),
                Personal.YES,
                Words(
                    "Name einer (oft freiberuflichen) Person", "name of a (often freelance) person"
                ),
                STAFF_CAN_SEE,
            ),
            "active": Column(
                Words("wird noch eingeplant", "still scheduled"),
                Personal.YES,
                Words("Angabe über eine benannte Person", "a fact about a named person"),
                (Reader.ADMIN,),
            ),
        },
    ),
    "interpreter_languages": Table(
        Words("Sprachen je Dolmetschende", "languages per interpreter"),
        UNTIL_OFFICE_REMOVES,
        (),
        {
            "interpreter_id": work_time("wessen Sprache", "whose language", INTERPRETER),
            "language": work_time(
                "Sprachcode, z. B. „fa_AF“", "language code, e.g. “fa_AF”", INTERPRETER
            ),
        },
    ),
    "interpreter_hours": Table(
        Words("wöchentliche Verfügbarkeit je Dolmetschende", "weekly availability per interpreter"),
        UNTIL_OFFICE_REMOVES,
        (),
        {
            "interpreter_id": work_time("wessen Zeiten", "whose hours", INTERPRETER),
            "weekday": work_time("Wochentag (0 = Montag)", "weekday (0 = Monday)", INTERPRETER),
            "opens": work_time("Beginn (Ortszeit München)", "start (Munich time)", INTERPRETER),
            "closes": work_time("Ende (Ortszeit München)", "end (Munich time)", INTERPRETER),
        },
    ),
    "on_request_languages": Table(
        Words(
            "Sprachen, für die ein externer Dienst auf Anfrage dolmetscht",
            "languages an outside service interprets on request",
        ),
        UNTIL_OFFICE_REMOVES,
        (),
        {"office_id": office_id(), "language": setting("Sprachcode", "language code")},
    ),
    "appointments": Table(
        Words(
            "gebuchte (und früher gebuchte) Beratungstermine",
            "booked (and formerly booked) counselling appointments",
        ),
        APPOINTMENT_KEPT,
        (
            "storage.retention:Retention.purge_appointments",
            "storage.booking:AppointmentBook.delete_for_client",
        ),
        {
            "id": row_id(),
            "office_id": office_id(),
            "case_code": Column(
                Words(
                    "Fallcode aus 8 Zeichen, zufällig; die Person nennt ihn im Büro",
                    "random 8-character case code; the client shows it at the office",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "verbindet Termin, Zusammenfassungen und Protokoll; ohne Gespräch sagt sie "
                    "über die Person nichts",
                    "links appointment, summaries and audit log; without the conversation it says "
                    "nothing about the person",
                ),
                (Reader.CLIENT, Reader.STAFF, Reader.ADMIN),
            ),
            "client_key": dataclasses.replace(
                CLIENT_KEY,
                retention=Words(
                    "geleert bei /delete und wenn das Gespräch gelöscht wird",
                    "emptied on /delete and when the conversation is deleted",
                ),
            ),
            "counsellor_id": Column(
                Words("bei wem der Termin ist", "who counsels"),
                Personal.YES,
                Words("Arbeitseinsatz einer Beratenden", "a counsellor's assignment"),
                STAFF_CAN_SEE,
            ),
            "starts_at": Column(
                Words("Beginn (UTC)", "start (UTC)"),
                Personal.PSEUDONYMOUS,
                Words(
                    "Termin einer Person (über Pseudonym bzw. Fallcode)",
                    "a client's appointment (via pseudonym or case code)",
                ),
                (Reader.CLIENT, Reader.STAFF, Reader.ADMIN),
            ),
            "ends_at": Column(
                Words("Ende (UTC)", "end (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("wie `starts_at`", "as `starts_at`"),
                (Reader.CLIENT, Reader.STAFF, Reader.ADMIN),
            ),
            "language": Column(
                Words("Sprache der Beratung", "counselling language"),
                Personal.PSEUDONYMOUS,
                Words("kann auf die Herkunft hindeuten", "may hint at origin"),
                (Reader.CLIENT, Reader.STAFF, Reader.ADMIN),
            ),
            "interpreter_id": Column(
                Words("gebuchte Dolmetschende", "booked interpreter"),
                Personal.YES,
                Words("Arbeitseinsatz einer Dolmetschenden", "an interpreter's assignment"),
                STAFF_CAN_SEE,
            ),
            "interpreter_status": Column(
                Words("„none“, „confirmed“ oder „requested“", "“none”, “confirmed” or “requested”"),
                Personal.PSEUDONYMOUS,
                Words("Angabe zum Termin einer Person", "a fact about a client's appointment"),
                (Reader.CLIENT, Reader.STAFF, Reader.ADMIN),
            ),
            "status": Column(
                Words(
                    "„booked“, „cancelled“, „held“, „no_show“ oder „departed“ (ausgereist)",
                    "“booked”, “cancelled”, “held”, “no_show” or “departed”",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "„departed“ sagt, dass die Person ausgereist ist",
                    "“departed” says that the client has left Germany",
                ),
                (Reader.CLIENT, Reader.STAFF, Reader.ADMIN),
            ),
            "sequence": Column(
                Words(
                    "Änderungszähler für die Kalenderdatei (.ics)",
                    "change counter for the calendar file (.ics)",
                ),
                Personal.NO,
                Words("technisch", "technical"),
                (Reader.DATABASE,),
                legal_basis="—",
            ),
            "created_at": Column(
                Words("wann gebucht wurde (UTC)", "when it was booked (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("Angabe zum Termin einer Person", "a fact about a client's appointment"),
                (Reader.ADMIN, Reader.DATABASE),
            ),
            "cancelled_at": Column(
                Words("wann abgesagt wurde (UTC)", "when it was cancelled (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("Angabe zum Termin einer Person", "a fact about a client's appointment"),
                (Reader.ADMIN, Reader.DATABASE),
            ),
        },
    ),
    "reminders": Table(
        Words(
            "Erinnerungen 24 und 2 Stunden vor einem Termin",
            "reminders 24 and 2 hours before an appointment",
        ),
        Words(
            "gelöscht bei Absage, Verlegung und Abschluss des Termins, bei /delete und mit dem "
            "Termin",
            "deleted when the appointment is cancelled, moved or closed, on /delete and with the "
            "appointment",
        ),
        (
            "storage.retention:Retention.purge_appointments",
            "storage.booking:AppointmentBook.cancel",
            "storage.booking:AppointmentBook.set_status",
            "storage.booking:AppointmentBook.delete_for_client",
        ),
        {
            "id": row_id(),
            "appointment_id": Column(
                Words("zu welchem Termin", "which appointment"),
                Personal.PSEUDONYMOUS,
                Words("verweist auf den Termin einer Person", "points to a client's appointment"),
                (Reader.BOT, Reader.DATABASE),
            ),
            "kind": Column(
                Words("„24h“ oder „2h“", "“24h” or “2h”"),
                Personal.NO,
                Words("technisch", "technical"),
                (Reader.BOT, Reader.DATABASE),
                legal_basis="—",
            ),
            "due_at": Column(
                Words("wann zu senden (UTC)", "when to send (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("folgt aus dem Termin", "follows from the appointment"),
                (Reader.BOT, Reader.DATABASE),
            ),
            "claimed_at": Column(
                Words(
                    "wann ein Bot-Prozess sie zum Senden übernommen hat",
                    "when a bot process took it for sending",
                ),
                Personal.NO,
                Words("technisch", "technical"),
                (Reader.BOT, Reader.DATABASE),
                legal_basis="—",
            ),
            "sent_at": Column(
                Words("wann gesendet (UTC)", "when it was sent (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("sagt, dass die Person erinnert wurde", "says that the client was reminded"),
                (Reader.BOT, Reader.DATABASE),
            ),
        },
    ),
    "waiting_list": Table(
        Words(
            "Warteliste für Termine in einer Sprache, wenn keiner frei ist",
            "waiting list for appointments in a language when none is free",
        ),
        Words(
            "gelöscht, wenn die Person bucht, /delete sendet oder ihr Gespräch gelöscht wird",
            "deleted when the client books, sends /delete or their conversation is deleted",
        ),
        (
            "storage.retention:Retention.purge_silent",
            "storage.booking:AppointmentBook.book",
            "storage.booking:AppointmentBook.delete_for_client",
        ),
        {
            "id": row_id(),
            "office_id": office_id(),
            "client_key": CLIENT_KEY,
            "language": Column(
                Words("gewünschte Sprache", "wanted language"),
                Personal.PSEUDONYMOUS,
                Words(
                    "gehört zum Pseudonym; kann auf die Herkunft hindeuten",
                    "belongs to the pseudonym; may hint at origin",
                ),
                (Reader.BOT, Reader.DATABASE),
            ),
            "created_at": Column(
                Words("seit wann die Person wartet (UTC)", "since when the client waits (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym", "belongs to the pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            ),
            "notified_at": Column(
                Words(
                    "wann ihr ein freier Termin gemeldet wurde (UTC)",
                    "when a free slot was announced to them (UTC)",
                ),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym", "belongs to the pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            ),
        },
    ),
    "audit_log": Table(
        Words(
            "Protokoll der Staff-Befehle: wer (pseudonym) wann was mit welchem Fallcode getan hat",
            "log of staff commands: who (pseudonymous) did what, when, with which case code",
        ),
        Words(
            "gelöscht nach `COMEHOME_AUDIT_DAYS` Tagen (Voreinstellung 365; die Frist legt das "
            f"Büro fest {TO_FILL}), stündlich geprüft",
            "deleted after `COMEHOME_AUDIT_DAYS` days (default 365; the office sets the period), "
            "checked hourly",
        ),
        ("storage.retention:Retention.prune_audit",),
        {
            "id": row_id(),
            "at": Column(
                Words("Zeitpunkt (UTC)", "time (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("Handlung eines Teammitglieds", "an action of a staff member"),
                (Reader.ADMIN, Reader.DATABASE),
            ),
            "office_id": office_id(),
            "staff_key": Column(
                Words(
                    "Pseudonym des Teammitglieds: HMAC-SHA256(Pepper, „staff:“ + Telegram-Nutzerkennung)",
                    "the staff member's pseudonym: HMAC-SHA256(pepper, “staff:” + Telegram user id)",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "mit Pepper und der Kennungsliste des Teams zuzuordnen (gewollt: Nachvollziehbarkeit)",
                    "can be resolved with the pepper and the staff allow-list (intended: accountability)",
                ),
                (Reader.ADMIN, Reader.DATABASE),
            ),
            "action": Column(
                Words(
                    "Befehl, z. B. „case“, „held“, „cancel“, „confirm“, „stats“",
                    "command, e.g. “case”, “held”, “cancel”, “confirm”, “stats”",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "Handlung eines Teammitglieds an einem Fall",
                    "a staff member's action on a case",
                ),
                (Reader.ADMIN, Reader.DATABASE),
            ),
            "case_code": Column(
                Words(
                    "betroffener Fallcode (leer bei „stats“)",
                    "case code concerned (empty for “stats”)",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "verweist auf einen Termin, auch nachdem die Person /delete gesendet hat",
                    "points to an appointment, also after the client sent /delete",
                ),
                (Reader.ADMIN, Reader.DATABASE),
            ),
        },
    ),
    "sent_messages": Table(
        Words(
            "welche Nachrichten der Bot in einem Chat geschickt hat, damit /delete sie dort "
            "löschen kann, solange Telegram es erlaubt (48 Stunden)",
            "which messages the bot sent to a chat, so that /delete can remove them there while "
            "Telegram allows it (48 hours)",
        ),
        Words(
            "gelöscht, sobald Telegram das Löschen nicht mehr erlaubt (nach knapp 48 Stunden, "
            "stündlich geprüft), und bei /delete, wenn der Bot die Nachrichten im Chat löscht; die "
            "letzte Bestätigung nach /delete wird gar nicht vermerkt",
            "deleted once Telegram no longer allows deleting (after just under 48 hours, checked "
            "hourly), and on /delete, when the bot deletes the messages in the chat; the last "
            "confirmation after /delete is not recorded at all",
        ),
        (
            "storage.retention:Retention.prune_sent",
            "storage.outbox:Outbox.forget_recent",
            "bot.service.retention:run",
        ),
        {
            "chat_key": Column(
                Words(
                    "Pseudonym des Chats: HMAC-SHA256(Pepper, „chat:“ + Chat-Kennung); der Chat "
                    "einer Person oder ein Staff-Chat",
                    "the chat's pseudonym: HMAC-SHA256(pepper, “chat:” + chat id); a client's chat "
                    "or a staff chat",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "ohne den Pepper keinem Chat zuzuordnen; nicht mit `client_key` verknüpft",
                    "cannot be linked to a chat without the pepper; not linked to `client_key`",
                ),
                (Reader.BOT, Reader.DATABASE),
            ),
            "message_id": Column(
                Words(
                    "Nummer der Nachricht im Chat (nicht ihr Inhalt)",
                    "the message's number in the chat (not its content)",
                ),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym des Chats", "belongs to the chat's pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            ),
            "sent_at": Column(
                Words("wann gesendet (UTC)", "when it was sent (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym des Chats", "belongs to the chat's pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            ),
        },
    ),
    "web_return_codes": Table(
        Words(
            "Rückkehr-Codes der Web-Tür: damit eine Person ihr Gespräch auf einem anderen Gerät "
            "fortsetzen kann, wenn sie es möchte",
            "the web door's return codes: so that a client who asks for one can continue their "
            "conversation on another device",
        ),
        Words(
            "gelöscht mit dem Gespräch (Aufbewahrungsfrist wie oben, sofort bei /delete); ein "
            "neuer Code ersetzt den alten",
            "deleted with the conversation (retention as above, at once on /delete); a new code "
            "replaces the earlier one",
        ),
        (
            "storage.return_codes:forget",
            "storage.retention:Retention.purge_silent",
        ),
        {
            "code_key": Column(
                Words(
                    "HMAC-SHA256(Pepper, „return:“ + Code); der Code selbst wird nicht gespeichert",
                    "HMAC-SHA256(pepper, “return:” + code); the code itself is not stored",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "nur wer den Code kennt, findet die Zeile",
                    "only someone who knows the code can find the row",
                ),
                (Reader.BOT, Reader.DATABASE),
            ),
            "client_key": CLIENT_KEY,
            "token_ref": Column(
                Words(
                    "das Sitzungs-Token des Browsers, mit AES-256-GCM verschlüsselt",
                    "the browser's session token, encrypted with AES-256-GCM",
                ),
                Personal.SEALED,
                Words(
                    "nur mit dem Chat-Schlüssel lesbar, der außerhalb der Datenbank liegt",
                    "readable only with the chat key, which is kept outside the database",
                ),
                (Reader.BOT,),
            ),
            "created_at": Column(
                Words("wann der Code ausgegeben wurde (UTC)", "when the code was issued (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym der Person", "belongs to the client's pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            ),
        },
    ),
}

# --- beyond the tables --------------------------------------------------------------------------

RECIPIENTS: tuple[Words, ...] = (
    Words(
        "der eigene Chat der Person (über die Telegram-Bot-API): Antworten, Erinnerungen, "
        "Nachricht von der Warteliste, Kalenderdatei",
        "the client's own chat (through the Telegram Bot API): replies, reminders, waiting-list "
        "news, calendar file",
    ),
    Words(
        "die konfigurierten Staff-Chats (`staff_chat_ids`, `COMEHOME_STAFF_CHAT_IDS`): "
        "Zusammenfassung jeder Buchung, Verlegung und Absage mit den Antworten der "
        "Vorab-Aufnahme und der bereinigten Notiz (bei /delete ohne sie), Tagesübersicht, "
        "Antworten auf Staff-Befehle",
        "the configured staff chats (`staff_chat_ids`, `COMEHOME_STAFF_CHAT_IDS`): a summary of "
        "each booking, move and cancellation with the intake answers and the scrubbed note "
        "(without them on /delete), the daily agenda, answers to staff commands",
    ),
    Words(
        "das Postfach des Büros (`COMEHOME_SMTP_TO`) über den Mailserver des Büros, mit "
        "STARTTLS: dieselben Zusammenfassungen und die Tagesübersicht",
        "the office mailbox (`COMEHOME_SMTP_TO`) through the office's mail server, with "
        "STARTTLS: the same summaries and the daily agenda",
    ),
    Words(
        "sonst niemand: kein Export, keine Schnittstelle, keine Verbindung zu einer Behörde; "
        "die Ausländerbehörde wird nicht informiert",
        "nobody else: no export, no API, no link to any authority; the immigration authority "
        "is not informed",
    ),
)

TELEGRAM: tuple[Words, ...] = (
    Words(
        "Chats mit Bots sind nicht Ende-zu-Ende-verschlüsselt und liegen auf Telegrams Servern: "
        "alles, was die Person schreibt (auch was der Bot nicht speichert, etwa weitergeleitete "
        "Nachrichten, Fotos, Kontakte), und alle Antworten des Bots.",
        "Chats with bots are not end-to-end encrypted and are stored on Telegram's servers: "
        "everything the client writes (also what the bot does not store, such as forwarded "
        "messages, photos, contacts) and every reply of the bot.",
    ),
    Words(
        "Telegram kennt die Telefonnummer der Person. Telegram sagt, es könne IP-Adresse und "
        "Telefonnummer auf gerichtliche Anordnung in Strafsachen an Justizbehörden herausgeben.",
        "Telegram knows the client's phone number. It says it may give the IP address and phone "
        "number to judicial authorities when ordered to in criminal cases.",
    ),
    Words(
        "Der Bot kann eigene Nachrichten nur löschen, solange sie jünger als 48 Stunden sind; "
        "die Person kann den ganzen Chat jederzeit für beide Seiten löschen.",
        "The bot can delete its own messages only while they are less than 48 hours old; the "
        "client can delete the whole chat for both sides at any time.",
    ),
    Words(
        "Mit jeder Nachricht schickt Telegram dem Bot Nutzer- und Chat-Kennung, Vorname, "
        "gegebenenfalls Nachname, Benutzername und Spracheinstellung. Der Bot bildet aus den "
        "Kennungen das Pseudonym und die verschlüsselte Chat-Kennung, nutzt die "
        "Spracheinstellung für einen Sprachvorschlag und verwirft den Rest: nichts davon kommt "
        "im Klartext in die Datenbank oder in die Protokolle.",
        "With every message Telegram sends the bot the user and chat id, first name, possibly "
        "last name, username and language setting. The bot makes the pseudonym and the "
        "encrypted chat id from the ids, uses the language setting to suggest a language and "
        "drops the rest: none of it reaches the database or the logs in clear.",
    ),
    Words(
        "Die Staff-Chats sind gewöhnliche Telegram-Gruppen: die Zusammenfassungen liegen dort "
        "(und auf Telegrams Servern), bis das Team sie löscht.",
        "The staff chats are ordinary Telegram groups: the summaries stay there (and on "
        "Telegram's servers) until staff delete them.",
    ),
    Words(
        "Die Person kann das Büro auch ohne Telegram erreichen (Besuch, Telefon); der "
        "Datenschutzhinweis nennt diesen Weg.",
        "The client can reach the office without Telegram (visit, phone); the privacy notice "
        "says so.",
    ),
)

ON_DELETE: tuple[Words, ...] = (
    Words(
        "/delete (oder „Meine Daten löschen“ im Menü) fragt einmal nach; dann, in einer "
        "einzigen Transaktion mit dem Schritt:",
        "/delete (or “Delete my data” in the menu) asks once; then, in one transaction with the "
        "step:",
    ),
    Words(
        "wird die Zeile in `conversations` gelöscht: Antworten, Notiz, Sprache, verschlüsselte "
        "Chat-Kennung;",
        "the `conversations` row is deleted: answers, note, language, encrypted chat id;",
    ),
    Words(
        "wird die Person von allen ihren Terminen gelöst (`appointments.client_key` leer) und ein "
        "noch bevorstehender Termin abgesagt, damit Zeit und Dolmetschende wieder frei sind;",
        "the client is detached from all their appointments (`appointments.client_key` "
        "emptied) and an appointment still ahead is cancelled, so that the time and the "
        "interpreter are free again;",
    ),
    Words(
        "werden die Erinnerungen dieser Termine und der Eintrag auf der Warteliste gelöscht;",
        "the reminders of those appointments and the waiting-list entry are deleted;",
    ),
    Words(
        "werden die Nummern der Nachrichten des Bots in diesem Chat aus `sent_messages` "
        "gelöscht; die jüngeren als 48 Stunden löscht der Bot danach im Chat (deleteMessages). "
        "Ältere kann nur die Person löschen („Chat löschen“ in Telegram), und die letzte "
        "Nachricht sagt ihr das.",
        "the numbers of the bot's messages in this chat are deleted from `sent_messages`; the "
        "bot then deletes those younger than 48 hours in the chat (deleteMessages). Older ones "
        "only the client can delete (“Delete chat” in Telegram), as the last message tells them.",
    ),
    Words(
        "Hatte die Person einen gebuchten Termin, erfährt das Team nur „Termin von der Person abgesagt "
        "(Daten gelöscht)“ mit Fallcode, Zeit, Beratende, Sprache und Dolmetschung – ohne "
        "Antworten und ohne Notiz. Diese Nachricht und die letzte Bestätigung an die Person "
        "liegen bis zum Senden in `outbox`.",
        "If the client had a booked appointment, staff only learn “appointment cancelled by the client "
        "(data deleted)” with case code, time, counsellor, language and interpreter – no "
        "answers, no note. This message and the last confirmation to the client wait in "
        "`outbox` until sent.",
    ),
    Words(
        "Danach bleiben: die anonymen Tageszahlen; vergangene und abgesagte Termine ohne "
        "Pseudonym (Fallcode, Zeit, Sprache, Status) bis {days} Tage nach Termin oder Absage; "
        "Protokolleinträge mit dem Fallcode; die Nummer des Updates für "
        f"{PROCESSED_UPDATES_DAYS} Tage; schon gesendete Zusammenfassungen in Staff-Chats und "
        "im Postfach; bei Telegram der Chat, bis die Person ihn löscht.",
        "What stays: the anonymous daily counts; past and cancelled appointments without "
        "pseudonym (case code, time, language, status) until {days} days after the appointment "
        "or its cancellation; "
        f"audit entries with the case code; the update's number for {PROCESSED_UPDATES_DAYS} "
        "days; summaries already sent to staff chats and the mailbox; at Telegram, the chat "
        "until the client deletes it.",
    ),
    Words(
        "Wer den Datenschutzhinweis ablehnt, wird genauso gelöscht (es gibt dann nur das Gespräch).",
        "Declining the privacy notice deletes the same way (there is only the conversation then).",
    ),
)

OUTSIDE_DATABASE: tuple[Words, ...] = (
    Words(
        "Protokolle: keine Telegram-Kennungen, kein Nachrichtentext; nur Ereignisarten, Zahlen "
        "und Fehlerklassen. `httpx` und `telegram` loggen erst ab WARNING (httpx nennt sonst die "
        "URL mit dem Bot-Token); DEBUG ist im Produktivbetrieb verboten. Aufbewahrung der "
        f"Protokolle: {TO_FILL}",
        "Logs: no Telegram ids, no message text; only kinds of events, numbers and error "
        "classes. `httpx` and `telegram` log from WARNING only (httpx would log the URL with "
        "the bot token); DEBUG is refused in production. How long logs are kept: for the office "
        "to fill in",
    ),
    Words(
        "Schlüssel: Pepper und Chat-Schlüssel stehen im Produktivbetrieb in der Umgebung "
        "(`COMEHOME_PEPPER`, `COMEHOME_CHAT_KEYS`), nie in der Datenbank; ohne sie startet der "
        "Bot nicht. Zum Ausprobieren legt er sie in `var/secrets.toml` (nur für den Besitzer "
        "lesbar) an.",
        "Keys: in production the pepper and the chat keys live in the environment "
        "(`COMEHOME_PEPPER`, `COMEHOME_CHAT_KEYS`), never in the database; without them the bot "
        "does not start. For trying it out it makes them in `var/secrets.toml` (readable by "
        "its owner only).",
    ),
    Words(
        f"Sicherungen der Datenbank enthalten dieselben Daten; gelöschte Zeilen bleiben darin, "
        f"bis die Sicherung abläuft: {TO_FILL}",
        "Database backups hold the same data; deleted rows stay in them until the backup "
        "expires: for the office to fill in",
    ),
    Words(
        "Zusammenfassungen in Staff-Chats und im Postfach des Büros: wie lange sie bleiben, "
        f"regelt das Büro {TO_FILL}. Die Kalenderdatei (.ics) wird beim Senden erzeugt und "
        "nicht gespeichert.",
        "Summaries in staff chats and the office mailbox: the office decides how long they "
        "stay. The calendar file (.ics) is made when sent and not stored.",
    ),
    Words(
        "Betriebskennzahlen (`/metrics` am Webhook-Server, für Prometheus): nur Zähler ohne "
        "Personenbezug – Updates nach Art, Dauer eines Schritts, Sendefehler, Buchungen, "
        "Warteschlange; sie liegen nur im Speicher des Prozesses.",
        "Operational metrics (`/metrics` on the webhook server, for Prometheus): only counters "
        "about nobody – updates by kind, step duration, failed sends, bookings, backlog; they "
        "live only in the process's memory.",
    ),
    Words(
        "Web-Tür: ein zufälliges Sitzungs-Token (128 Bit) in einem Cookie (HttpOnly, SameSite="
        "Strict, Secure hinter TLS) ist die einzige Kennung; keine IP-Adresse, kein User-Agent, "
        "kein Referrer wird gespeichert oder protokolliert (kein Zugriffsprotokoll). Die zuletzt "
        "gezeigte Seite jeder Sitzung (mit Kalenderdatei) liegt bis zu zwei Stunden nur im "
        "Speicher des Prozesses, damit ein Neuladen dieselbe Seite zeigt; /delete entfernt sie "
        "und das Cookie sofort.",
        "Web door: a random session token (128 bits) in a cookie (HttpOnly, SameSite=Strict, "
        "Secure behind TLS) is the only identifier; no IP address, user agent or referrer is "
        "stored or logged (no access log). The last page shown to each session (with its "
        "calendar file) stays in the process's memory only, for up to two hours, so that a "
        "reload shows the same page; /delete removes it and the cookie at once.",
    ),
)

OPEN_POINTS: tuple[Words, ...] = (
    Words(
        "Die Fallcodes im Protokoll (`audit_log`) bleiben bis zu dessen Frist, auch wenn der "
        "Termin schon gelöscht ist. Die Frist (`COMEHOME_AUDIT_DAYS`) legt das Büro fest.",
        "Case codes in the audit log (`audit_log`) stay until its period ends, also after the "
        "appointment is gone. The office sets the period (`COMEHOME_AUDIT_DAYS`).",
    ),
)

CATEGORIES_OF_PEOPLE = (
    "Ratsuchende, die sich über eine freiwillige Rückkehr informieren (ohne Namen: nur unter "
    "Pseudonym), und die Angehörigen ihres Haushalts (nur als Anzahl)",
    "Beschäftigte des Büros: Beratende (Name, Arbeitszeiten); Mitglieder der Staff-Chats "
    "(nur als Pseudonym im Protokoll)",
    "Dolmetschende (Name, Sprachen, Verfügbarkeit, Einsätze)",
)

PURPOSES = (
    "Information über Rückkehrhilfen und ihre Bedingungen in der Sprache der Person",
    "anonyme Vorab-Aufnahme zur Vorbereitung der Beratung",
    "Vergabe, Erinnerung, Verlegung und Absage von Beratungsterminen mit Dolmetschung; Warteliste",
    "Information des Beratungsteams über Buchungen, Verlegungen und Absagen; Tagesübersicht",
    "Planung der Beratungszeiten und des Dolmetscheinsatzes",
    "anonyme Statistik für Zuwendungsgeber",
    "Nachvollziehbarkeit der Handlungen des Teams (Protokoll)",
)

MEASURES = (
    "Datensparsamkeit: keine Frage nach Name, Adresse, Geburtsdatum, Telefon, E-Mail, Ausweis- "
    "oder Aktennummer; jede Frage kann übersprungen werden",
    "Pseudonymisierung: Gespräche unter HMAC-SHA256(Pepper, Kanal + Nutzerkennung); Pepper "
    "außerhalb der Datenbank; keine Telegram-Kennung, kein Name, Benutzername oder "
    "Sprachcode im Klartext",
    "Verschlüsselung: die zum Antworten nötige Chat-Kennung mit AES-256-GCM (authentifiziert), "
    "Schlüssel außerhalb der Datenbank, mit Schlüssel-ID",
    "Schlüsselwechsel: `comehome keys rotate` verschlüsselt gespeicherte Chat-Kennungen unter "
    "dem neuesten Schlüssel neu (alte Schlüssel gelten bis dahin) und zieht Pseudonyme auf einen "
    "neuen Pepper um",
    "freie Notiz mit weniger als 300 Zeichen, vor dem Speichern von Telefonnummern, E-Mail-Adressen, "
    "IBANs und ausweisähnlichen Nummern bereinigt (auch mit arabisch-indischen Ziffern)",
    "weitergeleitete Nachrichten, Fotos, Dokumente, Sprachnachrichten, Kontakte und Standorte "
    "werden nicht gespeichert",
    "keine Nachrichtentexte und keine Telegram-Kennungen in Protokollen; DEBUG-Protokolle im "
    "Produktivbetrieb verboten; ohne gesetzte Schlüssel startet der Produktivbetrieb nicht",
    "Webhook nur mit geheimem Token (mindestens 32 Zeichen, Vergleich in konstanter Zeit); "
    "sonst Antwort 403",
    "Staff-Befehle nur für die konfigurierte Liste von Teammitgliedern; Protokoll jeder "
    "Staff-Handlung unter Pseudonym",
    "Versand nur an den Chat der Person und die konfigurierten Staff-Ziele; kein Export, keine "
    "Schnittstelle zu Behörden",
    "Löschung: /delete jederzeit, mit den Nachrichten des Bots im Chat, die jünger als 48 "
    "Stunden sind; Gespräche nach {days} Tagen ohne Nachricht, Termine {days} Tage nach Termin "
    "oder Absage; gesendete Nachrichten sofort; Update-Nummern nach "
    f"{PROCESSED_UPDATES_DAYS} Tagen",
    "jeder Gesprächsschritt in einer Datenbanktransaktion mit seinen Antworten (nichts geht "
    "verloren, nichts doppelt)",
    f"Zugriffsschutz von Server, Datenbank und Sicherungen, Festplattenverschlüsselung: {TO_FILL}",
)

# --- rendering ----------------------------------------------------------------------------------


def _days(text: str, days: int) -> str:
    return text.replace("{days}", str(days))


def _cell(words: Words) -> str:
    return f"{words.de}<br>*{words.en}*".replace("|", "\\|")


def _readers(readers: Iterable[Reader]) -> Words:
    chosen = [reader.value for reader in readers]
    return Words("; ".join(w.de for w in chosen), "; ".join(w.en for w in chosen))


def _bullets(items: Iterable[Words]) -> list[str]:
    return [f"- {item.de}  \n  *{item.en}*" for item in items]


def _table_section(name: str, table: Table) -> list[str]:
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
    for column_name, column in table.columns.items():
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
    for name, table in COLUMNS.items():
        lines += ["", *_table_section(name, table)]
    return _days("\n".join(lines) + "\n", retention_days)


def _controller(office: Office) -> list[str]:
    lines = [office.organisation, office.name, *office.address]
    lines += [
        f"{label}: {value}"
        for label, value in (
            ("Telefon", office.phone),
            ("E-Mail", office.email),
            ("Web", office.website),
        )
        if value
    ]
    return [f"    {line}" for line in lines]


def _recipients(office: Office, smtp: Smtp | None) -> list[str]:
    chats = len(office.staff_chat_ids)
    if smtp is None:
        mail = "E-Mail an das Büro: nicht eingerichtet."
    else:
        tls = "mit STARTTLS" if smtp.starttls else "OHNE STARTTLS (unverschlüsselt!)"
        mail = f"E-Mail an das Büro: {smtp.to} über {smtp.host}:{smtp.port}, {tls}."
    return [
        "- die betroffene Person selbst, in ihrem eigenen Telegram-Chat",
        f"- das Beratungsteam in den konfigurierten Staff-Chats (derzeit {chats})",
        f"- {mail}",
        "- keine weiteren: kein Export, keine Schnittstelle, keine Übermittlung an Behörden "
        "(die Ausländerbehörde wird nicht informiert)",
        "- Telegram überträgt als Dienst alle Nachrichten an die Person und an die Staff-Chats "
        "(siehe 6.)",
    ]


def _data_categories() -> list[str]:
    lines = []
    for name, table in COLUMNS.items():
        personal = [c for c, column in table.columns.items() if column.personal is not Personal.NO]
        if personal:
            listed = ", ".join(f"`{c}`" for c in personal)
            lines.append(f"- `{name}` – {table.purpose.de}: {listed}")
        else:
            lines.append(f"- `{name}` – {table.purpose.de}: keine personenbezogenen Daten")
    return lines


def _mail_measure(smtp: Smtp | None) -> str:
    if smtp is None:
        return "- E-Mail an das Büro ist nicht eingerichtet (sonst STARTTLS mit Zertifikatsprüfung)"
    if smtp.starttls:
        return "- Zusammenfassungen per E-Mail über STARTTLS mit Zertifikatsprüfung"
    return "- ACHTUNG: E-Mail ist ohne STARTTLS eingerichtet (COMEHOME_SMTP_STARTTLS=0)"


def record_of_processing(
    office: Office | None = None, smtp: Smtp | None = None, retention_days: int = RETENTION_DAYS
) -> str:
    """The Art. 30 GDPR record of processing activities, in German, for this configuration."""
    office = office or Office()
    lines = [
        "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 Abs. 1 DSGVO)",
        "",
        "Verarbeitung: Telegram-Assistent „comehome“ für Information, anonyme Vorab-Aufnahme und "
        "Terminvergabe der Rückkehrberatung",
        "Erstellt aus dem Programm (bot/privacy_record.py); vom Büro zu prüfen und zu ergänzen.",
        "",
        "1. Verantwortlicher",
        *_controller(office),
        f"    Vertretung: {TO_FILL}",
        f"    Datenschutzbeauftragte/r: {TO_FILL}",
        "",
        "2. Zwecke der Verarbeitung",
        *[f"- {purpose}" for purpose in PURPOSES],
        f"Rechtsgrundlage: {TO_FILL}",
        "",
        "3. Kategorien betroffener Personen",
        *[f"- {people}" for people in CATEGORIES_OF_PEOPLE],
        "",
        "4. Kategorien personenbezogener Daten (je Tabelle; Einzelheiten in PRIVACY.md)",
        *_data_categories(),
        "Besondere Kategorien (Art. 9 DSGVO): das Interesse „medizinischer Bedarf“ und die freie "
        "Notiz können Gesundheitsdaten enthalten; Rückkehrland und Sprache können auf die "
        f"ethnische Herkunft hindeuten. Bewertung: {TO_FILL}",
        "",
        "5. Empfänger",
        *_recipients(office, smtp),
        "",
        "6. Übermittlung in Drittländer",
        "Ja, über Telegram: Jede Nachricht zwischen Person und Bot und jede Nachricht an die "
        "Staff-Chats läuft über Telegram und liegt auf dessen Servern; Chats mit Bots sind nicht "
        "Ende-zu-Ende-verschlüsselt. Telegram wird von einem Unternehmen außerhalb der EU "
        "betrieben; wo es Daten speichert, bestimmt Telegram. Dieses Programm schließt mit "
        "Telegram keinen Vertrag zur Auftragsverarbeitung. Telegram kennt die Telefonnummer der "
        "Person und sagt, es könne IP-Adresse und Telefonnummer auf gerichtliche Anordnung in "
        "Strafsachen herausgeben. Die Person wird darüber vor der ersten Frage informiert und "
        f"kann das Büro auch ohne Telegram erreichen. Garantien nach Art. 44 ff. DSGVO: {TO_FILL}",
        "Der Bot selbst übermittelt nichts in Drittländer außer über Telegram.",
        "",
        "7. Löschfristen",
        *[f"- `{name}`: {table.retention.de}" for name, table in COLUMNS.items()],
        *[f"- {item.de}" for item in OUTSIDE_DATABASE[2:]],
        "",
        "8. Technische und organisatorische Maßnahmen (Art. 32 DSGVO)",
        *[f"- {measure}" for measure in MEASURES],
        _mail_measure(smtp),
        "",
    ]
    return _days("\n".join(lines), retention_days)
