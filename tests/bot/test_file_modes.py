"""Everything the service writes is readable by the service's own user only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.config import ROOT

# Started the way a shell with the common umask 022 would start it: the command itself must close
# its files to others. The connection stays open while the modes are read, so -wal and -shm exist.
SCRIPT = """
import json, os, stat, sys
from pathlib import Path
from bot.cli import main
assert main(["migrate"]) == 0
from bot import config
from storage.db import Database
settings = config.load()
db = Database(settings.database_url)
with db.transaction() as tx:
    tx.exec_driver_sql("DELETE FROM processed_updates")
data = Path(os.environ["COMEHOME_DATA_DIR"])
modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (data, *sorted(data.iterdir()))}
print(json.dumps(modes))
"""


def run_as_shell_would(tmp_path: Path, script: str) -> dict[str, int]:
    env = {
        **os.environ,
        "COMEHOME_DATA_DIR": str(tmp_path / "var"),
        "COMEHOME_ENV": "development",
    }
    for name in ("COMEHOME_DATABASE_URL", "COMEHOME_PEPPER", "COMEHOME_CHAT_KEYS"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),  # in the child, before it starts
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_data_folder_database_wal_shm_and_secrets_are_private(tmp_path: Path) -> None:
    """Check that, started with umask 022, the data folder is 0700 and the database, its -wal
    and -shm and the local secrets file are 0600."""
    modes = run_as_shell_would(tmp_path, SCRIPT)
    assert modes["var"] == 0o700
    for name in ("comehome.db", "comehome.db-wal", "comehome.db-shm", "secrets.toml"):
        assert modes[name] == 0o600, (name, oct(modes[name]))


def test_files_left_readable_by_an_older_version_are_closed(tmp_path: Path) -> None:
    """Check that a database file made world-readable before is made private when opened."""
    data = tmp_path / "var"
    data.mkdir()
    old = data / "comehome.db"
    old.write_bytes(b"")
    old.chmod(0o644)
    modes = run_as_shell_would(tmp_path, SCRIPT)
    assert modes["comehome.db"] == 0o600
