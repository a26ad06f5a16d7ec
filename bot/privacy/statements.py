"""What PRIVACY.md and the Art. 30 record state beyond the tables: who receives what, what
Telegram itself keeps, what /delete does, what lies outside the database, and the open points.
German (the office's language) with English below; "{days}" and "{page_hours}" are filled in
when rendered.
"""

from __future__ import annotations

from bot.service.retention import PROCESSED_UPDATES_KEPT
from storage.privacy import TO_FILL, Words

PROCESSED_UPDATES_DAYS = PROCESSED_UPDATES_KEPT.days

RECIPIENTS: tuple[Words, ...] = (
    Words(
        "der eigene Chat der Person (über die Telegram-Bot-API): Antworten, Erinnerungen, "
        "Nachricht von der Warteliste, Kalenderdatei",
        "the client's own chat (through the Telegram Bot API): replies, reminders, waiting-list "
        "news, calendar file",
    ),
    Words(
        "der eigene Browser der Person (Web-Tür, ohne Telegram): dieselben Antworten als Seiten, "
        "die der Browser beim Besuch abholt",
        "the client's own browser (the web door, without Telegram): the same replies as pages the "
        "browser fetches when visiting",
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
)

# The web door (bot/web/): a browser instead of a Telegram chat. "{page_hours}" is how long the
# page shown last is kept (`storage.web_pages.PAGE_KEPT`), filled in when rendered.
WEB_COOKIE = Words(
    "Ein Cookie (`comehome`; HttpOnly, SameSite=Strict, hinter TLS Secure) hält ein zufälliges "
    "Sitzungs-Token (128 Bit): die einzige Kennung einer Person der Web-Tür. Im Klartext wird das "
    "Token nie gespeichert: das Gespräch liegt unter HMAC-SHA256(Pepper, „web:“ + Token) "
    "(`conversations.client_key`), und auch der Schutz der Formulare (CSRF) und ihre Nummern "
    "(`processed_updates`) sind Schlüssel-Hashes daraus. Nur wenn die Person einen Code zum "
    "Weitermachen verlangt, wird das Token mit AES-256-GCM verschlüsselt neben dem Hash des Codes "
    "abgelegt (`web_return_codes.token_ref`), damit der Code zu ihm zurückführt. Das Cookie gilt "
    "{days} Tage (die Aufbewahrungsfrist) ab dem ersten Besuch oder dem Weitermachen mit einem "
    "Code.",
    "A cookie (`comehome`; HttpOnly, SameSite=Strict, Secure behind TLS) holds a random session "
    "token (128 bits): the only identifier of a web door client. The token is never stored in "
    "clear: the conversation is kept under HMAC-SHA256(pepper, “web:” + token) "
    "(`conversations.client_key`), and the forms' protection (CSRF) and their numbers "
    "(`processed_updates`) are keyed hashes of it too. Only when the client asks for a code to "
    "continue is the token stored, encrypted with AES-256-GCM, beside the code's hash "
    "(`web_return_codes.token_ref`), so that the code leads back to it. The cookie lasts {days} "
    "days (the retention period) from the first visit or from continuing with a code.",
)
WEB_CODE = Words(
    "Der Code zum Weitermachen (10 Zeichen) wird nur auf Wunsch ausgegeben und nur einmal "
    "gezeigt; gespeichert wird nur HMAC-SHA256(Pepper, „return:“ + Code), nie der Code selbst. "
    "Ein neuer Code ersetzt den alten; er wird mit dem Gespräch gelöscht.",
    "The code to continue (10 characters) is issued only when asked for and shown only once; only "
    "HMAC-SHA256(pepper, “return:” + code) is stored, never the code itself. A new code replaces "
    "the earlier one; it is deleted with the conversation.",
)
WEB_PAGES = Words(
    "Ein Browser lässt sich nicht anschreiben wie ein Chat: die Antworten liegen in `outbox`, bis "
    "er sie abholt. Die zuletzt gezeigte Seite bleibt {page_hours} Stunden nach dem letzten "
    "Zeigen, damit ein Neuladen und jede Instanz dieselbe Seite zeigen; danach entfernt sie die "
    "stündliche Löschung. Erinnerungen und Nachrichten von der Warteliste warten bis zum nächsten "
    "Besuch, längstens bis das Gespräch gelöscht wird. Die Kalenderdatei (.ics) wird bei jedem "
    "Abruf neu erzeugt und nicht gespeichert.",
    "A browser cannot be written to like a chat: replies wait in `outbox` until it fetches them. "
    "The page shown last stays for {page_hours} hours after it was last shown, so that a reload "
    "and every instance show the same page; then the hourly deletion removes it. Reminders and "
    "waiting-list news wait until the next visit, at most until the conversation is deleted. The "
    "calendar file (.ics) is made anew each time it is fetched and not stored.",
)
WEB_NOT_STORED = Words(
    "Keine IP-Adresse, kein User-Agent (Browser) und kein Referrer (die Seite davor) wird "
    "gespeichert oder protokolliert: der Server der Web-Tür schreibt kein Zugriffsprotokoll, und "
    "die Begrenzung der Anfragen zählt je Sitzung und insgesamt, im Speicher. Ein Reverse-Proxy "
    "für TLS davor gehört nicht zum Programm: sein Zugriffsprotokoll muss der Betrieb ebenso "
    "abschalten (bei nginx `access_log off;`).",
    "No IP address, user agent (browser) or referrer (the page before) is stored or logged: the "
    "web door's server writes no access log, and the rate limits count per session and overall, "
    "in memory. A reverse proxy for TLS in front is not part of the program: the deployment must "
    "switch its access log off too (with nginx `access_log off;`).",
)
WEB_DELETE = Words(
    "/delete (oder sein Button) löscht in dem einen Schritt das Gespräch, den Code zum "
    "Weitermachen und die Seiten in `outbox` und entfernt das Cookie im Browser. Sonst wird das "
    "Gespräch wie jedes andere nach {days} Tagen ohne Nachricht gelöscht (mit Code und Seiten).",
    "/delete (or its button) deletes the conversation, the code to continue and the pages in "
    "`outbox` in that one step and removes the cookie from the browser. Otherwise the "
    "conversation is deleted like any other after {days} days without a message (with the code "
    "and the pages).",
)
WEB_DOOR: tuple[Words, ...] = (WEB_COOKIE, WEB_CODE, WEB_PAGES, WEB_NOT_STORED, WEB_DELETE)

OPEN_POINTS: tuple[Words, ...] = (
    Words(
        "Die Fallcodes im Protokoll (`audit_log`) bleiben bis zu dessen Frist, auch wenn der "
        "Termin schon gelöscht ist. Die Frist (`COMEHOME_AUDIT_DAYS`) legt das Büro fest.",
        "Case codes in the audit log (`audit_log`) stay until its period ends, also after the "
        "appointment is gone. The office sets the period (`COMEHOME_AUDIT_DAYS`).",
    ),
)
