"""Storage's clock convention: the database holds naive UTC; what storage returns is aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already (the storage convention)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def naive(moment: datetime) -> datetime:
    """Naive UTC, as stored."""
    return aware(moment).replace(tzinfo=None)
