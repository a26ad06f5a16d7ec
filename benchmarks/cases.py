"""One measured case, run in a process of its own (clean peak RSS and start-up): a system is
built and started, walks a warm-up journey, then simulated clients one at a time and K at once.

Systems: "ours" (our Application, door, flows and storage on SQLite or PostgreSQL), "ours-unsynced"
(the same on SQLite with commits not waiting for the disk), "ptb-memory"
(ConversationHandler, no persistence), "ptb-pickle" (with PicklePersistence, default 60-second
flush) and "ptb-pickle-flush" (PicklePersistence written after every update).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, TypeHandler
from telegram.warnings import PTBUserWarning

from benchmarks.measure import peak_rss_mb, percentile
from benchmarks.script import JOURNEY, OfflineBotAPI, journey_updates, settings_for

Feed = Callable[[Sequence[Update]], Awaitable[None]]


@dataclass
class Case:
    """What the parent asks a child process to measure (read from a JSON file)."""

    system: str
    label: str
    stored: int
    first_client: int
    clients: int  # per pass
    concurrency: int
    max_seconds: float  # per pass
    secrets: str  # path of a JSON file with the pepper and chat keys
    prompts: str = ""
    database_url: str = ""
    pickle_file: str = ""


@dataclass
class System:
    application: Application  # type: ignore[type-arg]
    feed: Feed
    api: OfflineBotAPI
    stop: Callable[[], Awaitable[None]]
    timers: Timers | None = None
    done: dict[int, float] = field(default_factory=dict)  # update id → when its handling ended


class Timers:
    """Wall time spent inside chosen methods of one object (replaced on the instance only)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, owner: object, name: str, label: str) -> None:
        method = getattr(owner, name)
        if inspect.iscoroutinefunction(method):
            setattr(owner, name, self._awaited(method, label))
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.spent[label] = self.spent.get(label, 0.0) + time.perf_counter() - began

        setattr(owner, name, timed)

    def _awaited(self, method: Callable[..., Awaitable[Any]], label: str) -> Any:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                self.spent[label] = self.spent.get(label, 0.0) + time.perf_counter() - began

        return timed


async def start_ours(case: Case) -> System:
    """Built as `comehome run` builds it (migrations checked), with the offline Bot API."""
    import bot.service.delivery
    import bot.service.step
    from bot.app import build_application, process_batch
    from bot.assistant import Assistant
    from storage.crypto import Keyring

    secrets = json.loads(Path(case.secrets).read_text())
    keyring = Keyring.from_text(secrets["pepper"], secrets["chat_keys"])
    assistant = Assistant.build(settings_for(case.database_url, keyring))
    if case.system == "ours-unsynced":  # Pickle's durability, to show what the fsync costs
        durable_run = assistant.db.run

        async def unsynced(work: Any, durable: bool = True) -> Any:
            return await durable_run(work, durable=False)

        assistant.db.run = unsynced  # type: ignore[method-assign]
    api = OfflineBotAPI()
    application, door = build_application(assistant, request=api)
    await application.initialize()
    timers = Timers()  # the step's transaction and waiting for marks (awaited), flow, rendering
    timers.wrap(assistant.steps, "handle_client", "step")
    # a sender waiting for a mark: between two messages of a reply, before a chat's next reply
    timers.wrap(bot.service.delivery.Progress, "settled", "sent")
    # the pure step function, inside the transaction
    timers.wrap(bot.service.step, "flow_step", "flow")
    timers.wrap(bot.service.delivery, "render", "render")

    done: dict[int, float] = {}
    process = door.process

    async def processed(update: Update) -> None:
        """The door's own path (`process`, as the polling loop and the webhook call it), timed to
        the end of the replies it caused: its chat's queue sent them in the background."""
        await process(update)
        chat = update.effective_chat
        sending = door.queues.tasks.get(("telegram", str(chat.id))) if chat else None
        if sending is not None:
            await asyncio.shield(sending)
        done[update.update_id] = time.perf_counter()

    door.process = processed  # type: ignore[method-assign]

    async def feed(batch: Sequence[Update]) -> None:
        await process_batch(door, batch)  # as the polling loop does with one batch
        # The replies, sent in the background; their last marks ride the next step's commit,
        # as in service (nothing there waits for them).
        await door.queues.drain(settle=False)

    async def stop() -> None:
        await application.shutdown()
        assistant.db.dispose()

    return System(application, feed, api, stop, timers, done)


async def start_ptb(case: Case) -> System:
    """PTB's Application with the ConversationHandler journey; one update at a time (its default)."""
    from benchmarks.baseline import build_baseline

    warnings.filterwarnings("ignore", category=PTBUserWarning)  # per_message=False, as usual
    api = OfflineBotAPI()
    pickle_file = Path(case.pickle_file) if case.pickle_file else None
    flush = case.system == "ptb-pickle-flush"
    application, persistence = build_baseline(Path(case.prompts), api, pickle_file, flush)
    await application.initialize()  # loads the whole pickle file

    async def feed(batch: Sequence[Update]) -> None:
        for update in batch:
            await application.process_update(update)
            if flush and persistence is not None:
                await application.update_persistence()
                await persistence.flush()

    async def stop() -> None:
        if not flush:
            return  # a default-flush shutdown would rewrite the file once per changed entry
        await application.shutdown()

    system = System(application, feed, api, stop)

    async def mark(update: Update, _context: Any) -> None:
        system.done[update.update_id] = time.perf_counter()

    application.add_handler(TypeHandler(Update, mark), group=1)  # after the journey's handler
    return system


async def one_at_a_time(
    system: System, clients: range, deadline: float
) -> tuple[list[float], float]:
    """Each client walks its journey alone; the latency of each update, and the time it took."""
    latencies: list[float] = []
    began = time.perf_counter()
    for client in clients:
        for raw in journey_updates(client):
            started = time.perf_counter()
            await system.feed([Update.de_json(raw, system.application.bot)])
            latencies.append(time.perf_counter() - started)
            if started > deadline:
                return latencies, time.perf_counter() - began
    return latencies, time.perf_counter() - began


async def together(
    system: System, clients: range, concurrency: int, deadline: float
) -> tuple[list[float], float]:
    """Waves of K clients walk in step: each batch holds one update of each (as one getUpdates
    answer would); an update's latency runs from the batch's start to the end of its handling
    (PTB: its handler, which sends the replies, returned; ours: the replies were sent)."""
    done = system.done
    latencies: list[float] = []
    began = time.perf_counter()
    for first in range(clients.start, clients.stop, concurrency):
        journeys = [
            journey_updates(c) for c in range(first, min(first + concurrency, clients.stop))
        ]
        for step in range(len(JOURNEY)):
            started = time.perf_counter()
            batch = [Update.de_json(j[step], system.application.bot) for j in journeys]
            await system.feed(batch)
            latencies += [done.pop(u.update_id, float("nan")) - started for u in batch]
            if started > deadline:
                return latencies, time.perf_counter() - began
    return latencies, time.perf_counter() - began


async def run(case: Case) -> dict[str, Any]:
    """Start-up, a warm-up journey, then both passes; the figures as a dict."""
    started = time.perf_counter()
    system = await (start_ours(case) if case.system.startswith("ours") else start_ptb(case))
    startup = time.perf_counter() - started
    await one_at_a_time(system, range(case.first_client, case.first_client + 1), float("inf"))
    calls_before = system.api.count
    spent = system.timers.spent if system.timers else {}
    spent.clear()
    first = case.first_client + 1
    alone, alone_time = await one_at_a_time(
        system, range(first, first + case.clients), time.perf_counter() + case.max_seconds
    )
    calls = (system.api.count - calls_before) / max(1, len(alone))
    inside = {f"{name}_ms": seconds * 1000 / len(alone) for name, seconds in spent.items()}
    first += case.clients
    both, both_time = await together(
        system,
        range(first, first + case.clients),
        case.concurrency,
        time.perf_counter() + case.max_seconds,
    )
    await system.stop()
    return {
        "label": case.label,
        "stored": case.stored,
        "startup_s": startup,
        "alone_per_s": len(alone) / alone_time,
        "alone_p50_ms": percentile(alone, 0.50) * 1000,
        "alone_p99_ms": percentile(alone, 0.99) * 1000,
        "alone_updates": len(alone),
        "together_per_s": len(both) / both_time,
        "together_p99_ms": percentile(both, 0.99) * 1000,
        "peak_rss_mb": peak_rss_mb(),
        "calls_per_update": calls,
        "alone_mean_ms": alone_time * 1000 / len(alone),
        **inside,
    }
