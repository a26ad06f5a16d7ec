"""Storage contract: one step per transaction, once per update, replies kept until sent.

Runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.service.step import Stepper, Steps
from flows.model import (
    Conversation,
    ConversationStarted,
    DeleteClientData,
    Outcome,
    Reply,
)
from flows.text import t
from storage.conversations import ConversationStore, Incoming
from storage.crypto import Keyring
from storage.db import Database
from storage.outbox import Delivery
from storage.retention import Retention
from storage.tables import conversations, outbox, processed_updates, sent_messages

NOW = datetime(2026, 11, 25, 10, 0)


def incoming(update_id: int | None = 1, user: str = "4242") -> Incoming:
    return Incoming("telegram", user, f"chat-{user}", update_id)


def step(steps: Steps, incoming: Incoming, stepper: Stepper, now: datetime) -> Delivery | None:
    """A client's step through the doors' own entry (`Steps.handle_client`), from a thread of
    the test's that runs no event loop."""
    return asyncio.run(steps.handle_client(incoming, stepper, now))


def mark(
    store: ConversationStore,
    delivery: Delivery,
    parts: int,
    message_id: int | None,
    done: bool = False,
) -> None:
    """Mark `parts` messages of a delivery sent, committed as a door's delivery commits it."""
    store.db.write(store.outbox.marking(delivery, parts, message_id, NOW, done), durable=False)


def counter(conv: Conversation | None, bookings: object = None) -> Outcome:
    """A step that counts how often it ran for this client."""
    n = int(conv.answers["n"]) + 1 if conv else 1
    return Outcome(
        Conversation("menu", "de", answers={"n": n}), (Reply(t("Step {n}", n=n)),), locale="de"
    )


@pytest.fixture
def store(database: Database, keyring: Keyring) -> ConversationStore:
    return ConversationStore(database, keyring)


@pytest.fixture
def steps(store: ConversationStore) -> Steps:
    return Steps(store)


def test_a_step_commits_state_and_reply_together(
    store: ConversationStore, database: Database, steps: Steps
) -> None:
    """Check that after one step the conversation and its reply are both stored."""
    delivery = step(steps, incoming(), counter, NOW)
    assert delivery is not None and delivery.chat_id == "chat-4242"
    with database.transaction() as tx:
        assert tx.execute(select(conversations.c.state, conversations.c.version)).all() == [
            ("menu", 1)
        ]
        assert tx.execute(select(outbox.c.id)).scalars().all() == [delivery.outbox_id]


def test_the_same_update_twice_changes_nothing(store: ConversationStore, steps: Steps) -> None:
    """Check that an update id seen before is skipped: no second step, no second reply."""
    assert step(steps, incoming(7), counter, NOW) is not None
    assert step(steps, incoming(7), counter, NOW) is None
    delivery = step(steps, incoming(8), counter, NOW)
    assert delivery is not None and delivery.replies[0].body.params["n"] == 2  # type: ignore[union-attr]
    assert store.outbox.backlog() == 2


def test_a_failing_step_stores_nothing_and_can_be_retried(
    store: ConversationStore, database: Database, steps: Steps
) -> None:
    """Check that a step that raises leaves no trace, so the same update can run again."""

    def broken(conv: Conversation | None, bookings: object) -> Outcome:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        step(steps, incoming(9), broken, NOW)
    with database.transaction() as tx:
        assert tx.execute(select(processed_updates)).all() == []
        assert tx.execute(select(conversations)).all() == []
    assert step(steps, incoming(9), counter, NOW) is not None


def test_chat_ids_and_user_ids_are_never_stored_in_clear(
    store: ConversationStore, database: Database, steps: Steps
) -> None:
    """Check that neither the user id nor the chat id appears in any stored column."""
    step(steps, Incoming("telegram", "731337000111", "731337000222", 1), counter, NOW)
    with database.transaction() as tx:
        for table in (conversations, outbox):
            for row in tx.execute(select(table)).all():
                dumped = repr(tuple(row)) + "".join(
                    bytes(v).hex() + bytes(v).decode("latin-1") for v in row if isinstance(v, bytes)
                )
                assert "731337000111" not in dumped and "731337000222" not in dumped


def test_the_chat_id_is_sealed_once_per_conversation(
    store: ConversationStore, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check that a conversation's replies reuse its sealed chat id (one seal for three steps),
    and that after a chat-key rotation the next reply is sealed anew under the current key."""
    sealed: list[str] = []
    keyring = store.keyring
    real_seal = Keyring.seal
    monkeypatch.setattr(
        Keyring, "seal", lambda self, chat: sealed.append(chat) or real_seal(self, chat)
    )
    steps = Steps(store)
    for update_id in (1, 2, 3):
        step(steps, incoming(update_id), counter, NOW)
    assert sealed == ["chat-4242"]
    with database.transaction() as tx:
        refs = {bytes(ref) for ref in tx.execute(select(outbox.c.chat_ref)).scalars()}
        stored = bytes(tx.execute(select(conversations.c.chat_ref)).scalar_one())
    assert refs == {stored} and keyring.open(stored) == "chat-4242"

    rotated = replace(keyring, chat_keys=(("k2", b"\x02" * 32), *keyring.chat_keys))
    store.keyring = rotated
    delivery = step(Steps(store), incoming(4), counter, NOW)
    assert sealed == ["chat-4242", "chat-4242"] and delivery is not None
    with database.transaction() as tx:
        ref = tx.execute(select(outbox.c.chat_ref).where(outbox.c.id == delivery.outbox_id))
        assert bytes(ref.scalar_one()).startswith(b"k2.")


def test_delete_removes_the_conversation(
    store: ConversationStore, database: Database, steps: Steps
) -> None:
    """Check that the delete effect removes the client's conversation in the same step."""
    step(steps, incoming(1), counter, NOW)

    def delete(conv: Conversation | None, bookings: object) -> Outcome:
        return Outcome(None, (Reply(t("Deleted")),), (DeleteClientData(),), "de")

    step(steps, incoming(2), delete, NOW)
    with database.transaction() as tx:
        assert tx.execute(select(conversations)).all() == []


def test_unsent_replies_wait_and_back_off(store: ConversationStore, steps: Steps) -> None:
    """Check that a failed send keeps the reply, retries later, and a confirmed send removes it."""
    delivery = step(steps, incoming(1), counter, NOW)
    assert delivery is not None
    store.outbox.failed(delivery.outbox_id, NOW)
    assert store.outbox.due(NOW, ("telegram",)) == []
    later = store.outbox.due(NOW + timedelta(seconds=6), ("telegram",))
    assert [d.outbox_id for d in later] == [delivery.outbox_id]
    assert later[0].chat_id == "chat-4242" and later[0].replies == delivery.replies
    mark(store, delivery, 1, None, done=True)
    assert store.outbox.backlog() == 0


def test_a_resend_knows_which_messages_of_a_reply_got_through(
    store: ConversationStore, steps: Steps, database: Database
) -> None:
    """Check that each message marked sent is remembered on its own: a later claim of the reply
    says how many went out, and each one's id is kept for /delete."""
    delivery = step(steps, incoming(1), counter, NOW)
    assert delivery is not None and delivery.sent_parts == 0
    mark(store, delivery, 1, 501)
    mark(store, delivery, 2, 502)
    [again] = store.outbox.due(NOW + timedelta(seconds=20), ("telegram",))
    assert again.outbox_id == delivery.outbox_id and again.sent_parts == 2
    with database.transaction() as tx:
        assert tx.execute(select(sent_messages.c.message_id)).scalars().all() == [501, 502]
    mark(store, again, 3, 503, done=True)
    assert store.outbox.backlog() == 0


def test_one_clients_steps_never_interleave(
    store: ConversationStore, database: Database, steps: Steps
) -> None:
    """Check that concurrent steps of one client run one after the other: none is lost."""

    def slow_counter(conv: Conversation | None, bookings: object) -> Outcome:
        time.sleep(0.002)  # widen the window in which an unlocked read would be stale
        return counter(conv, bookings)

    threads = [
        threading.Thread(target=step, args=(steps, incoming(100 + i), slow_counter, NOW))
        for i in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.transaction() as tx:
        answers, version = tx.execute(
            select(conversations.c.answers, conversations.c.version)
        ).one()
    assert answers["n"] == 12 and version == 12


def test_different_clients_each_get_their_own_conversation(
    store: ConversationStore, database: Database, steps: Steps
) -> None:
    """Check that two clients never share a conversation, even with the same chat-like ids."""
    step(steps, Incoming("telegram", "1", "1", 1), counter, NOW)
    step(steps, Incoming("terminal", "1", "1", None), counter, NOW)
    step(steps, Incoming("telegram", "2", "2", 2), counter, NOW)
    with database.transaction() as tx:
        assert tx.execute(select(conversations.c.version)).scalars().all() == [1, 1, 1]


def test_counts_are_anonymous_daily_aggregates(
    store: ConversationStore, steps: Steps, database: Database
) -> None:
    """Check that counts survive deletion of the conversations they came from."""

    def started(conv: Conversation | None, bookings: object) -> Outcome:
        return Outcome(Conversation("menu"), (), (ConversationStarted(),))

    step(steps, incoming(1, "a"), started, NOW)
    step(steps, incoming(2, "b"), started, NOW)
    assert Retention(database, "muenchen").purge_silent(NOW + timedelta(days=31)) == 2
    assert store.figures().conversations == 2 and store.figures().intakes == 0


def test_old_update_ids_are_forgotten(steps: Steps, database: Database) -> None:
    """Check that pruning forgets update ids older than the cut-off and keeps newer ones."""
    step(steps, incoming(1), counter, NOW - timedelta(days=3))
    step(steps, incoming(2), counter, NOW)
    assert Retention(database, "muenchen").prune_processed(NOW - timedelta(days=2)) == 1


def test_migrations_build_exactly_the_declared_tables(database: Database) -> None:
    """Check that the Alembic migrations and the table declarations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.tables import metadata

    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert diff == []
    assert version is not None


def test_a_due_reply_is_claimed_by_one_flush_only(store: ConversationStore, steps: Steps) -> None:
    """Check that two instances flushing at once never both take the same unsent reply."""
    delivery = step(steps, incoming(1), counter, NOW)
    assert delivery is not None
    assert store.outbox.due(NOW, ("telegram",)) == []  # the instance that made it still holds it
    later = NOW + timedelta(seconds=20)  # that instance died without confirming
    assert [d.outbox_id for d in store.outbox.due(later, ("telegram",))] == [delivery.outbox_id]
    assert store.outbox.due(later, ("telegram",)) == []  # claimed: a second flush finds nothing


def test_a_slow_client_does_not_hold_up_another(
    store: ConversationStore, database: Database, steps: Steps
) -> None:
    """Check that on PostgreSQL a second client's step completes while the first one's is still open."""
    if database.is_sqlite:
        pytest.skip("SQLite admits one writer at a time by design; PostgreSQL locks per client")
    inside, release = threading.Event(), threading.Event()

    def slow(conv: Conversation | None, bookings: object) -> Outcome:
        inside.set()
        release.wait(10)
        return counter(conv, bookings)

    first = threading.Thread(target=step, args=(steps, incoming(1, "slow"), slow, NOW))
    first.start()
    assert inside.wait(10)
    started = time.perf_counter()
    assert step(steps, incoming(2, "quick"), counter, NOW) is not None
    assert time.perf_counter() - started < 5 and first.is_alive()
    release.set()
    first.join()


def test_an_undeliverable_reply_is_given_up_not_kept_for_ever(
    store: ConversationStore, steps: Steps
) -> None:
    """Check that a reply to a chat that blocked the bot is dropped, and so is one failing for a day."""
    from storage.outbox import MAX_ATTEMPTS

    blocked = step(steps, incoming(1, "a"), counter, NOW)
    assert blocked is not None
    assert store.outbox.failed(blocked.outbox_id, NOW, undeliverable=True)
    flaky = step(steps, incoming(2, "b"), counter, NOW)
    assert flaky is not None
    dropped = [store.outbox.failed(flaky.outbox_id, NOW) for _ in range(MAX_ATTEMPTS)]
    assert dropped[:-1] == [False] * (MAX_ATTEMPTS - 1) and dropped[-1]
    assert store.outbox.backlog() == 0


def test_leases_of_a_process_that_is_gone_can_be_released_back_offs_stay(
    store: ConversationStore, steps: Steps
) -> None:
    """Check that releasing leases makes leased replies due at once, but not a long back-off."""
    leased = step(steps, incoming(1, "1"), counter, NOW)  # held by the step's own instance
    claimed = step(steps, incoming(2, "2"), counter, NOW - timedelta(seconds=20))
    waiting = step(steps, incoming(3, "3"), counter, NOW - timedelta(seconds=20))
    assert leased and claimed and waiting
    assert [d.outbox_id for d in store.outbox.due(NOW, ("telegram",), limit=1)] == [
        claimed.outbox_id
    ]  # claimed by a flush: leased again
    store.outbox.failed(waiting.outbox_id, NOW)
    store.outbox.failed(waiting.outbox_id, NOW)  # the second failure waits 30 s
    assert store.outbox.due(NOW, ("telegram",)) == []
    assert store.outbox.release_leases(NOW) == 2
    due = {d.outbox_id for d in store.outbox.due(NOW, ("telegram",))}
    assert due == {leased.outbox_id, claimed.outbox_id}


def test_a_conversation_stored_before_its_data_was_typed_still_loads(
    database: Database, steps: Steps
) -> None:
    """Check that a conversation saved as a loose JSON object (as every version before the typed
    data wrote it) loads with its place kept, and that keys this version does not know, or values
    of the wrong kind, are dropped rather than stopping the client."""
    step(steps, incoming(1), counter, NOW)
    stored_before = {
        "accepted": True,
        "intake_done": True,
        "resume": "menu",
        "picked": ["family", "health"],
        "page": 0,
        "slot": "c1-202612011000",
        "slot_start": "2026-12-01T09:00:00",
        "slot_interpreter": "none",
        "moving": True,
        "n": 3,  # a key no version of the journey reads any more
        "editing": "yes",  # a value of the wrong kind
    }
    with database.transaction() as tx:
        tx.execute(conversations.update().values(data=stored_before))
    seen: list[Conversation] = []

    def keep(conv: Conversation | None, bookings: object = None) -> Outcome:
        assert conv is not None
        seen.append(conv)
        return Outcome(conv, (), locale=conv.locale)

    step(steps, incoming(2), keep, NOW)
    data = seen[0].data
    assert data.accepted and data.intake_done and data.moving and not data.editing
    assert data.picked == ("family", "health") and data.page == 0 and data.resume == "menu"
    assert (data.slot, data.slot_interpreter) == ("c1-202612011000", "none")
    with database.transaction() as tx:
        saved = tx.execute(select(conversations.c.data)).scalar_one()
    assert saved == {k: v for k, v in stored_before.items() if k not in ("n", "editing")}
