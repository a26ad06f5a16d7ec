"""`comehome stats` for funders: the office's sentence and CSV from anonymous counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from storage import counts
from storage.db import Database


def test_stats_print_the_sentence_and_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that counts of several months add up, in the sentence and in the CSV export."""
    monkeypatch.setenv("COMEHOME_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COMEHOME_DATABASE_URL", raising=False)
    db = Database(f"sqlite:///{tmp_path / 'comehome.db'}")
    db.migrate()
    with db.transaction() as tx:
        for day, metric, n in (
            (date(2026, 1, 5), "departed", 2),
            (date(2026, 3, 9), "departed", 1),
            (date(2026, 3, 9), "departed:IQ", 2),
            (date(2026, 6, 1), "departed:XK", 1),
            (date(2026, 2, 2), "held", 5),
            (date(2026, 2, 2), "persons", 9),
            (date(2026, 7, 1), "held", 4),
        ):
            counts.count(tx, "muenchen", metric, day, n)
    assert main(["stats", "--from", "2026-01-01", "--to", "2026-06-30"]) == 0
    out = capsys.readouterr().out
    assert "3 Ausreisen in 2 Länder nach 5 Beratungen für 9 Personen." in out
    assert main(["stats", "--from", "2026-01-01", "--to", "2026-06-30", "--csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert (
        "2026-01-01,2026-06-30,departures:IQ,2" in rows and "2026-01-01,2026-06-30,held,5" in rows
    )
