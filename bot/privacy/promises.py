"""What PRIVACY.md promises about the free note and about erasure, in German and English.

Kept apart from the descriptions on the columns (storage/tables/) because these statements
describe behaviour (`flows.scrub`, `/delete`, the files on disk), and each names the test that
holds it.
"""

from __future__ import annotations

Statement = tuple[str, str]  # (German, English)

NOTE: tuple[Statement, ...] = (
    (
        "Die Notiz ist freiwillig, weniger als 300 Zeichen lang, und die Frage sagt vorher, dass "
        "keine Namen, Telefon- oder Dokumentnummern hineingehören. Vor dem Speichern wird sie "
        "vereinheitlicht (Unicode NFKC; unsichtbare und Formatzeichen wie Null-Breite-Leerzeichen "
        "entfernt; Ziffern jeder Schrift, hochgestellte und eingekreiste Ziffern als 0–9 gelesen) "
        "und dann wird durch „[…]“ ersetzt:",
        "The note is optional, fewer than 300 characters, and the question says beforehand that "
        "names, phone and document numbers do not belong in it. Before it is stored it is normalised "
        "(Unicode NFKC; invisible and format characters such as zero-width spaces dropped; "
        "digits of every script, superscript and circled digits read as 0–9) and then these are "
        "replaced by “[…]”:",
    ),
    (
        "E-Mail-Adressen, auch verschleiert („(at)“, „[at]“, „ @ “, „＠“, „dot“, „punkt“); "
        "@-Namen, Konten nach „Telegram:“, „Instagram:“ usw.; Links zu t.me, wa.me, Profilen "
        "und jede Web-Adresse;",
        "e-mail addresses, also disguised (“(at)”, “[at]”, “ @ ”, “＠”, “dot”, “punkt”); "
        "@handles, accounts after “Telegram:”, “Instagram:” and the like; links to t.me, wa.me, "
        "profiles and any web address;",
    ),
    (
        "Telefonnummern und andere lange Zahlen mit beliebigen Trennzeichen (Leerzeichen . , _ - "
        "/ und Mischungen): fünf Ziffern am Stück, sieben insgesamt, oder fünf mit einer Gruppe "
        "von mindestens drei; IBANs;",
        "phone numbers and other long numbers with any separators (space . , _ - / and their "
        "mixtures): five digits in a row, seven in all, or five with a group of at least three; "
        "IBANs;",
    ),
    (
        "ausweisähnliche Zeichenfolgen (mindestens 6 Buchstaben und Ziffern gemischt, auch in "
        "Gruppen geschrieben; neun Zeichen aus dem Alphabet deutscher Pässe und Ausweise, auch "
        "ohne Ziffer); Nummern nach Wörtern wie „Pass“, „Ausweis“, „Nr.“, „Tel.“, „Az.“, "
        "„Aktenzeichen“; Aktenzeichen der Form „12 K 345/23“;",
        "ID-like strings (at least 6 letters and digits mixed, also written in groups; nine "
        "characters from the alphabet of German passports and identity cards, also without a "
        "digit); numbers after words such as “Pass”, “Ausweis”, “No.”, “Tel.”, “Az.”, "
        "“Aktenzeichen”; file numbers shaped like “12 K 345/23”;",
    ),
    (
        "Geburtsdaten: ein vollständiges Datum vor 2020 und jedes Datum oder Jahr nach "
        "„geboren“, „geb.“, „born“, „DOB“ und den Wörtern dafür in den angebotenen Sprachen "
        "(ein gewünschter Termin wie „am 12.03.2027“ bleibt);",
        "dates of birth: any full date before 2020 and any date or year after “geboren”, "
        "“geb.”, “born”, “DOB” and the words for it in the languages on offer (a wished day "
        "such as “am 12.03.2027” stays);",
    ),
    (
        "Anschriften: Straße mit Hausnummer („Schillerstraße 12a“, „Hauptstr. 5“, „12 Baker "
        "Street“, „ул. Ленина 5“, „Atatürk Caddesi No: 5“), Postleitzahl mit Ort "
        "(„80331 München“), arabisch und persisch geschriebene Straßennamen auch ohne Nummer;",
        "addresses: street with house number (“Schillerstraße 12a”, “Hauptstr. 5”, “12 Baker "
        "Street”, “ул. Ленина 5”, “Atatürk Caddesi No: 5”), postcode with town (“80331 "
        "München”), street names written in Arabic or Persian script also without a number;",
    ),
    (
        "der Name nach einer Selbstvorstellung in jeder angebotenen Sprache („ich heiße“, „mein "
        "Name ist“, „my name is“, „اسمي“, „اسم من“, „меня зовут“, „je m'appelle“, „adım“, "
        "„zovem se“, „emri im është“, „მე მქვია“ …), nach „Name:“ und nach einer Anrede "
        "(„Herr“, „Frau“, „Familie“, „Mr“ …), wenn er großgeschrieben ist.",
        "the name after a self-introduction in every language on offer (“ich heiße”, “mein Name "
        "ist”, “my name is”, “اسمي”, “اسم من”, “меня зовут”, “je m'appelle”, “adım”, “zovem se”, "
        "“emri im është”, “მე მქვია” …), after “Name:” and after a form of address (“Herr”, "
        "“Frau”, “Familie”, “Mr” …) when it is capitalised.",
    ),
    (
        "Das ist eine Bemühung nach bestem Vermögen, keine Garantie: ein Name ohne Vorstellung, "
        "ausgeschriebene Zahlen („null eins fünf eins …“) oder eine ungewöhnliche Schreibweise "
        "können durchkommen. Die Person wird gebeten, so etwas gar nicht zu schreiben, und "
        "erfährt, wenn etwas entfernt wurde. Was nicht entfernt wird, bleibt genau so, wie sie es "
        "geschrieben hat.",
        "This is best effort, not a guarantee: a name without an introduction, numbers written "
        "out in words (“zero one five one …”) or an unusual spelling can get through. The "
        "client is asked not to write such things at all and is told when something was "
        "removed. What is not removed stays exactly as they wrote it.",
    ),
)

ON_DELETE_QUEUED: tuple[Statement, ...] = (
    (
        "In derselben Transaktion werden die noch nicht gesendeten Zusammenfassungen über die "
        "Person (mit Antworten und Notiz, an Staff-Chats und Postfach) aus `outbox` gelöscht, "
        "auch wenn der Mailserver gerade nicht erreichbar ist: das Team bekommt dann nur noch "
        "„Daten gelöscht“. Was noch an ihren eigenen Chat unterwegs war, löscht der Bot dort "
        "nach der letzten Nachricht. Was der Bot schon an Telegram oder an den Mailserver "
        "übergeben hat, lässt sich nicht zurückholen.",
        "In the same transaction the summaries about the client not yet sent (with the answers "
        "and the note, to staff chats and the mailbox) are deleted from `outbox`, also while the "
        "mail server cannot be reached: staff then only get “Daten gelöscht” (data deleted). "
        "What was still on its way to their own chat the bot deletes there after the last "
        "message. What the bot has already handed to Telegram or to the mail server cannot be "
        "recalled.",
    ),
)

ERASURE: tuple[Statement, ...] = (
    (
        "Jede Datei, die der Dienst schreibt (Datenbank, `-wal`, `-shm`, `var/secrets.toml`, "
        "was `--output` schreibt), ist nur für seinen eigenen Benutzer lesbar (umask 077, der "
        "Datenordner 0700); eine früher für andere lesbare Datenbankdatei wird beim Öffnen "
        "geschlossen. Ein Test prüft die Rechte.",
        "Every file the service writes (database, `-wal`, `-shm`, `var/secrets.toml`, what "
        "`--output` writes) is readable by its own user only (umask 077, the data folder 0700); "
        "a database file left readable by others earlier is closed to them when opened. A test "
        "checks the modes.",
    ),
    (
        "SQLite: `secure_delete` ist an, gelöschte Inhalte werden in der Datei mit Nullen "
        "überschrieben. Nach /delete und nach jeder Löschung durch die Aufbewahrungsfrist faltet "
        "ein Checkpoint (TRUNCATE) die Datei `-wal` in die Datenbank und leert sie; danach steht "
        "der gelöschte Inhalt in keiner der Dateien Datenbank, `-wal` und `-shm` (ein Test liest "
        "sie Byte für Byte).",
        "SQLite: `secure_delete` is on, deleted content is overwritten with zeros in the file. "
        "After /delete and after every deletion by the retention period a checkpoint (TRUNCATE) "
        "folds the `-wal` file into the database and empties it; after that the deleted content "
        "is in none of the files database, `-wal` and `-shm` (a test reads them byte by byte).",
    ),
    (
        "Hält ein Leser eine Transaktion offen (etwa eine Online-Sicherung), kann der Checkpoint "
        "nicht laufen: er wartet höchstens 50 ms, hält keinen Schritt einer anderen Person auf, "
        "wird im Hintergrund wiederholt (nach 0,5 s, 2 s, 10 s, 30 s, dann jede Minute) und als "
        "Warnung protokolliert („erasure: …“), bis er gelingt. Bis dahin stehen alte Kopien noch "
        "in `-wal`. `comehome purge` wartet darauf bis zu zwei Minuten und meldet es sonst.",
        "When a reader keeps a transaction open (an online backup, say), the checkpoint cannot "
        "run: it waits at most 50 ms, holds up no other client's step, is retried in the "
        "background (after 0.5 s, 2 s, 10 s, 30 s, then every minute) and logged as a warning "
        "(“erasure: …”) until it succeeds. Until then old copies are still in `-wal`. "
        "`comehome purge` waits up to two minutes for it and says so otherwise.",
    ),
    (
        "PostgreSQL: ein DELETE markiert Zeilen nur als tot; ihr Inhalt bleibt in den "
        "Tabellendateien, bis VACUUM den Platz freigibt, und kann auch danach in freiem Platz "
        "stehen, bis er überschrieben wird (nur VACUUM FULL schreibt die Tabelle neu, sperrt sie "
        "aber). Außerdem halten WAL-Segmente, ein WAL-Archiv, Replikate und Sicherungen die Daten, "
        "bis sie ablaufen. Der Betrieb muss deshalb: autovacuum anlassen (für kleine Tabellen "
        "z. B. `ALTER TABLE conversations SET (autovacuum_vacuum_scale_factor = 0, "
        "autovacuum_vacuum_threshold = 1)`, ebenso für `outbox`), WAL-Archiv und Sicherungen "
        "nicht länger aufbewahren als die Aufbewahrungsfrist, und die Platte verschlüsseln.",
        "PostgreSQL: a DELETE only marks rows dead; their content stays in the table files until "
        "VACUUM frees the space, and can stay in free space after that until overwritten (only "
        "VACUUM FULL rewrites the table, but it locks it). WAL segments, a WAL archive, replicas "
        "and backups also hold the data until they expire. The deployment must therefore keep "
        "autovacuum on (for small tables e.g. `ALTER TABLE conversations SET "
        "(autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1)`, likewise for "
        "`outbox`), keep the WAL archive and backups no longer than the retention period, and "
        "encrypt the disk.",
    ),
    (
        "Auf jeder Datenbank: Dateisystem und SSD können überschriebene Blöcke noch eine Weile "
        "physisch behalten; dagegen hilft nur eine verschlüsselte Platte.",
        "On any database: the file system and an SSD may keep overwritten blocks physically for a "
        "while; only an encrypted disk helps against that.",
    ),
)

DESTINATIONS: tuple[Statement, ...] = (
    (
        "Alle Ziele stehen in einem Modul (`bot/destinations.py`): die Bot-API-Adresse, die "
        "Staff-Chats und je Büro das Postfach mit dem Mailserver. `comehome run` protokolliert "
        "sie beim Start. Ein Postfach außerhalb der Mail-Domains, die die Bürodatei nennt "
        "(`mail_domains`), oder eines, das eine Behörde nennt, verhindert den Start. Kein anderes "
        "Modul darf einen Netzwerk-Client importieren; ein Test liest dafür alle Importe.",
        "Every destination is declared in one module (`bot/destinations.py`): the Bot API "
        "address, the staff chats and each office's mailbox with its mail server. `comehome run` "
        "logs them at start. A mailbox outside the mail domains the office file names "
        "(`mail_domains`), or one that names an authority, stops the start. No other module may "
        "import a network client; a test reads every import to hold that.",
    ),
)
