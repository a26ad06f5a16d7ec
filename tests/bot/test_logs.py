"""Log lines carry tracebacks for the operator and nothing a client wrote or is known by."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SENTINELS = ("Sentinelfirst", "7300000001337", "0176 5550 1234", "sentinel@example.org")

# A step that fails on a client's message, the way the doors log it (bot/app.py, bot/webhook.py).
FAILING_STEP = textwrap.dedent(
    """
    import logging
    import sys

    from bot.logs import setup_logging

    setup_logging("INFO")
    log = logging.getLogger("bot.app")

    def read_note(text, chat_id, name):
        try:
            {}[text]
        except KeyError as error:
            raise ValueError(f"chat {chat_id} ({name}) wrote {text!r}") from error

    text, chat_id, name = sys.argv[1:]  # what an update brings, never in the code itself
    try:
        read_note(text, int(chat_id), name)
    except Exception as error:
        log.error("step failed, update will be retried", exc_info=error)
    log.warning("a library said: chat_id=%s not found", chat_id)
    """
)


def test_a_failed_step_is_logged_with_its_traceback_and_without_the_client(tmp_path: Path) -> None:
    """Check that an exception quoting a client's text and chat id is logged, through the logging
    the `comehome` command sets up, with its whole traceback (both exceptions, the function that
    failed, the line of code) but with neither the text nor the id nor the name."""
    script = tmp_path / "failing_step.py"
    script.write_text(FAILING_STEP, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            str(script),
            "Ruf an: 0176 5550 1234 oder sentinel@example.org",
            "7300000001337",
            "Sentinelfirst",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    log = done.stderr
    assert "ERROR bot.app: step failed, update will be retried" in log
    assert log.count("Traceback (most recent call last):") == 2
    assert "in read_note" in log and "{}[text]" in log
    assert "builtins.KeyError (message withheld)" in log
    assert "builtins.ValueError (message withheld)" in log
    assert "a library said: chat_id=<number> not found" in log
    for sentinel in SENTINELS:
        assert sentinel not in log, sentinel
