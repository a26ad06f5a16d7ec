"""The whole journey in the terminal in Arabic and in Georgian: intake, estimate, booking."""

from __future__ import annotations

import io
import re

import pytest

from bot.assistant import Assistant
from bot.demo import seed_demo_office
from bot.terminal_door import TerminalDoor

JOURNEYS = {
    # language name as typed, country as typed, script of the language
    "ar": ("العربية", "العراق", "[\u0600-\u06ff]"),
    "ka": ("ქართული", "საქართველო", "[\u10d0-\u10ff]"),
}


@pytest.mark.parametrize("code", sorted(JOURNEYS))
async def test_a_client_books_in_their_language(assistant: Assistant, code: str) -> None:
    """Check that intake, estimate and booking work end to end in the terminal in Arabic and Georgian."""
    name, country, script = JOURNEYS[code]
    seed_demo_office(assistant.db, "muenchen")
    lines = [
        name,
        "1",  # language, accept the privacy notice
        "2",
        country,
        "2",
        "0",
        "1",
        "2",
        "1",
        "7",  # intake, answered by number, interests done
        "2",  # "this is right" (no note): the estimate and the menu follow
        "1",  # book (first in the menu after the intake)
        "1",  # an interpreter for the chat's language
        "1",
        "1",
    ]  # first time, confirm
    out = io.StringIO()
    door = TerminalDoor(assistant, out, user=f"client-{code}")
    await door.run(io.StringIO("\n".join(lines) + "\n"), echo=True)
    text = out.getvalue()
    assert len(re.findall(script, text)) > 500  # the journey speaks the language throughout
    assert "€" in text  # the household estimate, with amounts
    assert re.search(r"\b[2-9A-HJ-NP-Z]{8}\b", text)  # the case code of the booking
    assert "[appointment.ics" in text
    chosen = text.split(f"> {name}", 1)[1]  # before the choice, the list is all there is
    assert "Please" not in chosen and "Which country" not in chosen  # no English fallback
