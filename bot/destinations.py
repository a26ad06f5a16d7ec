"""Every place the service sends data, declared in one place, logged at start and checked.

Outbound there are two ways only: the Telegram Bot API (the client's own chat and the staff
chats) and the office's mail server (the office mailbox). Both come from configuration, so
`refuse_foreign_recipients` checks at start that each mailbox lies in a mail domain the office
file says the office owns, and names no authority. No other module may open a network
connection: `SENDERS` lists the only modules allowed to import a network client, and a test
reads every module's imports to hold that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import ConfigError, Office, Settings

log = logging.getLogger(__name__)

# Modules that may import a network client, and which. python-telegram-bot (and its httpx) is
# reached only through the Telegram door's modules; `urllib.parse` only parses, it is no client.
NETWORK_CLIENTS = ("httpx", "smtplib", "socket", "urllib", "aiohttp", "requests", "http.client")
SENDERS: dict[str, frozenset[str]] = {
    "bot.mail": frozenset({"smtplib"}),  # the office mailbox, through the office's mail server
    "bot.http_edges": frozenset({"socket"}),  # the webhook's listening side (accepts, never dials)
}
NOT_A_CLIENT = frozenset({"urllib.parse"})

# Words in an address that name an authority the office must never write to.
AUTHORITIES = (
    "auslaenderbehoerde",
    "ausländerbehörde",
    "auslaenderamt",
    "bamf",
    "polizei",
    "police",
)


@dataclass(frozen=True)
class Destination:
    what: str  # what goes there
    where: str  # the address, as configured (never a client's)

    def __str__(self) -> str:
        return f"{self.what}: {self.where}"


def declared(settings: Settings) -> list[Destination]:
    """Where this installation sends data, from its configuration."""
    found = [
        Destination(
            "Telegram Bot API (clients' own chats and staff chats)",
            settings.telegram_api_base_url,
        )
    ]
    for office in settings.offices:
        if office.staff_chat_ids:
            found.append(
                Destination(
                    f"staff chats of {office.id}", ", ".join(map(str, office.staff_chat_ids))
                )
            )
        mailbox = settings.mailbox(office)
        if mailbox and settings.smtp is not None:
            found.append(
                Destination(
                    f"mailbox of {office.id}",
                    f"{mailbox} via {settings.smtp.host}:{settings.smtp.port}",
                )
            )
    return found


def log_at_start(settings: Settings) -> None:
    for destination in declared(settings):
        log.info("destination: %s", destination)


def owned_domains(office: Office) -> tuple[str, ...]:
    """The mail domains the office file names (`mail_domains`), else its own address's domain."""
    if office.mail_domains:
        return tuple(d.lower().lstrip("@") for d in office.mail_domains)
    return (office.email.rpartition("@")[2].lower(),) if "@" in office.email else ()


def refuse_foreign_recipients(settings: Settings) -> None:
    """At start: every mailbox must lie in a domain its office owns and name no authority."""
    for office in settings.offices:
        mailbox = settings.mailbox(office)
        if not mailbox:
            continue
        domain = mailbox.rpartition("@")[2].lower()
        if any(word in mailbox.lower() for word in AUTHORITIES):
            raise ConfigError(f"office {office.id}: the mailbox {mailbox} names an authority")
        owned = owned_domains(office)
        if not owned:
            if settings.production:
                raise ConfigError(
                    f"office {office.id}: name the mail domains the office owns (mail_domains) "
                    "before summaries are mailed"
                )
            log.warning("office %s: no mail_domains in the office file; not checked", office.id)
        elif not any(domain == d or domain.endswith("." + d) for d in owned):
            raise ConfigError(
                f"office {office.id}: the mailbox {mailbox} is outside the office's mail domains "
                f"({', '.join(owned)})"
            )
