"""The terminal door, driven through standard input like a person would."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.assistant import Assistant
from bot.config import ROOT
from bot.terminal_door import TerminalDoor


async def transcript(assistant: Assistant, lines: list[str]) -> str:
    out = io.StringIO()
    door = TerminalDoor(assistant, out, user="tester")
    await door.run(io.StringIO("\n".join(lines) + "\n"), echo=True)
    return out.getvalue()


async def test_numbers_pick_buttons_and_labels_can_be_typed(assistant: Assistant) -> None:
    """Check that a client can answer by button number, by typing a label, or by typing text."""
    text = await transcript(
        assistant, ["English", "1", "Preliminary intake (anonymous)", "Iraq", "2", "0", "/menu"]
    )
    assert "1) Deutsch" in text and ") English" in text
    assert "Which country would you return to?" in text
    assert "How many adults" in text and "How many children" in text
    assert text.rstrip().endswith(") Delete my data")


async def test_bad_input_in_the_terminal_gets_a_hint(assistant: Assistant) -> None:
    """Check that a number that is no button and unknown commands are answered, not ignored."""
    text = await transcript(assistant, ["English", "99", "/nonsense"])
    assert text.count("Please choose") >= 1
    assert "I do not know this command" in text


def test_comehome_chat_reads_a_script_from_standard_input(tmp_path: Path) -> None:
    """Check that `comehome chat` runs a whole scripted conversation from a pipe, with a demo database."""
    env = {**os.environ, "COMEHOME_DATA_DIR": str(tmp_path), "LANG": "de_DE.UTF-8"}
    env.pop("COMEHOME_DATABASE_URL", None)
    script = "1\n1\n/help\n/delete\n1\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input=script,
        text=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Bitte wählen Sie Ihre Sprache." in result.stdout
    assert "Die Ausländerbehörde wird nicht informiert." in result.stdout
    assert "/language" in result.stdout  # the help screen
    assert "gelöscht" in result.stdout
    assert (tmp_path / "comehome.db").exists()
    assert oct((tmp_path / "secrets.toml").stat().st_mode & 0o777) == "0o600"


async def test_a_number_is_read_as_a_number_where_the_question_asks_for_one(
    assistant: Assistant,
) -> None:
    """Check that where the question asks for a number, a typed 7 means seven adults and an
    Arabic-Indic ٣ three children (not the 7th or 3rd button), the buttons show letters instead,
    and a letter still presses its button."""
    rest = ["Prefer not to say", "Prefer not to say", "Done", "Skip"]
    text = await transcript(
        assistant, ["English", "1", "Preliminary intake (anonymous)", "Iraq", "7", "٣", *rest]
    )
    assert "a) 1" in text and "g) Prefer not to say" in text
    assert "Adults: 7" in text and "Children under 18: 3" in text
    lettered = await transcript(assistant, ["Change adults", "b"])
    assert "Adults: 2" in lettered


async def test_a_note_at_the_stated_limit_is_refused_and_one_below_is_kept(
    assistant: Assistant,
) -> None:
    """Check that "under 300 characters" means what it says: 300 is refused, 299 kept."""
    skips = ["Preliminary intake (anonymous)"] + ["Prefer not to say"] * 5 + ["Done"]
    text = await transcript(assistant, ["English", "1", *skips, "x" * 300, "y" * 299])
    assert "Yours has 300" in text
    assert "Note: " + "y" * 299 in text.replace("\u2068", "").replace("\u2069", "")
