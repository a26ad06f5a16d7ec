"""Key rotation: sealed chat ids under a new chat key, pseudonyms under a new pepper.

Runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, LargeBinary, String, insert, select

from bot.cli import keys as keys_cli
from storage.crypto import KeyError_, Keyring, new_secret
from storage.db import Database
from storage.keys import (
    CHAT_KEY_COLUMNS,
    CLIENT_KEY_COLUMNS,
    CODE_KEY_COLUMNS,
    SEALED_COLUMNS,
    STAFF_KEY_COLUMNS,
    NoPreviousPepper,
    PepperReport,
    PseudonymInUse,
    adopt_previous,
    rekey_client,
    rekey_conversations,
    reseal_batches,
    rotate_chat_refs,
    stale_chat_refs,
)
from storage.tables import (
    appointments,
    audit_log,
    conversations,
    counsellors,
    metadata,
    outbox,
    sent_messages,
    waiting_list,
)

NOW = datetime(2026, 11, 25, 10, 0)
K1, K2, K0 = new_secret(), new_secret(), new_secret()
OLD_PEPPER, NEW_PEPPER = new_secret(), new_secret()
BEFORE = Keyring.from_text(OLD_PEPPER, f"k1:{K1}")  # what the rows were written with
DURING = Keyring.from_text(OLD_PEPPER, f"k2:{K2},k1:{K1}")  # new key first, old key kept
AFTER = Keyring.from_text(OLD_PEPPER, f"k2:{K2}")  # old key removed
CLIENT_IDS = [str(700000 + n) for n in range(7)]  # Telegram private chats: chat id = user id


def add_conversation(
    tx: Connection,
    keyring: Keyring,
    user_id: str,
    chat_id: str | None = None,
    channel: str = "telegram",
    updated_at: datetime = NOW,
) -> str:
    key = keyring.client_key(channel, user_id)
    tx.execute(
        insert(conversations).values(
            client_key=key, office_id="muenchen", state="menu", locale="de", answers={},
            data={"user": user_id}, chat_ref=keyring.seal(chat_id or user_id), version=1,
            updated_at=updated_at, channel=channel,
        )
    )  # fmt: skip
    return key


def add_appointment(tx: Connection, client_key: str, code: str, status: str, hour: int) -> None:
    if tx.execute(select(counsellors.c.id)).first() is None:
        tx.execute(insert(counsellors).values(id="c1", office_id="muenchen", name="C"))
    start = NOW + timedelta(days=2, hours=hour)
    tx.execute(
        insert(appointments).values(
            office_id="muenchen", case_code=code, client_key=client_key, counsellor_id="c1",
            starts_at=start, ends_at=start + timedelta(hours=1), language="ar",
            interpreter_status="none", status=status, sequence=0, created_at=NOW,
        )
    )  # fmt: skip


def add_waiting(tx: Connection, client_key: str) -> None:
    tx.execute(
        insert(waiting_list).values(
            office_id="muenchen", client_key=client_key, language="ar", created_at=NOW
        )
    )


def add_sent(tx: Connection, keyring: Keyring, chat_id: str, message_id: int) -> None:
    """A message of the bot in this chat, remembered so that /delete can remove it."""
    chat_key = keyring.client_key("chat", chat_id)
    tx.execute(insert(sent_messages).values(chat_key=chat_key, message_id=message_id, sent_at=NOW))


def seed_chats(database: Database, keyring: Keyring = BEFORE) -> None:
    """Seven conversations and five outbox rows, every chat id sealed under k1."""
    with database.transaction() as tx:
        for user_id in CLIENT_IDS:
            add_conversation(tx, keyring, user_id)
        for user_id in [*CLIENT_IDS[:4], "office@example.org"]:
            tx.execute(
                insert(outbox).values(
                    chat_ref=keyring.seal(user_id), locale="de", payload={}, attempts=0,
                    next_attempt_at=NOW, channel="telegram",
                )
            )  # fmt: skip


def sealed_rows(database: Database) -> list[tuple[str, bytes]]:
    with database.transaction() as tx:
        return [
            (f"{column.table.name}:{key}", bytes(sealed))
            for column in SEALED_COLUMNS
            for key, sealed in tx.execute(
                select(column.table.primary_key.columns[0], column).order_by(
                    column.table.primary_key.columns[0]
                )
            ).all()
        ]


def opened(database: Database, keyring: Keyring) -> list[str]:
    return sorted(keyring.open(sealed) for _, sealed in sealed_rows(database))


def key_ids(database: Database) -> list[str]:
    return sorted(bytes(sealed).partition(b".")[0].decode() for _, sealed in sealed_rows(database))


def everything(database: Database) -> dict[str, list[Any]]:
    """Every row of the tables rotation touches, for before/after comparisons."""
    with database.transaction() as tx:
        return {
            table.name: sorted(map(repr, tx.execute(select(table)).all()))
            for table in (
                conversations,
                outbox,
                appointments,
                waiting_list,
                audit_log,
                sent_messages,
            )
        }


EXPECTED_CHATS = sorted(CLIENT_IDS + CLIENT_IDS[:4] + ["office@example.org"])


# --- the lists of columns -------------------------------------------------------------------


def test_every_sealed_and_pseudonym_column_is_covered() -> None:
    """Check that every binary column is rotated and every pseudonym column is re-keyed, so a
    table added later cannot be forgotten."""
    binary = {
        f"{table.name}.{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, LargeBinary)
    }
    assert binary == {f"{c.table.name}.{c.name}" for c in SEALED_COLUMNS}
    keyed = {
        f"{table.name}.{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if column.name.endswith("_key") and isinstance(column.type, String)
    }
    covered = {
        f"{c.table.name}.{c.name}"
        for c in CLIENT_KEY_COLUMNS + STAFF_KEY_COLUMNS + CHAT_KEY_COLUMNS + CODE_KEY_COLUMNS
    }
    assert keyed == covered


# --- chat keys ------------------------------------------------------------------------------


def test_every_row_opens_after_rotation_and_after_the_old_key_is_removed(
    database: Database,
) -> None:
    """Check that rows sealed under k1 are all re-sealed under k2, in several batches, and all
    still open when k1 is gone from the keyring."""
    seed_chats(database)
    totals = rotate_chat_refs(database, DURING, batch_size=3)
    assert [(t.column, t.resealed, t.current, t.unreadable) for t in totals] == [
        ("conversations.chat_ref", 7, 0, 0),
        ("outbox.chat_ref", 5, 0, 0),
        ("web_return_codes.token_ref", 0, 0, 0),  # none seeded here: see tests/web
    ]
    assert key_ids(database) == ["k2"] * 12
    assert stale_chat_refs(database, DURING) == 0
    assert opened(database, DURING) == EXPECTED_CHATS
    assert opened(database, AFTER) == EXPECTED_CHATS
    with pytest.raises(KeyError_):
        opened(database, BEFORE)  # the old key alone no longer opens them: they really moved


def test_a_second_rotation_finds_nothing_to_do(database: Database) -> None:
    """Check that running the rotation again re-seals nothing and counts every row current."""
    seed_chats(database)
    rotate_chat_refs(database, DURING)
    before = sealed_rows(database)
    totals = rotate_chat_refs(database, DURING)
    assert [(t.resealed, t.current) for t in totals] == [(0, 7), (0, 5), (0, 0)]
    assert sealed_rows(database) == before


def test_a_stop_between_batches_leaves_every_row_readable_and_can_be_resumed(
    database: Database,
) -> None:
    """Check that after only the first batch committed (a crash), some rows are under k1 and
    some under k2, all open with both keys, and a second run finishes the rotation."""
    seed_chats(database)
    batches = reseal_batches(database, DURING, batch_size=3)
    first = next(batches)
    batches.close()  # the process dies here
    assert first.resealed == 3
    assert key_ids(database) == ["k1"] * 9 + ["k2"] * 3
    assert opened(database, DURING) == EXPECTED_CHATS
    assert stale_chat_refs(database, DURING) == 9
    totals = rotate_chat_refs(database, DURING, batch_size=3)
    assert sum(t.resealed for t in totals) == 9 and sum(t.current for t in totals) == 3
    assert opened(database, AFTER) == EXPECTED_CHATS


def test_a_crash_inside_a_batch_rolls_that_batch_back(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that a failure in the middle of a batch leaves none of its rows half-rotated and
    every row readable."""
    seed_chats(database)
    before = sealed_rows(database)
    real_seal = Keyring.seal
    calls: list[str] = []

    def failing_seal(self: Keyring, chat_id: str) -> bytes:
        calls.append(chat_id)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real_seal(self, chat_id)

    monkeypatch.setattr(Keyring, "seal", failing_seal)
    with pytest.raises(RuntimeError):
        rotate_chat_refs(database, DURING, batch_size=3)
    assert sealed_rows(database) == before
    monkeypatch.undo()
    assert opened(database, DURING) == EXPECTED_CHATS
    rotate_chat_refs(database, DURING, batch_size=3)
    assert opened(database, AFTER) == EXPECTED_CHATS


def test_a_dry_run_changes_nothing(database: Database) -> None:
    """Check that a dry run of both rotations reports what it would do and changes no row."""
    seed_chats(database)
    with database.transaction() as tx:
        add_waiting(tx, BEFORE.client_key("telegram", CLIENT_IDS[0]))
        add_appointment(tx, BEFORE.client_key("telegram", CLIENT_IDS[1]), "AAAAAAAA", "booked", 1)
        add_sent(tx, BEFORE, CLIENT_IDS[2], 11)
    before = everything(database)
    totals = rotate_chat_refs(database, DURING, batch_size=3, dry_run=True)
    assert [(t.resealed, t.current) for t in totals] == [(7, 0), (5, 0), (0, 0)]
    new_pepper = Keyring.from_text(NEW_PEPPER, f"k1:{K1}").with_previous_pepper(OLD_PEPPER)
    report = rekey_conversations(database, new_pepper, batch_size=3, dry_run=True)
    assert (report.moved, report.previous, report.current, report.sent_messages) == (0, 7, 0, 1)
    assert everything(database) == before


def test_rows_under_a_key_no_longer_on_the_keyring_are_counted_and_left_alone(
    database: Database,
) -> None:
    """Check that a chat id sealed with a key that was removed too early is reported as
    unreadable, left unchanged, and does not stop the others from rotating."""
    seed_chats(database)
    lost = Keyring.from_text(OLD_PEPPER, f"k0:{K0}")
    with database.transaction() as tx:
        add_conversation(tx, lost, "999")
    totals = rotate_chat_refs(database, DURING)
    assert totals[0].unreadable == 1 and totals[0].resealed == 7
    assert stale_chat_refs(database, DURING) == 1
    assert key_ids(database).count("k0") == 1


# --- pepper ---------------------------------------------------------------------------------

OLD_RING = Keyring.from_text(OLD_PEPPER, f"k1:{K1}")
NEW_RING = Keyring.from_text(NEW_PEPPER, f"k1:{K1}").with_previous_pepper(OLD_PEPPER)
NEW_ONLY = Keyring.from_text(NEW_PEPPER, f"k1:{K1}")


def client_rows(database: Database, key: str) -> dict[str, int]:
    with database.transaction() as tx:
        return {
            column.table.name: len(tx.execute(select(column).where(column == key)).all())
            for column in CLIENT_KEY_COLUMNS
        }


def seed_client(database: Database, user_id: str = "4242", n: int = 0) -> str:
    """A client under the old pepper with a conversation, two appointments and a waiting entry."""
    with database.transaction() as tx:
        old_key = add_conversation(tx, OLD_RING, user_id)
        add_appointment(tx, old_key, f"B{n:0>7}", "booked", 2 * n)
        add_appointment(tx, old_key, f"C{n:0>7}", "cancelled", 2 * n + 1)
        add_waiting(tx, old_key)
    return old_key


def test_rekeying_moves_conversation_appointments_and_waiting_list_in_one_transaction(
    database: Database,
) -> None:
    """Check that re-keying moves the conversation, every appointment and the waiting-list entry
    together: a failure later in the transaction leaves all of them under the old pseudonym."""
    old_key = seed_client(database)
    new_key = NEW_RING.client_key("telegram", "4242")
    with pytest.raises(RuntimeError), database.transaction() as tx:
        rekey_client(tx, old_key, new_key)
        raise RuntimeError("the step fails after re-keying")
    assert client_rows(database, old_key) == {
        "conversations": 1, "appointments": 2, "waiting_list": 1, "web_return_codes": 0,
    }  # fmt: skip
    with database.transaction() as tx:
        moved = rekey_client(tx, old_key, new_key)
    assert (moved.conversations, moved.appointments, moved.waiting_list) == (1, 2, 1)
    assert client_rows(database, new_key) == {
        "conversations": 1, "appointments": 2, "waiting_list": 1, "web_return_codes": 0,
    }  # fmt: skip
    assert client_rows(database, old_key) == {
        "conversations": 0, "appointments": 0, "waiting_list": 0, "web_return_codes": 0,
    }  # fmt: skip


def test_rekeying_never_merges_into_a_pseudonym_in_use(database: Database) -> None:
    """Check that when the new pseudonym already has a conversation, nothing is moved."""
    old_key = seed_client(database)
    with database.transaction() as tx:
        new_key = add_conversation(tx, NEW_ONLY, "4242")
    with pytest.raises(PseudonymInUse), database.transaction() as tx:
        rekey_client(tx, old_key, new_key)
    assert client_rows(database, old_key)["appointments"] == 2
    assert client_rows(database, new_key)["conversations"] == 1


def find(database: Database, keyring: Keyring, user_id: str, channel: str = "telegram") -> Any:
    """The conversation lookup of a client's step, with the previous-pepper fallback."""
    key = keyring.client_key(channel, user_id)
    query = select(conversations).where(conversations.c.client_key == key)
    with database.transaction() as tx:
        row = tx.execute(query).first()
        if row is None and adopt_previous(tx, keyring, channel, user_id):
            row = tx.execute(query).first()
        return row


def test_a_client_under_the_previous_pepper_is_moved_on_their_next_message(
    database: Database,
) -> None:
    """Check that a client whose conversation is under the old pepper is found on their next
    message and moved, with their appointments, to the new pseudonym."""
    old_key = seed_client(database)
    assert find(database, NEW_ONLY, "4242") is None  # without the old pepper: a stranger
    row = find(database, NEW_RING, "4242")
    assert row is not None and row.data == {"user": "4242"}
    new_key = NEW_RING.client_key("telegram", "4242")
    assert row.client_key == new_key
    assert client_rows(database, new_key) == {
        "conversations": 1, "appointments": 2, "waiting_list": 1, "web_return_codes": 0,
    }  # fmt: skip
    assert client_rows(database, old_key)["conversations"] == 0
    assert find(database, NEW_ONLY, "4242").client_key == new_key
    assert find(database, NEW_RING, "5555") is None  # a new client stays new


def test_pepper_change_keeps_every_conversation_reachable(database: Database) -> None:
    """Check that after the pepper changes, the offline pass moves every conversation whose chat
    id proves its user, the rest move on their next message, and afterwards every client is
    found under the new pepper alone, staff audit entries included."""
    clients = {user_id: seed_client(database, user_id, n) for n, user_id in enumerate(CLIENT_IDS)}
    with database.transaction() as tx:
        add_conversation(tx, OLD_RING, "anna", chat_id="terminal:anna", channel="terminal")
        add_conversation(tx, OLD_RING, "77", chat_id="group-77", updated_at=NOW - timedelta(1))
        add_conversation(tx, NEW_ONLY, "8888")  # wrote after the switch: already new
        add_sent(tx, OLD_RING, CLIENT_IDS[0], 31)
        add_sent(tx, OLD_RING, CLIENT_IDS[0], 32)
        add_sent(tx, OLD_RING, "-100500", 33)  # a staff chat
        add_sent(tx, NEW_ONLY, "8888", 34)
        for staff_id, action in (("501", "cancel"), ("501", "held"), ("999", "held")):
            tx.execute(
                insert(audit_log).values(
                    at=NOW, office_id="muenchen", action=action,
                    staff_key=OLD_RING.client_key("staff", staff_id),
                )
            )  # fmt: skip
    report = rekey_conversations(
        database, NEW_RING, staff_user_ids=[501], staff_chat_ids=[-100500], batch_size=3
    )
    assert (report.moved, report.current, report.previous, report.unknown) == (8, 1, 0, 1)
    assert report.last_activity == NOW - timedelta(1) and report.remaining == 1
    assert (report.staff_entries, report.sent_messages) == (2, 3)
    for user_id, old_key in clients.items():
        assert find(database, NEW_ONLY, user_id) is not None
        assert client_rows(database, NEW_ONLY.client_key("telegram", user_id)) == {
            "conversations": 1, "appointments": 2, "waiting_list": 1, "web_return_codes": 0,
        }  # fmt: skip
        assert client_rows(database, old_key)["appointments"] == 0
    assert find(database, NEW_ONLY, "anna", "terminal") is not None
    assert find(database, NEW_ONLY, "77") is None  # its chat id does not show the user id …
    assert find(database, NEW_RING, "77") is not None  # … so it moves when they next write
    assert find(database, NEW_ONLY, "77") is not None
    again = rekey_conversations(database, NEW_RING, staff_user_ids=[501])
    assert (again.moved, again.current, again.staff_entries) == (0, 9, 0)
    # "group-77" shows no user id under either pepper, so it is still counted as possibly old:
    # the report never claims what it cannot prove.
    assert (again.unknown, again.remaining) == (1, 1)
    with database.transaction() as tx:
        staff_keys = sorted(tx.execute(select(audit_log.c.staff_key)).scalars())
        chat_keys = sorted(tx.execute(select(sent_messages.c.chat_key)).scalars())
    assert chat_keys == sorted(
        [NEW_ONLY.client_key("chat", CLIENT_IDS[0])] * 2
        + [NEW_ONLY.client_key("chat", chat) for chat in ("-100500", "8888")]
    )
    assert staff_keys.count(NEW_ONLY.client_key("staff", "501")) == 2
    assert staff_keys.count(OLD_RING.client_key("staff", "999")) == 1  # no longer on the list


def test_rekeying_needs_the_previous_pepper(database: Database) -> None:
    """Check that the offline pass refuses to run without the previous pepper."""
    with pytest.raises(NoPreviousPepper):
        rekey_conversations(database, NEW_ONLY)


# --- the command ----------------------------------------------------------------------------


def run_rotate(
    monkeypatch: pytest.MonkeyPatch, database: Database, chat_keys: str, *argv: str
) -> int:
    url = database.url.render_as_string(hide_password=False)
    for name, value in (
        ("COMEHOME_DATABASE_URL", url),
        ("COMEHOME_PEPPER", NEW_PEPPER),
        ("COMEHOME_PEPPER_PREVIOUS", OLD_PEPPER),
        ("COMEHOME_CHAT_KEYS", chat_keys),
        ("COMEHOME_STAFF_USER_IDS", "501"),
    ):
        monkeypatch.setenv(name, value)
    root = argparse.ArgumentParser(prog="comehome")
    keys = root.add_subparsers(dest="command").add_parser("keys")
    keys_cli.add_parser(keys.add_subparsers(dest="keys_command", required=True))
    args = root.parse_args(["keys", "rotate", *argv])
    return int(args.func(args))


def test_the_command_rotates_both_and_prints_counts_only(
    database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check that `comehome keys rotate --pepper` changes nothing with --dry-run, then rotates
    chat ids and pseudonyms, says the old key and pepper can go, and prints no identifier."""
    seed_chats(database, OLD_RING)
    before = everything(database)
    assert run_rotate(monkeypatch, database, f"k2:{K2},k1:{K1}", "--pepper", "--dry-run") == 0
    assert everything(database) == before
    assert "conversations.chat_ref: 7 to re-seal" in capsys.readouterr().out
    assert run_rotate(monkeypatch, database, f"k2:{K2},k1:{K1}", "--pepper") == 0
    out = capsys.readouterr().out
    assert "k1 can now be removed" in out
    assert "conversations 7 re-keyed" in out and "COMEHOME_PEPPER_PREVIOUS can go" in out
    for secret in (*CLIENT_IDS, K1, K2, NEW_PEPPER, OLD_PEPPER):
        assert secret not in out
    assert all(find(database, NEW_ONLY, user_id) for user_id in CLIENT_IDS)
    assert opened(database, Keyring.from_text(NEW_PEPPER, f"k2:{K2}")) == EXPECTED_CHATS


def test_the_command_refuses_pepper_rotation_without_the_previous_pepper(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that --pepper without COMEHOME_PEPPER_PREVIOUS is a configuration error."""
    from bot.config import ConfigError

    monkeypatch.delenv("COMEHOME_PEPPER_PREVIOUS", raising=False)
    monkeypatch.setenv("COMEHOME_DATABASE_URL", database.url.render_as_string(False))
    monkeypatch.setenv("COMEHOME_PEPPER", NEW_PEPPER)
    monkeypatch.setenv("COMEHOME_CHAT_KEYS", f"k1:{K1}")
    args = argparse.Namespace(pepper=True, dry_run=False, batch_size=10)
    with pytest.raises(ConfigError):
        keys_cli.rotate(args)


def test_a_client_writing_during_the_pepper_pass_is_moved_once(database: Database) -> None:
    """Check that when a client's own step moves them while the offline pass runs, both finish
    without error or deadlock and the client ends up once under the new pseudonym."""
    from storage.conversations import lock_client

    old_key = seed_client(database)
    new_key = NEW_RING.client_key("telegram", "4242")
    query = select(conversations).where(conversations.c.client_key == new_key)
    step_holds_lock, results = threading.Event(), dict[str, object]()

    def client_step() -> None:
        with database.transaction() as tx:
            lock_client(tx, new_key)
            assert tx.execute(query).first() is None
            step_holds_lock.set()
            time.sleep(0.5)  # the pass starts meanwhile and must wait for this step
            results["adopted"] = adopt_previous(tx, NEW_RING, "telegram", "4242")

    def offline_pass() -> None:
        step_holds_lock.wait(5)
        results["report"] = rekey_conversations(database, NEW_RING)

    threads = [threading.Thread(target=client_step), threading.Thread(target=offline_pass)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results["adopted"] is True
    report = results["report"]
    assert isinstance(report, PepperReport) and report.remaining == 0 and report.moved == 0
    assert client_rows(database, new_key) == {
        "conversations": 1, "appointments": 2, "waiting_list": 1, "web_return_codes": 0,
    }  # fmt: skip
    assert client_rows(database, old_key)["appointments"] == 0
