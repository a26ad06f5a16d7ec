"""Leaving the terminal chat with Ctrl-C or Ctrl-D, as a person at a real terminal does."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest

from bot.config import ROOT
from bot.terminal_door import GOODBYE

COMEHOME = Path(sys.executable).with_name("comehome")


class Terminal:
    """`comehome chat` on a pseudo-terminal: what a person types, and what they see."""

    def __init__(self, data_dir: Path) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the command, as typed at a shell
            os.chdir(ROOT)
            os.environ.update(COMEHOME_DATA_DIR=str(data_dir), LANG="C.UTF-8")
            os.environ.pop("TELEGRAM_BOT_TOKEN", None)
            os.execv(str(COMEHOME), [str(COMEHOME), "chat", "--user", "tester"])
        self.seen = b""

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            assert time.monotonic() < deadline, f"{text!r} not shown; saw {self.seen[-600:]!r}"
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.seen += os.read(self.fd, 65536)
                except OSError:  # the child has gone
                    break

    def type(self, keys: str) -> None:
        """Type once the screen is quiet; `seen` then holds only what the keys bring."""
        while select.select([self.fd], [], [], 0.3)[0]:
            self.seen += os.read(self.fd, 65536)
        self.seen = b""
        os.write(self.fd, keys.encode())

    def exit_code(self, timeout: float = 5.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        raise AssertionError(f"still running {timeout} s after the key; saw {self.seen!r}")


QUESTION = "Which country would you return to?"


@pytest.mark.skipif(not COMEHOME.exists(), reason="needs the installed `comehome` command")
@pytest.mark.parametrize("key", ["\x03", "\x04"], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_and_ctrl_d_end_the_chat_at_once_and_it_resumes(tmp_path: Path, key: str) -> None:
    """Check that Ctrl-C/Ctrl-D end the chat with one line and code 0, and it resumes there."""
    chat = Terminal(tmp_path)
    chat.wait_for("4) English")
    for answer, next_screen in (("4\n", "More about privacy"), ("1\n", "6) "), ("2\n", QUESTION)):
        chat.type(answer)
        chat.wait_for(next_screen)
    chat.wait_for("> ")
    chat.type(key)
    assert chat.exit_code() == 0
    chat.wait_for(GOODBYE)
    shown = chat.seen.decode().replace("\r", "")
    assert "Traceback" not in shown and len(shown.strip().splitlines()) <= 2

    again = Terminal(tmp_path)
    again.wait_for(QUESTION)
    again.wait_for("> ")
    again.type("\x04")
    assert again.exit_code() == 0
