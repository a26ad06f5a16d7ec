"""Typed settings, built once at start-up from the environment and the office's TOML file."""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.production_checks import WeakSetting, refuse_weak
from flows.model import LANGUAGE_CODE
from storage.crypto import KeyError_, Keyring, new_secret

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Hours:
    """Opening hours on some weekdays (0 = Monday)."""

    weekdays: tuple[int, ...]
    start: time
    end: time


# The office is responsible for the city of Munich and the surrounding districts (its own words).
MUNICH_DISTRICTS = (
    "München",
    "Landkreis München",
    "Dachau",
    "Ebersberg",
    "Erding",
    "Freising",
    "Fürstenfeldbruck",
    "Starnberg",
)


def _own_languages() -> tuple[str, ...]:
    """`flows.booking.OWN_LANGUAGES`, the rule's one default; imported when an office is made,
    so that `comehome --help` loads no flow."""
    from flows.booking import OWN_LANGUAGES

    return OWN_LANGUAGES


@dataclass(frozen=True)
class Office:
    id: str = "muenchen"
    name: str = "Coming Home – Büro für Rückkehrhilfen"
    organisation: str = (
        "Landeshauptstadt München, Sozialreferat, Amt für Wohnen und Migration, "
        "Migration und Flüchtlinge"
    )
    address: tuple[str, ...] = ("Werinherstr. 87, Haus 24a", "81541 München")
    phone: str = ""
    email: str = ""
    website: str = ""
    hours: tuple[Hours, ...] = (
        Hours((0, 1, 2, 3), time(9), time(12)),
        Hours((0, 1, 2, 3), time(13), time(15, 30)),
    )
    staff_chat_ids: tuple[int, ...] = ()  # chats that receive summaries and the agenda
    staff_user_ids: tuple[int, ...] = ()  # who may use the staff commands
    staff_locale: str = "de"
    agenda_time: time = time(7, 30)  # Europe/Berlin, working days
    # With several offices in one installation: how a client finds theirs (see offices.example.toml)
    short_name: str = "München"  # on the office buttons
    districts: tuple[str, ...] = MUNICH_DISTRICTS  # the towns and districts it serves, as typed
    postcodes: tuple[tuple[int, int], ...] = ()  # inclusive ranges of five-digit postcodes
    mailbox: str = ""  # the office's own mailbox for summaries; empty: COMEHOME_SMTP_TO
    mail_domains: tuple[str, ...] = ()  # the domains it owns: no summary is mailed outside them
    support_file: Path | None = None  # its own support catalogue; None: the installation's
    # The languages it counsels in without an interpreter, in the order clients see them named
    # (the first is the one it counsels in when a client wants no interpreter). The roster
    # (office_settings) is given them at every start; prompts and slots both read them there.
    languages_without_interpreter: tuple[str, ...] = field(default_factory=_own_languages)


@dataclass(frozen=True)
class Settings:
    database_url: str
    keyring: Keyring
    offices: tuple[Office, ...] = field(default_factory=lambda: (Office(),))  # first: the default
    telegram_token: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"
    production: bool = False
    locales_dir: Path = ROOT / "locales"
    log_level: str = "INFO"
    retention_days: int = 30
    audit_days: int = 365  # how long staff actions stay in the audit log
    telegram_pacing: bool = True  # keep to Telegram's limits (off only for a local test API)
    webhook_url: str = ""  # public HTTPS URL Telegram posts to; empty: long polling
    webhook_secret: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    support_file: Path = ROOT / "support.toml"  # the support on offer (programmes, dated figures)
    smtp: Smtp | None = None  # mail summaries to the office mailbox when set

    def __post_init__(self) -> None:
        if not self.offices:
            raise ConfigError("at least one office is needed")
        seen = [office.id for office in self.offices]
        if len(set(seen)) != len(seen):
            raise ConfigError(f"office ids must differ: {', '.join(seen)}")

    @property
    def office(self) -> Office:
        """The default office (the only one in most installations)."""
        return self.offices[0]

    def office_by_id(self, office_id: str) -> Office:
        """The office with this id; the default for an id no longer configured."""
        return next((o for o in self.offices if o.id == office_id), self.offices[0])

    def office_named(self, office_id: str | None) -> Office:
        """The office an operator names on the command line (None: the default one)."""
        if office_id is None:
            return self.offices[0]
        for office in self.offices:
            if office.id == office_id:
                return office
        known = ", ".join(o.id for o in self.offices)
        raise ConfigError(f"no office {office_id!r} in the office file (there are: {known})")

    def office_of_staff(self, user_id: int) -> Office | None:
        """The office whose staff list holds this Telegram user (the first, if several)."""
        return next((o for o in self.offices if user_id in o.staff_user_ids), None)

    def mailbox(self, office: Office) -> str | None:
        """Where this office's summaries are mailed; None when mail is not set up."""
        if self.smtp is None:
            return None
        return office.mailbox or self.smtp.to


@dataclass(frozen=True)
class Smtp:
    """The office's mail server (STARTTLS) and mailbox; credentials from the environment."""

    host: str
    to: str
    sender: str
    port: int = 587
    user: str = ""
    password: str = ""
    starttls: bool = True
    cafile: str = ""  # a CA bundle for a mail server with an internal certificate


def smtp_from(env: Mapping[str, str]) -> Smtp | None:
    if not env.get("COMEHOME_SMTP_HOST"):
        return None
    if not env.get("COMEHOME_SMTP_TO"):
        raise ConfigError("COMEHOME_SMTP_TO (the office mailbox) is needed with COMEHOME_SMTP_HOST")
    return Smtp(
        host=env["COMEHOME_SMTP_HOST"],
        to=env["COMEHOME_SMTP_TO"],
        sender=env.get("COMEHOME_SMTP_FROM", env["COMEHOME_SMTP_TO"]),
        port=integer(env, "COMEHOME_SMTP_PORT", Smtp.port),
        user=env.get("COMEHOME_SMTP_USER", ""),
        password=env.get("COMEHOME_SMTP_PASSWORD", ""),
        starttls=flag(env, "COMEHOME_SMTP_STARTTLS", Smtp.starttls),
        cafile=env.get("COMEHOME_SMTP_CAFILE", ""),
    )


def integer(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number from the environment; an error names the variable."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from None


def rate(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number (of requests a second, say) from the environment; an error names the
    variable."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a number above 0, not {text!r}")
    return value


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A yes/no setting: 1, true, yes, on or 0, false, no, off; an error names the variable."""
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1, true, yes, on or 0, false, no, off, not {text!r}")


def ids(text: str) -> tuple[int, ...]:
    """Comma-separated Telegram ids."""
    try:
        return tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError as error:
        raise ConfigError(f"not a list of Telegram ids: {text!r}") from error


def support_file(env: Mapping[str, str]) -> Path:
    """The support catalogue's file: COMEHOME_SUPPORT_FILE, or support.toml in the repository."""
    return Path(env.get("COMEHOME_SUPPORT_FILE") or ROOT / "support.toml")


def support_max_age_months(env: Mapping[str, str]) -> int:
    """How old (in months) a figure of the support catalogue may be before `comehome support
    check` warns: COMEHOME_SUPPORT_MAX_AGE_MONTHS, default 12."""
    months = integer(env, "COMEHOME_SUPPORT_MAX_AGE_MONTHS", 12)
    if months < 1:
        raise ConfigError(f"COMEHOME_SUPPORT_MAX_AGE_MONTHS must be 1 or more, not {months}")
    return months


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment (COMEHOME_*, TELEGRAM_*), the office file and the secrets."""
    env = os.environ if env is None else env
    mode = env.get("COMEHOME_ENV", "development")
    if mode not in ("development", "production"):
        raise ConfigError(f"COMEHOME_ENV must be exactly development or production, not {mode!r}")
    production = mode == "production"
    data_dir = Path(env.get("COMEHOME_DATA_DIR", ROOT / "var"))
    database_url = env.get("COMEHOME_DATABASE_URL") or f"sqlite:///{data_dir / 'comehome.db'}"
    log_level = env.get("COMEHOME_LOG_LEVEL", "INFO").upper()
    if production and log_level == "DEBUG":
        raise ConfigError("DEBUG logging is not allowed in production: it could log personal data.")
    if env.get("COMEHOME_WEBHOOK_URL") and len(env.get("COMEHOME_WEBHOOK_SECRET", "")) < 32:
        raise ConfigError(
            "COMEHOME_WEBHOOK_SECRET must be set to at least 32 random characters "
            "(`comehome keys new` prints one)."
        )
    api_base_url = env.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org").rstrip("/")
    pacing = flag(env, "COMEHOME_TELEGRAM_PACING", True)
    if not pacing and urlsplit(api_base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ConfigError(
            "COMEHOME_TELEGRAM_PACING=0 is only for a test Bot API on this machine: Telegram "
            "itself limits how fast a bot may send."
        )
    locales_dir = Path(env.get("COMEHOME_LOCALES_DIR", ROOT / "locales"))
    office_file = env.get("COMEHOME_OFFICE_FILE")
    offices = load_offices(Path(office_file), locales_dir) if office_file else (Office(),)
    office = offices[0]  # the environment's staff ids are the default office's
    if env.get("COMEHOME_STAFF_CHAT_IDS"):
        office = replace(office, staff_chat_ids=ids(env["COMEHOME_STAFF_CHAT_IDS"]))
    if env.get("COMEHOME_STAFF_USER_IDS"):
        office = replace(office, staff_user_ids=ids(env["COMEHOME_STAFF_USER_IDS"]))
    keyring = load_keyring(env, data_dir, production)
    if production:
        try:
            refuse_weak(
                keyring.pepper,
                keyring.chat_keys,
                env.get("COMEHOME_WEBHOOK_URL", ""),
                env.get("COMEHOME_WEBHOOK_SECRET", ""),
                api_base_url,
            )
        except WeakSetting as error:
            raise ConfigError(f"refused in production: {error}") from error
    return Settings(
        database_url=database_url,
        keyring=keyring,
        offices=(office, *offices[1:]),
        telegram_token=env.get("TELEGRAM_BOT_TOKEN", ""),
        telegram_api_base_url=api_base_url,
        telegram_pacing=pacing,
        production=production,
        locales_dir=locales_dir,
        log_level=log_level,
        webhook_url=env.get("COMEHOME_WEBHOOK_URL", ""),
        webhook_secret=env.get("COMEHOME_WEBHOOK_SECRET", ""),
        webhook_listen=env.get("COMEHOME_WEBHOOK_LISTEN", "127.0.0.1"),
        webhook_port=integer(env, "COMEHOME_WEBHOOK_PORT", Settings.webhook_port),
        support_file=support_file(env),
        smtp=smtp_from(env),
        retention_days=integer(env, "COMEHOME_RETENTION_DAYS", Settings.retention_days),
        audit_days=integer(env, "COMEHOME_AUDIT_DAYS", Settings.audit_days),
    )


def load_keyring(env: Mapping[str, str], data_dir: Path, production: bool) -> Keyring:
    """Secrets come from the environment; outside production they are made once into a private file."""
    pepper, chat_keys = env.get("COMEHOME_PEPPER"), env.get("COMEHOME_CHAT_KEYS")
    if not (pepper and chat_keys):
        if production:
            raise ConfigError(
                "COMEHOME_PEPPER and COMEHOME_CHAT_KEYS must be set in production "
                "(see OPERATIONS.md; `comehome keys new` prints fresh ones)."
            )
        pepper, chat_keys = _local_secrets(data_dir / "secrets.toml")
    previous = env.get("COMEHOME_PEPPER_PREVIOUS", "")  # while a new pepper is introduced
    try:
        keyring = Keyring.from_text(pepper, chat_keys)
        return keyring.with_previous_pepper(previous) if previous else keyring
    except KeyError_ as error:
        raise ConfigError(f"secrets: {error}") from error


def _local_secrets(path: Path) -> tuple[str, str]:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(
                "# Made on first start for local use. In production set COMEHOME_PEPPER\n"
                "# and COMEHOME_CHAT_KEYS in the environment instead.\n"
                f'pepper = "{new_secret()}"\nchat_keys = "k1:{new_secret()}"\n'
            )
        log.info("made new local secrets file (readable by its owner only)")
    with path.open("rb") as handle:
        secrets = tomllib.load(handle)
    return secrets["pepper"], secrets["chat_keys"]


def load_offices(path: Path, locales_dir: Path = ROOT / "locales") -> tuple[Office, ...]:
    """The office file: one `[office]`, or several `[[offices]]` (the first is the default).
    Every language it names must be one of `locales_dir`'s languages.toml."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from error
    if "offices" in raw and "office" in raw:
        raise ConfigError(f"{path}: use either [office] or [[offices]], not both")
    entries = raw.get("offices") or [raw.get("office", {})]
    offices = tuple(
        office_from(entry, f"{path}: office {n}", path.parent) for n, entry in enumerate(entries, 1)
    )
    known = known_languages(locales_dir)
    for n, office in enumerate(offices, 1):
        refuse_unknown_languages(office, known, f"{path}: office {n}")
    return offices  # `Settings` refuses two offices with one id


def known_languages(locales_dir: Path) -> tuple[str, ...]:
    """The language codes listed in locales/languages.toml (offered to clients or not yet)."""
    listing = locales_dir / "languages.toml"
    try:
        listed = tomllib.loads(listing.read_text(encoding="utf-8")).get("language", [])
        return tuple(str(entry["code"]) for entry in listed)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        raise ConfigError(f"{listing}: {error}") from error


def refuse_unknown_languages(office: Office, known: Sequence[str], where: str) -> None:
    """Each language the office names (counselled without an interpreter, its staff's) is one
    the assistant knows: an unknown code stops the start here, not a client's step later."""
    named = [("languages_without_interpreter", c) for c in office.languages_without_interpreter]
    for setting, code in [*named, ("staff_locale", office.staff_locale)]:
        if code not in known:
            raise ConfigError(
                f"{where}: {setting}: {code!r} is not a language of locales/languages.toml "
                f"(known: {', '.join(known)})"
            )


def postcode_ranges(entries: list[str], where: str) -> tuple[tuple[int, int], ...]:
    """ "80331-81929" or "85221": five-digit German postcodes, single or as an inclusive range."""
    ranges = []
    for entry in entries:
        low, _, high = str(entry).replace(" ", "").partition("-")
        high = high or low
        if not (len(low) == len(high) == 5 and low.isdigit() and high.isdigit()) or low > high:
            raise ConfigError(f"{where}: postcodes: {entry!r} is not 12345 or 12345-12399")
        ranges.append((int(low), int(high)))
    return tuple(ranges)


def language_codes(entries: object) -> tuple[str, ...]:
    """ "languages_without_interpreter": a list of language codes like "de" or "fa_AF"."""
    if not isinstance(entries, list | tuple) or not entries:
        raise ValueError('languages_without_interpreter must be a list like ["de", "en"]')
    for entry in entries:
        if not isinstance(entry, str) or not LANGUAGE_CODE.fullmatch(entry):
            raise ValueError(
                f"languages_without_interpreter: {entry!r} is not a language code like de or fa_AF"
            )
    return tuple(entries)


def office_from(office: dict[str, Any], where: str, folder: Path = ROOT) -> Office:
    """One office's table: name, address, phone, opening hours, staff, the area it serves."""
    get = office.get
    try:
        hours = tuple(
            Hours(
                tuple(int(d) for d in entry["weekdays"]),
                time.fromisoformat(entry["start"]),
                time.fromisoformat(entry["end"]),
            )
            for entry in get("hours", [])
        )
        defaults = Office()
        office_id = str(get("id", defaults.id))
        if (
            not office_id.isascii()
            or not office_id.replace("_", "").isalnum()
            or len(office_id) > 24
        ):
            raise ValueError(f"id must be 1-24 of a-z 0-9 _: {office_id!r}")
        munich = office_id == defaults.id  # the built-in office: its own details are defaults
        missing = [key for key in ("name", "address", "hours") if not munich and not get(key)]
        if missing:
            raise ValueError(f"office {office_id!r} needs its own {', '.join(missing)}")
        return Office(
            id=office_id,
            name=str(get("name", defaults.name)),
            organisation=str(get("organisation", defaults.organisation if munich else "")),
            address=tuple(get("address", defaults.address if munich else ())),
            phone=str(get("phone", "")),
            email=str(get("email", "")),
            website=str(get("website", "")),
            hours=hours or defaults.hours,
            staff_chat_ids=tuple(int(c) for c in get("staff_chat_ids", [])),
            staff_user_ids=tuple(int(c) for c in get("staff_user_ids", [])),
            staff_locale=str(get("staff_locale", "de")),
            agenda_time=time.fromisoformat(str(get("agenda_time", "07:30"))),
            short_name=str(get("short_name", defaults.short_name if munich else get("name", ""))),
            districts=tuple(str(d) for d in get("districts", defaults.districts if munich else ())),
            postcodes=postcode_ranges(list(get("postcodes", [])), where),
            mailbox=str(get("mailbox", "")),
            mail_domains=tuple(str(domain) for domain in get("mail_domains", ())),
            support_file=folder / str(get("support_file")) if get("support_file") else None,
            languages_without_interpreter=language_codes(
                get("languages_without_interpreter", defaults.languages_without_interpreter)
            ),
        )
    except (KeyError, ValueError, TypeError) as error:
        raise ConfigError(f"{where}: {error}") from error
