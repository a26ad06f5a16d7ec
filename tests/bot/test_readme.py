"""The README's generated parts are current: a newcomer reads what the assistant really does."""

from __future__ import annotations

from bot.readme import DIAGRAM, README, blocks, render
from flows.diagram import mermaid


def test_the_readme_shows_the_current_journey_and_a_real_transcript() -> None:
    """Check that the README's diagram and transcript equal freshly generated ones (`make diagram`)."""
    text = README.read_text(encoding="utf-8")
    assert render(text, blocks()) == text
    assert DIAGRAM.read_text(encoding="utf-8") == mermaid()
