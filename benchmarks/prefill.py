"""Stored conversations made fast: bulk inserts of realistic rows, and the baseline's pickle file.

Rows are what a finished intake leaves behind (the model row captured from our own stack), under
real pseudonyms (`Keyring.client_key`) with a sealed chat id each (`Keyring.seal`), updated at
some point of the last 30 days. The pickle file holds the same answers in PTB's `user_data`.
"""

from __future__ import annotations

import pickle
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from storage.crypto import Keyring
from storage.db import Database
from storage.tables import conversations

STORED_IDS = 6_000_000_000_000  # Telegram ids of the pre-filled clients start here
CHUNK = 20_000
COUNTRIES = ("TR", "IQ", "GE", "AF", "RU", "IR", "XK", "AL", "RS", "NG", "SY", "UA")


def _answers(model: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    answers = dict(model["answers"])
    answers.update(
        country=rng.choice(COUNTRIES), adults=rng.randint(1, 4), minors=rng.randint(0, 4)
    )
    return answers


def _row(
    index: int, model: dict[str, Any], keyring: Keyring, rng: random.Random, now: datetime
) -> dict[str, Any]:
    user_id = str(STORED_IDS + index)
    return {
        "client_key": keyring.client_key("telegram", user_id),
        "office_id": "muenchen",
        "state": model["state"],
        "locale": model["locale"],
        "answers": _answers(model, rng),
        "data": model["data"],
        "chat_ref": keyring.seal(user_id),
        "version": 14,
        "updated_at": now - timedelta(minutes=rng.randint(1, 29 * 24 * 60)),  # within retention
        "channel": "telegram",
    }


def fill_database(
    db: Database, have: int, target: int, model: dict[str, Any], keyring: Keyring
) -> None:
    """Add pre-filled conversations number `have` up to `target` (a run grows one database)."""
    rng, now = random.Random(have), datetime.now(UTC).replace(tzinfo=None)
    for start in range(have, target, CHUNK):
        rows = [_row(i, model, keyring, rng, now) for i in range(start, min(start + CHUNK, target))]
        with db.transaction() as tx:
            tx.execute(insert(conversations), rows)
    if db.is_sqlite:
        raw = db.engine.raw_connection()  # fold the WAL into the file: a settled database
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE conversations")


def fill_pickle(path: Path, target: int, model: dict[str, Any], state: int) -> None:
    """PicklePersistence's single file with `target` conversations finished at `state`.

    PTB keeps a conversation per (chat id, user id), answers in `user_data`, and an (empty)
    `chat_data` entry for every chat it has seen.
    """
    rng = random.Random(0)
    ids = range(STORED_IDS, STORED_IDS + target)
    data = {
        "conversations": {"journey": {(i, i): state for i in ids}},
        "user_data": {i: {**_answers(model, rng), **model["data"]} for i in ids},
        "chat_data": {i: {} for i in ids},
        "bot_data": {},
        "callback_data": None,
    }
    with path.open("wb") as handle:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
