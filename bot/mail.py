"""Staff summaries by e-mail to the office mailbox (SMTP with STARTTLS)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage

from bot.config import Smtp
from bot.render import Message

TIMEOUT = 20.0


class Mailer:
    def __init__(self, settings: Smtp) -> None:
        self.settings = settings

    def compose(
        self, messages: Sequence[Message], to: str = "", sender_name: str = "Coming Home"
    ) -> EmailMessage:
        """One e-mail to the office's mailbox (the configured one unless `to` is given): the first
        line of the summary as subject, the plain text as body."""
        text = "\n\n".join(message.plain for message in messages).strip()
        mail = EmailMessage()
        mail["Subject"] = f"{sender_name}: {text.splitlines()[0][:120]}" if text else sender_name
        mail["From"] = self.settings.sender
        mail["To"] = to or self.settings.to
        mail.set_content(text)
        return mail

    def send(
        self, messages: Sequence[Message], to: str = "", sender_name: str = "Coming Home"
    ) -> None:
        """Deliver, or raise: the caller keeps the summary in the outbox and retries later."""
        smtp = self.settings
        with smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT) as server:
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context(cafile=smtp.cafile or None))
            if smtp.user:
                server.login(smtp.user, smtp.password)
            server.send_message(self.compose(messages, to, sender_name))
