"""The tables of what the office sets (migration 0002): booking rules, counsellors and their
hours, closure days, single extra and blocked slots, interpreters and the languages served on
request. Times of day are Europe/Berlin wall-clock times; instants are naive UTC."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Time,
)

from storage.privacy import (
    COUNSELLOR,
    INTERPRETER,
    STAFF_CAN_SEE,
    UNTIL_OFFICE_REMOVES,
    Held,
    Kept,
    Personal,
    Reader,
    Words,
    about,
    office_id,
    setting,
    work_time,
)
from storage.tables.base import metadata

office_settings = Table(
    "office_settings",
    metadata,
    Column("office_id", String(32), primary_key=True, info=office_id()),
    Column(
        "appointment_minutes",
        Integer,
        nullable=False,
        info=setting("Dauer eines Termins (Minuten)", "length of an appointment (minutes)"),
    ),
    Column(
        "buffer_minutes",
        Integer,
        nullable=False,
        info=setting("Pause zwischen Terminen (Minuten)", "pause between appointments (minutes)"),
    ),
    Column(
        "horizon_days",
        Integer,
        nullable=False,
        info=setting(
            "wie weit im Voraus gebucht werden kann (Tage)",
            "how far ahead clients can book (days)",
        ),
    ),
    Column(
        "notice_working_days",
        Integer,
        nullable=False,
        info=setting("frühester Termin in Arbeitstagen", "earliest booking in working days"),
    ),
    Column(
        "interpreter_notice_working_days",
        Integer,
        nullable=False,
        info=setting(
            "frühester Termin mit Dolmetschung in Arbeitstagen",
            "earliest booking with an interpreter in working days",
        ),
    ),
    Column(
        "languages_without_interpreter",
        String(200),
        nullable=False,
        info=setting(
            "Sprachen ohne Dolmetschung, z. B. „de,en“",
            "languages needing no interpreter, e.g. “de,en”",
        ),
    ),  # "de,en"
    Column(
        "yearly_closures",
        String(200),
        nullable=False,
        info=setting(
            "jährliche Schließtage, z. B. „12-24,12-31“",
            "yearly closure days, e.g. “12-24,12-31”",
        ),
    ),  # "12-24,12-31"
    Column(
        "holiday_subdivision",
        String(8),
        nullable=False,
        info=setting(
            "Bundesland für Feiertage, z. B. „BY“", "state for public holidays, e.g. “BY”"
        ),
    ),  # "BY"
    Column(
        "holiday_categories",
        String(64),
        nullable=False,
        info=setting(
            "Feiertagsarten, z. B. „public,catholic“",
            "kinds of holidays, e.g. “public,catholic”",
        ),
    ),
    info=about(
        Kept(
            Words("Regeln der Terminvergabe des Büros", "the office's booking rules"),
            UNTIL_OFFICE_REMOVES,
        )
    ),  # "public,catholic"
)

counsellors = Table(
    "counsellors",
    metadata,
    Column(
        "id",
        String(24),
        primary_key=True,
        info=about(
            Held(
                Words("kurze Kennung, z. B. „c1“", "short id, e.g. “c1”"),
                Personal.YES,
                Words("verweist auf eine namentlich geführte Person", "points to a named person"),
                (Reader.ADMIN, Reader.DATABASE),
            )
        ),
    ),  # short ASCII, part of slot keys: "c1"
    Column("office_id", String(32), nullable=False, info=office_id()),
    Column(
        "name",
        String(100),
        nullable=False,
        info=about(
            Held(
                Words(
                    "Name, wie das Team ihn sieht (das Büro wählt ihn)",
                    "name as staff see it (chosen by the office)",
                ),
                Personal.YES,
                Words("Name einer beschäftigten Person", "name of an employee"),
                STAFF_CAN_SEE,
            )
        ),
    ),
    info=about(
        Kept(
            Words("die Beratenden des Büros", "the office's counsellors"),
            Words(
                "bleibt; die Kommandozeile kann umbenennen, aber nicht entfernen",
                "kept; the command line can rename but not remove them",
            ),
        )
    ),
)

counsellor_hours = Table(
    "counsellor_hours",
    metadata,
    Column(
        "counsellor_id",
        String(24),
        ForeignKey("counsellors.id", name="fk_counsellor_hours_counsellor_id", ondelete="CASCADE"),
        primary_key=True,
        info=work_time("wessen Zeiten", "whose hours", COUNSELLOR),
    ),
    Column(
        "weekday",
        Integer,
        primary_key=True,
        autoincrement=False,
        info=work_time("Wochentag (0 = Montag)", "weekday (0 = Monday)", COUNSELLOR),
    ),  # 0 = Monday
    Column(
        "opens",
        Time,
        primary_key=True,
        info=work_time("Beginn (Ortszeit München)", "start (Munich time)", COUNSELLOR),
    ),
    Column(
        "closes",
        Time,
        nullable=False,
        info=work_time("Ende (Ortszeit München)", "end (Munich time)", COUNSELLOR),
    ),
    info=about(
        Kept(
            Words(
                "wöchentliche Beratungszeiten je Beratende",
                "weekly counselling hours per counsellor",
            ),
            UNTIL_OFFICE_REMOVES,
        )
    ),
)

closure_days = Table(
    "closure_days",
    metadata,
    Column("office_id", String(32), primary_key=True, info=office_id()),
    Column("day", Date, primary_key=True, info=setting("Schließtag", "closure day")),
    info=about(
        Kept(
            Words("Tage, an denen das Büro geschlossen ist", "days the office is closed"),
            UNTIL_OFFICE_REMOVES,
        )
    ),
)

extra_slots = Table(
    "extra_slots",
    metadata,
    Column(
        "counsellor_id",
        String(24),
        ForeignKey("counsellors.id", name="fk_extra_slots_counsellor_id", ondelete="CASCADE"),
        primary_key=True,
        info=work_time("wessen Termin", "whose slot", COUNSELLOR),
    ),
    Column(
        "starts_at",
        DateTime,
        primary_key=True,
        info=work_time("Beginn (UTC)", "start (UTC)", COUNSELLOR),
    ),
    Column(
        "ends_at", DateTime, nullable=False, info=work_time("Ende (UTC)", "end (UTC)", COUNSELLOR)
    ),
    info=about(
        Kept(
            Words(
                "zusätzliche einzelne Termine einer Beratenden",
                "single extra slots of a counsellor",
            ),
            UNTIL_OFFICE_REMOVES,
        )
    ),
)

blocked_slots = Table(
    "blocked_slots",
    metadata,
    Column(
        "counsellor_id",
        String(24),
        ForeignKey("counsellors.id", name="fk_blocked_slots_counsellor_id", ondelete="CASCADE"),
        primary_key=True,
        info=work_time("wessen Sperre", "whose block", COUNSELLOR),
    ),
    Column(
        "starts_at",
        DateTime,
        primary_key=True,
        info=work_time("Beginn (UTC)", "start (UTC)", COUNSELLOR),
    ),
    Column(
        "ends_at", DateTime, nullable=False, info=work_time("Ende (UTC)", "end (UTC)", COUNSELLOR)
    ),
    info=about(
        Kept(
            Words("gesperrte Zeiten einer Beratenden", "blocked times of a counsellor"),
            UNTIL_OFFICE_REMOVES,
        )
    ),
)

interpreters = Table(
    "interpreters",
    metadata,
    Column(
        "id",
        String(24),
        primary_key=True,
        info=about(
            Held(
                Words("kurze Kennung aus dem Namen", "short id made from the name"),
                Personal.YES,
                Words("aus dem Namen gebildet", "made from the name"),
                (Reader.ADMIN, Reader.DATABASE),
            )
        ),
    ),
    Column("office_id", String(32), nullable=False, info=office_id()),
    Column(
        "name",
        String(100),
        nullable=False,
        info=about(
            Held(
                Words("Name, wie das Team ihn sieht", "name as staff see it"),
                Personal.YES,
                Words(
                    "Name einer (oft freiberuflichen) Person", "name of a (often freelance) person"
                ),
                STAFF_CAN_SEE,
            )
        ),
    ),
    Column(
        "active",
        Boolean,
        nullable=False,
        info=about(
            Held(
                Words("wird noch eingeplant", "still scheduled"),
                Personal.YES,
                Words("Angabe über eine benannte Person", "a fact about a named person"),
                (Reader.ADMIN,),
            )
        ),
    ),
    info=about(
        Kept(
            Words("Dolmetschende des Büros", "the office's interpreters"),
            Words(
                "bleibt; `comehome interpreters remove` setzt nur `active` auf falsch, die Zeile "
                "bleibt (gebuchte Termine verweisen auf sie)",
                "kept; `comehome interpreters remove` only sets `active` to false, the row stays "
                "(booked appointments point to it)",
            ),
        )
    ),
)

interpreter_languages = Table(
    "interpreter_languages",
    metadata,
    Column(
        "interpreter_id",
        String(24),
        ForeignKey(
            "interpreters.id", name="fk_interpreter_languages_interpreter_id", ondelete="CASCADE"
        ),
        primary_key=True,
        info=work_time("wessen Sprache", "whose language", INTERPRETER),
    ),
    Column(
        "language",
        String(16),
        primary_key=True,
        info=work_time("Sprachcode, z. B. „fa_AF“", "language code, e.g. “fa_AF”", INTERPRETER),
    ),
    info=about(
        Kept(Words("Sprachen je Dolmetschende", "languages per interpreter"), UNTIL_OFFICE_REMOVES)
    ),  # a locale code: "ar", "fa_AF"
)

interpreter_hours = Table(
    "interpreter_hours",
    metadata,
    Column(
        "interpreter_id",
        String(24),
        ForeignKey(
            "interpreters.id", name="fk_interpreter_hours_interpreter_id", ondelete="CASCADE"
        ),
        primary_key=True,
        info=work_time("wessen Zeiten", "whose hours", INTERPRETER),
    ),
    Column(
        "weekday",
        Integer,
        primary_key=True,
        autoincrement=False,
        info=work_time("Wochentag (0 = Montag)", "weekday (0 = Monday)", INTERPRETER),
    ),
    Column(
        "opens",
        Time,
        primary_key=True,
        info=work_time("Beginn (Ortszeit München)", "start (Munich time)", INTERPRETER),
    ),
    Column(
        "closes",
        Time,
        nullable=False,
        info=work_time("Ende (Ortszeit München)", "end (Munich time)", INTERPRETER),
    ),
    info=about(
        Kept(
            Words(
                "wöchentliche Verfügbarkeit je Dolmetschende", "weekly availability per interpreter"
            ),
            UNTIL_OFFICE_REMOVES,
        )
    ),
)

on_request_languages = Table(
    "on_request_languages",
    metadata,
    Column("office_id", String(32), primary_key=True, info=office_id()),
    Column("language", String(16), primary_key=True, info=setting("Sprachcode", "language code")),
    info=about(
        Kept(
            Words(
                "Sprachen, für die ein externer Dienst auf Anfrage dolmetscht",
                "languages an outside service interprets on request",
            ),
            UNTIL_OFFICE_REMOVES,
        )
    ),
)
