"""The rules of the house, read from the imports: flows pure, storage without the doors, the
step and its jobs (bot/service/) without Telegram, and the web door without Telegram's library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported(folder: str) -> dict[str, set[str]]:
    """Each module under `folder` with the top-level packages it imports, at any depth."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("flows", {"bot", "storage", "telegram", "sqlalchemy", "jinja2"}),
        ("storage", {"bot", "telegram", "jinja2"}),
        ("bot/service", {"telegram"}),
    ],
)
def test_a_layer_imports_nothing_it_must_not_know(folder: str, forbidden: set[str]) -> None:
    """Check that flows/ imports no door, database or template library, that storage/ knows no
    door, and that the step and its jobs know no Telegram (a door tells them what they need)."""
    breaking = {
        module: sorted(names & forbidden)
        for module, names in imported(folder).items()
        if names & forbidden
    }
    assert breaking == {}


def test_the_web_door_loads_no_telegram_library() -> None:
    """Check that serving the web door alone imports nothing of python-telegram-bot."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bot.web.app, bot.web.serve; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'telegram'))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]"
