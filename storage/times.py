"""The one clock and its convention: the database holds naive UTC (what `utc_now` returns, and what
the bot's steps and jobs are given); storage returns aware UTC (`aware`), so that
`.astimezone(BERLIN)` cannot go wrong. Europe/Berlin itself is `flows.clock.BERLIN`."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, as naive UTC (as stored). The assistant's clock, replaced by a fake one in tests."""
    return datetime.now(UTC).replace(tzinfo=None)


def aware(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already (the storage convention)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def naive(moment: datetime) -> datetime:
    """Naive UTC, as stored."""
    return aware(moment).replace(tzinfo=None)
