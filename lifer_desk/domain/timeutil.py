"""Guards for the rule that the domain computes with timezone-aware datetimes only (stored in UTC)."""

from __future__ import annotations

from datetime import datetime


def require_aware(value: datetime, name: str) -> datetime:
    """Return `value`, or raise ValueError if it is naive: a naive time would silently mean local time."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}")
    return value
