"""Prometheus metrics of one instance, served at /metrics by the webhook server."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """One registry per assistant (no global state): updates, latency, sends, bookings, backlog."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "comehome_updates",
            "Updates handled, by kind of event",
            ["event"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "comehome_step_seconds",
            "From an update to its committed step",
            buckets=(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.failed_sends = Counter(
            "comehome_failed_sends",
            "Sends that failed and wait in the outbox",
            registry=self.registry,
        )
        self.bookings = Counter(
            "comehome_appointments",
            "Appointments booked, moved or cancelled",
            ["change"],
            registry=self.registry,
        )
        self.backlog = Gauge(
            "comehome_outbox_backlog",
            "Replies waiting in the outbox to be sent (not web pages waiting for the browser)",
            registry=self.registry,
        )

    def render(self, backlog: int) -> bytes:
        self.backlog.set(backlog)
        return generate_latest(self.registry)
