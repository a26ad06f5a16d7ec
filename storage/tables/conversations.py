"""The tables of a client's conversation and of what is sent: the conversation itself, the
update ids already processed, the outbox, and the anonymous daily counts."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
)

from storage.privacy import (
    AFTER_SILENCE,
    CLIENT_KEY,
    SEALED_CHAT,
    Held,
    Kept,
    Personal,
    Reader,
    Words,
    about,
    office_id,
    row_id,
    technical,
)
from storage.tables.base import metadata

conversations = Table(
    "conversations",
    metadata,
    Column(
        "client_key", String(64), primary_key=True, info=about(CLIENT_KEY)
    ),  # HMAC-SHA256(pepper, channel:user id)
    Column("office_id", String(32), nullable=False, info=office_id()),
    Column(
        "state",
        String(64),
        nullable=False,
        info=about(
            Held(
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
            )
        ),
    ),
    Column(
        "locale",
        String(16),
        info=about(
            Held(
                Words("gewählte Sprache, z. B. „ar“", "chosen language, e.g. “ar”"),
                Personal.PSEUDONYMOUS,
                Words(
                    "gehört zum Pseudonym; kann auf die Herkunft hindeuten",
                    "belongs to the pseudonym; may hint at origin",
                ),
                (Reader.BOT, Reader.STAFF, Reader.DATABASE),
            )
        ),
    ),
    Column(
        "answers",
        JSON,
        nullable=False,
        info=about(
            Held(
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
            )
        ),
    ),
    Column(
        "data",
        JSON,
        nullable=False,
        info=about(
            Held(
                Words(
                    "Arbeitsstand des Dialogs: Hinweis zugestimmt, Aufnahme fertig, gewählter "
                    "Termin-Slot, Seite der Terminliste, Rücksprungpunkt; vor dem Hinweis der aus "
                    "Telegrams `language_code` (Web-Tür: der ersten Sprache des Browsers) "
                    "abgeleitete Sprachvorschlag (danach gelöscht)",
                    "the dialogue's working state: notice accepted, intake done, chosen slot, "
                    "page of the slot list, where to return; before the notice, the language "
                    "suggested from Telegram's `language_code` (web door: the browser's first "
                    "language) (removed afterwards)",
                ),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym", "belongs to the pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),
    Column(
        "chat_ref", LargeBinary, nullable=False, info=about(SEALED_CHAT)
    ),  # the chat id, sealed with AES-GCM
    Column(
        "version",
        Integer,
        nullable=False,
        info=technical(
            "Zähler der Schritte (gegen gleichzeitige Änderungen)",
            "step counter (against concurrent changes)",
        ),
    ),
    Column(
        "updated_at",
        DateTime,
        nullable=False,
        index=True,
        info=about(
            Held(
                Words("Zeitpunkt der letzten Nachricht (UTC)", "time of the last message (UTC)"),
                Personal.PSEUDONYMOUS,
                Words(
                    "gehört zum Pseudonym; bestimmt die Löschfrist",
                    "belongs to the pseudonym; starts the retention period",
                ),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),  # UTC, for retention
    Column(
        "channel",
        String(16),
        nullable=False,
        server_default="telegram",
        info=technical(
            "Zugang: „telegram“, „web“ (Web-Tür) oder „terminal“ (Demo)",
            "the door: “telegram”, “web” (the web door) or “terminal” (demo)",
            Reader.BOT,
            Reader.DATABASE,
        ),
    ),
    info=about(
        Kept(
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
        )
    ),  # the door
)

processed_updates = Table(
    "processed_updates",
    metadata,
    Column(
        "update_id",
        BigInteger,
        primary_key=True,
        autoincrement=False,
        info=about(
            Held(
                Words(
                    "laufende Nummer des Updates bei Telegram; bei der Web-Tür eine negative "
                    "Nummer je abgeschicktem Formular, ein Schlüssel-Hash aus Sitzungs-Token und "
                    "Einmalwert des Formulars",
                    "Telegram's running number of the update; at the web door a negative number "
                    "for each form sent, a keyed hash of the session token and the form's "
                    "one-time value",
                ),
                Personal.NO,
                Words(
                    "in der Datenbank mit keiner Person und keinem Gespräch verknüpft (der "
                    "Hash der Web-Tür lässt sich ohne Pepper und Token nicht zurückführen)",
                    "linked to no person and no conversation in the database (the web door's "
                    "hash cannot be traced back without the pepper and the token)",
                ),
                (Reader.DATABASE,),
                legal_basis="—",
            )
        ),
    ),
    Column(
        "processed_at",
        DateTime,
        nullable=False,
        index=True,
        info=about(
            Held(
                Words("Zeitpunkt der Verarbeitung (UTC)", "when it was processed (UTC)"),
                Personal.NO,
                Words("mit niemandem verknüpft", "linked to nobody"),
                (Reader.DATABASE,),
                legal_basis="—",
            )
        ),
    ),
    info=about(
        Kept(
            Words(
                "Nummern bereits verarbeiteter Telegram-Updates und Formulare der Web-Tür, damit "
                "keine Nachricht doppelt zählt",
                "numbers of Telegram updates and web door forms already processed, so that no "
                "message counts twice",
            ),
            Words(
                "gelöscht nach {processed_days} Tagen (stündlich geprüft)",
                "deleted after {processed_days} days (checked hourly)",
            ),
            (
                "storage.retention:Retention.prune_processed",
                "bot.service.retention:run",
            ),
        )
    ),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, info=row_id()),
    Column(
        "chat_ref",
        LargeBinary,
        nullable=False,
        info=about(
            Held(
                Words(
                    "Empfänger, mit AES-256-GCM verschlüsselt: Chat der Person, Staff-Chat oder "
                    "Büro-Postfach",
                    "recipient, encrypted with AES-256-GCM: the client's chat, a staff chat or "
                    "the office mailbox",
                ),
                Personal.SEALED,
                SEALED_CHAT.why,
                (Reader.BOT,),
            )
        ),
    ),
    Column(
        "locale",
        String(16),
        info=about(
            Held(
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
            )
        ),
    ),
    Column(
        "payload",
        JSON,
        nullable=False,
        info=about(
            Held(
                Words(
                    "die Nachrichten als Text-Kennungen mit Parametern: an die Person z. B. "
                    "Termin, Fallcode, eigene Antworten; an das Team die Zusammenfassung mit den "
                    "Antworten der Vorab-Aufnahme und der bereinigten Notiz; nach /delete die "
                    "Nummern der Nachrichten, die der Bot im Chat löschen soll; die Kennung des "
                    "Büros, dessen Adresse die Nachrichten zeigen; bei einer Zusammenfassung das "
                    "Pseudonym der Person (`about`), damit /delete sie vor dem Senden "
                    "zurückziehen kann; an eine Person der Web-Tür das Pseudonym ihrer Sitzung "
                    "(`page`), unter dem ihr Browser die Seite abholt; bei einer Erinnerung "
                    "Nummer und Änderungszähler des Termins (`appointment`), damit eine "
                    "Erinnerung an einen inzwischen verlegten oder abgesagten Termin verworfen "
                    "statt gesendet oder gezeigt wird",
                    "the messages as text ids with parameters: to the client e.g. appointment, "
                    "case code, their own answers; to staff the summary with the intake answers "
                    "and the scrubbed note; after /delete the numbers of the messages the bot is "
                    "to delete in the chat; the id of the office whose address the messages show; "
                    "on a summary the client's pseudonym (`about`), so that /delete can withdraw "
                    "it before it is sent; to a web door client the pseudonym of their session "
                    "(`page`), under which their browser fetches the page; on a reminder the "
                    "appointment's id and change counter (`appointment`), so that a reminder of "
                    "an appointment moved or cancelled since is dropped instead of sent or shown",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "Inhalt wie `conversations.answers`; Empfänger verschlüsselt; die Zeile wird "
                    "nach dem Senden gelöscht (eine Seite der Web-Tür {page_hours} Stunden nach "
                    "dem letzten Zeigen)",
                    "content as `conversations.answers`; recipient encrypted; the row is deleted "
                    "once sent (a web door page {page_hours} hours after it was last shown)",
                ),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),
    Column(
        "attempts",
        Integer,
        nullable=False,
        default=0,
        info=technical(
            "Zahl der Sendeversuche; −1: eine schon gezeigte Seite der Web-Tür",
            "number of attempts to send; −1: a web door page already shown",
        ),
    ),
    Column(
        "next_attempt_at",
        DateTime,
        nullable=False,
        index=True,
        info=technical(
            "nächster Sendeversuch (UTC); bei einer gezeigten Web-Seite: wann sie vergessen wird",
            "next attempt to send (UTC); for a web page shown: when it is forgotten",
        ),
    ),
    # "telegram" / "terminal" / "web": a chat of that door; "email": the office's mailbox
    Column(
        "channel",
        String(16),
        nullable=False,
        server_default="telegram",
        info=technical(
            "Weg: „telegram“, „terminal“, „web“ oder „email“",
            "way: “telegram”, “terminal”, “web” or “email”",
        ),
    ),
    # Bot API calls of these replies that reached the chat (migration 0006): a resend skips them
    Column(
        "sent_parts",
        Integer,
        nullable=False,
        server_default="0",
        info=technical(
            "wie viele der Nachrichten schon angekommen sind (nach einem Absturz wird "
            "nur der Rest gesendet)",
            "how many of the messages have arrived already (after a crash only the rest is sent)",
        ),
    ),
    info=about(
        Kept(
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
                "Person den Bot blockiert hat. Web-Tür: eine Erinnerung wartet bis zum nächsten "
                "Besuch, die zuletzt gezeigte Seite bleibt {page_hours} Stunden nach dem letzten "
                "Zeigen (dann stündlich gelöscht); /delete und die Aufbewahrungsfrist löschen "
                "beides, der stündliche Aufbewahrungslauf jede Zeile der Web-Tür, hinter der kein "
                "Gespräch mehr steht; der Abschied nach /delete wird nie gespeichert",
                "deleted as soon as the message is sent (usually within seconds; only the message's "
                "number stays, in `sent_messages`); if sending fails it is retried for about a day "
                "at most, and given up at once when the client blocked the bot. Web door: a "
                "reminder waits until the next visit, the page shown last stays {page_hours} hours "
                "after it was last shown (then deleted hourly); /delete and the retention period "
                "delete both, the hourly retention job any web door row no conversation stands "
                "behind any more; the goodbye after /delete is never stored",
            ),
            (
                "storage.outbox:Outbox.marking",
                "storage.outbox:Outbox.failed",
                "storage.web_pages:WebPages.prune",
            ),
        )
    ),
)

daily_counts = Table(
    "daily_counts",
    metadata,
    Column(
        "day",
        Date,
        primary_key=True,
        info=about(
            Held(
                Words("Tag (nur Datum)", "day (date only)"),
                Personal.NO,
                Words("Teil einer Zählung ohne Personenbezug", "part of a count about nobody"),
                (Reader.ADMIN, Reader.STAFF),
                legal_basis="—",
            )
        ),
    ),
    Column("office_id", String(32), primary_key=True, info=office_id()),
    Column(
        "metric",
        String(32),
        primary_key=True,
        info=about(
            Held(
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
            )
        ),
    ),
    Column(
        "count",
        Integer,
        nullable=False,
        info=about(
            Held(
                Words("die Zahl", "the number"),
                Personal.NO,
                Words("eine Summe", "a sum"),
                (Reader.ADMIN, Reader.STAFF),
                legal_basis="—",
            )
        ),
    ),
    info=about(
        Kept(
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
        )
    ),
)
