"""Keeps the README's generated parts true: the journey diagram and a real terminal transcript."""

from __future__ import annotations

import asyncio
import io
import re
import tempfile
from pathlib import Path

from bot.config import ROOT, load
from flows.diagram import mermaid

README = ROOT / "README.md"
DIAGRAM = ROOT / "docs" / "journey.mmd"
# What the transcript's client types: English, accept the privacy notice, contact details.
SCRIPT = ["English", "1", "Contact and opening hours"]


async def _transcript() -> str:
    from bot.assistant import Assistant
    from bot.terminal_door import TerminalDoor

    with tempfile.TemporaryDirectory() as data_dir:
        assistant = Assistant.build(load({"COMEHOME_DATA_DIR": data_dir}))
        out = io.StringIO()
        door = TerminalDoor(assistant, out, user="demo")
        await door.run(io.StringIO("\n".join(SCRIPT) + "\n"), echo=True)
        assistant.db.dispose()
    return out.getvalue().strip()


def transcript() -> str:
    return asyncio.run(_transcript())


def blocks() -> dict[str, str]:
    return {
        "transcript": f"```text\n{transcript()}\n```",
        "diagram": f"```mermaid\n{mermaid()}```",
    }


def render(text: str, parts: dict[str, str]) -> str:
    for name, body in parts.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)

        def between(match: re.Match[str], body: str = body) -> str:
            return f"{match.group(1)}{body}\n{match.group(2)}"

        text = pattern.sub(between, text)
    return text


def refresh(readme: Path = README) -> None:
    DIAGRAM.parent.mkdir(exist_ok=True)
    DIAGRAM.write_text(mermaid(), encoding="utf-8")
    readme.write_text(render(readme.read_text(encoding="utf-8"), blocks()), encoding="utf-8")
