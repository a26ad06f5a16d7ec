"""Log lines for the operator: with tracebacks, never with what a client wrote or who they are.

`RedactingFormatter` keeps each frame of a traceback (file, line, function, the line of code) and
the exception's type, but drops every exception's message (it may quote a client's text or a
Telegram error with a chat id), and masks what still looks like an identifier, a bot token or an
e-mail address anywhere in the line, also in the messages of libraries.
"""

from __future__ import annotations

import logging
import re
import traceback
from types import TracebackType

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# A Telegram bot token, an e-mail address, a long run of digits (user, chat and phone numbers).
_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_DIGITS = re.compile(r"\d[\d ]{4,}\d")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def redact(text: str) -> str:
    """The text with tokens, e-mail addresses and long numbers masked."""
    text = _TOKEN.sub("<token>", text)
    text = _EMAIL.sub("<e-mail>", text)
    return _DIGITS.sub("<number>", text)


def traceback_without_messages(error: BaseException) -> str:
    """The traceback of `error` and of the exceptions it was raised from, messages withheld."""
    lines: list[str] = []
    seen: set[int] = set()

    def add(exc: BaseException) -> None:
        seen.add(id(exc))
        chained = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        if chained is not None and id(chained) not in seen:
            add(chained)
            lines.append("\nThe above exception led to the following exception:\n\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.StackSummary.extract(traceback.walk_tb(exc.__traceback__)).format())
        kind = type(exc)
        lines.append(f"{kind.__module__}.{kind.__qualname__} (message withheld)\n")

    add(error)
    return "".join(lines).rstrip("\n")


class RedactingFormatter(logging.Formatter):
    """A formatter whose output holds no message text, name or identifier (see the module)."""

    def __init__(self, fmt: str = FORMAT) -> None:
        super().__init__(fmt)

    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:
        _, error, _ = ei
        return "" if error is None else traceback_without_messages(error)

    def formatStack(self, stack_info: str) -> str:
        return stack_info

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str) -> None:
    """Log to standard error through `RedactingFormatter`; quiet the chatty libraries."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter())
    logging.basicConfig(level=level, handlers=[handler])
    quiet_libraries()


def quiet_libraries() -> None:
    """httpx logs every request URL at INFO (the URL holds the bot token); PTB logs updates at DEBUG."""
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
