"""`comehome --help` stays quick: it loads neither python-telegram-bot nor SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("telegram", "sqlalchemy", "alembic", "jinja2")

LOADED_BY_HELP = f"""
import contextlib, io, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
    main(["--help"])
assert "slots" in out.getvalue() and "privacy" in out.getvalue(), out.getvalue()
print(" ".join(sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r}))))
"""


def test_help_lists_every_group_without_loading_the_heavy_libraries() -> None:
    """Check that the help, with every command group on it, is printed without importing the bot
    library, the database library, migrations or templates (each command imports them itself)."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED_BY_HELP],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == ""
