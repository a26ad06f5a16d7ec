"""The tables of bookings (migration 0002): appointments, their reminders, the waiting list, and
the audit log of staff actions on them. Instants are naive UTC like everywhere in storage.
Nothing here names a client: an appointment knows its client only by the conversation's
pseudonym."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)

from storage.privacy import (
    APPOINTMENT_KEPT,
    CLIENT_KEY,
    STAFF_CAN_SEE,
    TO_FILL,
    Held,
    Kept,
    Personal,
    Reader,
    Words,
    about,
    client_key,
    office_id,
    row_id,
    technical,
)
from storage.tables.base import metadata

BOOKED = text("status = 'booked'")
BOOKED_WITH_INTERPRETER = text("status = 'booked' AND interpreter_id IS NOT NULL")
BOOKED_WITH_CLIENT = text("status = 'booked' AND client_key IS NOT NULL")


appointments = Table(
    "appointments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, info=row_id()),
    Column("office_id", String(32), nullable=False, info=office_id()),
    Column(
        "case_code",
        String(8),
        nullable=False,
        info=about(
            Held(
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
            )
        ),
    ),
    Column(
        "client_key",
        String(64),
        info=client_key(
            Words(
                "geleert bei /delete und wenn das Gespräch gelöscht wird",
                "emptied on /delete and when the conversation is deleted",
            )
        ),
    ),  # the conversation's pseudonym; NULL once the client left
    Column(
        "counsellor_id",
        String(24),
        ForeignKey("counsellors.id", name="fk_appointments_counsellor_id"),
        nullable=False,
        info=about(
            Held(
                Words("bei wem der Termin ist", "who counsels"),
                Personal.YES,
                Words("Arbeitseinsatz einer Beratenden", "a counsellor's assignment"),
                STAFF_CAN_SEE,
            )
        ),
    ),
    Column(
        "starts_at",
        DateTime,
        nullable=False,
        info=about(
            Held(
                Words("Beginn (UTC)", "start (UTC)"),
                Personal.PSEUDONYMOUS,
                Words(
                    "Termin einer Person (über Pseudonym bzw. Fallcode)",
                    "a client's appointment (via pseudonym or case code)",
                ),
                (Reader.CLIENT, Reader.STAFF, Reader.ADMIN),
            )
        ),
    ),
    Column(
        "ends_at",
        DateTime,
        nullable=False,
        info=about(
            Held(
                Words("Ende (UTC)", "end (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("wie `starts_at`", "as `starts_at`"),
                (Reader.CLIENT, Reader.STAFF, Reader.ADMIN),
            )
        ),
    ),
    Column(
        "language",
        String(16),
        nullable=False,
        info=about(
            Held(
                Words("Sprache der Beratung", "counselling language"),
                Personal.PSEUDONYMOUS,
                Words("kann auf die Herkunft hindeuten", "may hint at origin"),
                (Reader.CLIENT, Reader.STAFF, Reader.ADMIN),
            )
        ),
    ),
    Column(
        "interpreter_id",
        String(24),
        ForeignKey("interpreters.id", name="fk_appointments_interpreter_id"),
        info=about(
            Held(
                Words("gebuchte Dolmetschende", "booked interpreter"),
                Personal.YES,
                Words("Arbeitseinsatz einer Dolmetschenden", "an interpreter's assignment"),
                STAFF_CAN_SEE,
            )
        ),
    ),
    Column(
        "interpreter_status",
        String(16),
        nullable=False,
        info=about(
            Held(
                Words("„none“, „confirmed“ oder „requested“", "“none”, “confirmed” or “requested”"),
                Personal.PSEUDONYMOUS,
                Words("Angabe zum Termin einer Person", "a fact about a client's appointment"),
                (Reader.CLIENT, Reader.STAFF, Reader.ADMIN),
            )
        ),
    ),
    Column(
        "status",
        String(16),
        nullable=False,
        info=about(
            Held(
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
            )
        ),
    ),
    Column(
        "sequence",
        Integer,
        nullable=False,
        info=technical(
            "Änderungszähler für die Kalenderdatei (.ics)",
            "change counter for the calendar file (.ics)",
        ),
    ),  # the .ics SEQUENCE
    Column(
        "created_at",
        DateTime,
        nullable=False,
        info=about(
            Held(
                Words("wann gebucht wurde (UTC)", "when it was booked (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("Angabe zum Termin einer Person", "a fact about a client's appointment"),
                (Reader.ADMIN, Reader.DATABASE),
            )
        ),
    ),
    Column(
        "cancelled_at",
        DateTime,
        info=about(
            Held(
                Words("wann abgesagt wurde (UTC)", "when it was cancelled (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("Angabe zum Termin einer Person", "a fact about a client's appointment"),
                (Reader.ADMIN, Reader.DATABASE),
            )
        ),
    ),
    UniqueConstraint("case_code", name="uq_appointments_case_code"),
    CheckConstraint(
        "status IN ('booked', 'cancelled', 'held', 'no_show', 'departed')",
        name="ck_appointments_status",
    ),
    CheckConstraint(
        "interpreter_status IN ('none', 'confirmed', 'requested')",
        name="ck_appointments_interpreter_status",
    ),
    CheckConstraint(
        "interpreter_id IS NULL OR interpreter_status = 'confirmed'",
        name="ck_appointments_interpreter_confirmed",
    ),
    # The database itself refuses double booking. All slots of a counsellor lie on one grid
    # (length + buffer from office_settings), so two appointments of a counsellor overlap only
    # if they start together; interpreters are checked for overlap under a row lock before the
    # insert, and these indexes catch whatever that check could miss at the same start.
    Index(
        "uq_appointments_counsellor_booked",
        "counsellor_id",
        "starts_at",
        unique=True,
        sqlite_where=BOOKED,
        postgresql_where=BOOKED,
    ),
    Index(
        "uq_appointments_interpreter_booked",
        "interpreter_id",
        "starts_at",
        unique=True,
        sqlite_where=BOOKED_WITH_INTERPRETER,
        postgresql_where=BOOKED_WITH_INTERPRETER,
    ),
    # One booked appointment per client: a double tap on "confirm" cannot book twice.
    Index(
        "uq_appointments_client_booked",
        "client_key",
        unique=True,
        sqlite_where=BOOKED_WITH_CLIENT,
        postgresql_where=BOOKED_WITH_CLIENT,
    ),
    Index("ix_appointments_starts_at", "starts_at"),
    info=about(
        Kept(
            Words(
                "gebuchte (und früher gebuchte) Beratungstermine",
                "booked (and formerly booked) counselling appointments",
            ),
            APPOINTMENT_KEPT,
            (
                "storage.retention:Retention.purge_appointments",
                "storage.booking:AppointmentBook.delete_for_client",
            ),
        )
    ),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, info=row_id()),
    Column(
        "appointment_id",
        Integer,
        ForeignKey("appointments.id", name="fk_reminders_appointment_id", ondelete="CASCADE"),
        nullable=False,
        info=about(
            Held(
                Words("zu welchem Termin", "which appointment"),
                Personal.PSEUDONYMOUS,
                Words("verweist auf den Termin einer Person", "points to a client's appointment"),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),
    Column(
        "kind",
        String(8),
        nullable=False,
        info=technical("„24h“ oder „2h“", "“24h” or “2h”", Reader.BOT, Reader.DATABASE),
    ),  # "24h" | "2h"
    Column(
        "due_at",
        DateTime,
        nullable=False,
        info=about(
            Held(
                Words("wann zu senden (UTC)", "when to send (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("folgt aus dem Termin", "follows from the appointment"),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),
    Column(
        "claimed_at",
        DateTime,
        info=technical(
            "wann ein Bot-Prozess sie zum Senden übernommen hat",
            "when a bot process took it for sending",
            Reader.BOT,
            Reader.DATABASE,
        ),
    ),
    Column(
        "sent_at",
        DateTime,
        info=about(
            Held(
                Words("wann gesendet (UTC)", "when it was sent (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("sagt, dass die Person erinnert wurde", "says that the client was reminded"),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),
    UniqueConstraint("appointment_id", "kind", name="uq_reminders_appointment_id_kind"),
    Index("ix_reminders_due_at", "due_at"),
    info=about(
        Kept(
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
        )
    ),
)

waiting_list = Table(
    "waiting_list",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, info=row_id()),
    Column("office_id", String(32), nullable=False, info=office_id()),
    Column("client_key", String(64), nullable=False, info=about(CLIENT_KEY)),
    Column(
        "language",
        String(16),
        nullable=False,
        info=about(
            Held(
                Words("gewünschte Sprache", "wanted language"),
                Personal.PSEUDONYMOUS,
                Words(
                    "gehört zum Pseudonym; kann auf die Herkunft hindeuten",
                    "belongs to the pseudonym; may hint at origin",
                ),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),
    Column(
        "created_at",
        DateTime,
        nullable=False,
        info=about(
            Held(
                Words("seit wann die Person wartet (UTC)", "since when the client waits (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym", "belongs to the pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),  # first come, first served
    Column(
        "notified_at",
        DateTime,
        info=about(
            Held(
                Words(
                    "wann ihr ein freier Termin gemeldet wurde (UTC)",
                    "when a free slot was announced to them (UTC)",
                ),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym", "belongs to the pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),
    UniqueConstraint("client_key", name="uq_waiting_list_client_key"),
    Index("ix_waiting_list_language_created_at", "language", "created_at"),
    info=about(
        Kept(
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
        )
    ),
)


audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, info=row_id()),
    Column(
        "at",
        DateTime,
        nullable=False,
        index=True,
        info=about(
            Held(
                Words("Zeitpunkt (UTC)", "time (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("Handlung eines Teammitglieds", "an action of a staff member"),
                (Reader.ADMIN, Reader.DATABASE),
            )
        ),
    ),  # UTC
    Column("office_id", String(32), nullable=False, info=office_id()),
    Column(
        "staff_key",
        String(64),
        nullable=False,
        info=about(
            Held(
                Words(
                    "Pseudonym des Teammitglieds: HMAC-SHA256(Pepper, „staff:“ + Telegram-Nutzerkennung), "
                    "an der Kommandozeile „staff-cli:“ + Anmeldename",
                    "the staff member's pseudonym: HMAC-SHA256(pepper, “staff:” + Telegram user id), at "
                    "the command line “staff-cli:” + login name",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "mit Pepper und der Kennungsliste des Teams (oder den Anmeldenamen des Servers) "
                    "zuzuordnen (gewollt: Nachvollziehbarkeit)",
                    "can be resolved with the pepper and the staff allow-list (or the server's login "
                    "names) (intended: accountability)",
                ),
                (Reader.ADMIN, Reader.DATABASE),
            )
        ),
    ),  # HMAC of the staff member's Telegram id, or of their login at the command line
    Column(
        "action",
        String(32),
        nullable=False,
        info=about(
            Held(
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
            )
        ),
    ),
    Column(
        "case_code",
        String(16),
        nullable=False,
        server_default="",
        info=about(
            Held(
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
            )
        ),
    ),
    info=about(
        Kept(
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
        )
    ),
)
