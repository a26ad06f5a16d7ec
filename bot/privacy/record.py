"""The Art. 30 GDPR record of processing activities, in German, for this configuration
(`comehome privacy record`): the office from the office file, the tables' descriptions from
their columns, the recipients and measures as configured.
"""

from __future__ import annotations

from bot.config import Office, Smtp
from bot.privacy.page import RETENTION_DAYS, described, fill_in
from bot.privacy.statements import (
    OUTSIDE_DATABASE,
    PROCESSED_UPDATES_DAYS,
    WEB_CODE,
    WEB_COOKIE,
    WEB_DELETE,
    WEB_NOT_STORED,
    WEB_PAGES,
)
from storage.privacy import TO_FILL, Personal

CATEGORIES_OF_PEOPLE = (
    "Ratsuchende, die sich über eine freiwillige Rückkehr informieren, über Telegram oder im "
    "Browser (Web-Tür) (ohne Namen: nur unter Pseudonym), und die Angehörigen ihres Haushalts "
    "(nur als Anzahl)",
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
        "- die betroffene Person selbst, in ihrem eigenen Telegram-Chat oder in ihrem Browser "
        "(Web-Tür, die Seiten holt der Browser ab)",
        f"- das Beratungsteam in den konfigurierten Staff-Chats (derzeit {chats})",
        f"- {mail}",
        "- keine weiteren: kein Export, keine Schnittstelle, keine Übermittlung an Behörden "
        "(die Ausländerbehörde wird nicht informiert)",
        "- Telegram überträgt als Dienst alle Nachrichten an die Person und an die Staff-Chats "
        "(siehe 6.)",
    ]


def _data_categories() -> list[str]:
    lines = []
    for name, (table, columns) in described().items():
        personal = [c for c, column in columns.items() if column.personal is not Personal.NO]
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
        "Verarbeitung: Assistent „comehome“ (über Telegram und als Web-Chat im Browser) für "
        "Information, anonyme Vorab-Aufnahme und Terminvergabe der Rückkehrberatung",
        "Erstellt aus dem Programm (bot/privacy/record.py, Spalten in storage/tables/); vom Büro "
        "zu prüfen und zu ergänzen.",
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
        "Der Bot selbst übermittelt nichts in Drittländer außer über Telegram. Die Web-Tür läuft "
        "auf dem Server des Büros: was eine Person dort schreibt, geht nicht über Telegram.",
        "",
        "7. Löschfristen",
        *[f"- `{name}`: {table.retention.de}" for name, (table, _) in described().items()],
        *[f"- {item.de}" for item in OUTSIDE_DATABASE[2:]],
        *[f"- Web-Tür: {item.de}" for item in (WEB_PAGES, WEB_DELETE)],
        "",
        "8. Technische und organisatorische Maßnahmen (Art. 32 DSGVO)",
        *[f"- {measure}" for measure in MEASURES],
        *[f"- Web-Tür: {item.de}" for item in (WEB_COOKIE, WEB_CODE, WEB_NOT_STORED)],
        _mail_measure(smtp),
        "",
    ]
    return fill_in("\n".join(lines), retention_days)
