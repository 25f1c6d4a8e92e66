"""Rules of the outbox deliverer (DESIGN 6), as pure functions of time: when a row is tried again, and when the
deliverer stops hammering an admin API that keeps failing.

The admin-API client already retries within one call for a few seconds, because an agent may be waiting on it.
The outbox works on a longer scale: nobody waits on a row, so it backs off up to minutes, honours the server's
Retry-After, and keeps going across outages and restarts until it gets a confirmed answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from lifer_desk.domain.timeutil import require_aware


@dataclass(frozen=True)
class OutboxBackoff:
    base: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(minutes=5)

    def next_attempt(
        self, now: datetime, attempts: int, rng: random.Random, retry_after: float | None = None
    ) -> datetime:
        """When to try again after `attempts` failed tries: exponential with full jitter, capped, and never
        sooner than the server asked for (its Retry-After wins over the cap: it knows its own state)."""
        now = require_aware(now, "now")
        ceiling = min(self.cap.total_seconds(), self.base.total_seconds() * 2 ** max(0, attempts - 1))
        delay = rng.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return now + timedelta(seconds=delay)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class CircuitBreaker:
    """After `threshold` consecutive failures the deliverer stops sending (open) and, after `cool_down`, lets
    one probe through (half-open); a success closes it, a failure opens it again. Immutable: each event
    returns the next breaker, so a test or the UI can read `failing_since` without racing the deliverer."""

    threshold: int = 5
    cool_down: timedelta = timedelta(seconds=15)
    failures: int = 0
    opened_at: datetime | None = None
    failing_since: datetime | None = None

    def state(self, now: datetime) -> BreakerState:
        if self.opened_at is None:
            return BreakerState.CLOSED
        if require_aware(now, "now") - self.opened_at >= self.cool_down:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allows(self, now: datetime) -> bool:
        return self.state(now) is not BreakerState.OPEN

    def succeeded(self) -> CircuitBreaker:
        return CircuitBreaker(self.threshold, self.cool_down)

    def failed(self, now: datetime) -> CircuitBreaker:
        now = require_aware(now, "now")
        failures = self.failures + 1
        since = self.failing_since or now
        if self.state(now) is BreakerState.HALF_OPEN or failures >= self.threshold:
            # A failed probe restarts the cool-down; the outage is still dated from its first failure.
            return CircuitBreaker(self.threshold, self.cool_down, failures, now, since)
        return CircuitBreaker(self.threshold, self.cool_down, failures, self.opened_at, since)


class OutboxState(StrEnum):
    PENDING = "pending"  # to send, or to send again with the same key
    POLLING = "polling"  # an erasure the admin API accepted: read until it ends
    DONE = "done"  # a confirmed 2xx (or the target already gone); its receipt items are stored
    FAILED = "failed"  # a definite refusal: nothing happened, the request failed with the problem detail
    HELD = "held"  # its request failed through another row; waits, unsent, for a supervisor's retry
    SUPERSEDED = "superseded"  # its request went back for approval; the new approval writes new rows


# Rows a deliverer still has work on.
ACTIVE_STATES = frozenset({OutboxState.PENDING, OutboxState.POLLING})


class Operation(StrEnum):
    ERASURE = "erasure"
    IMAGE_DELETE = "image_delete"
    CORRECTION = "correction"
    # The confirmation to the account's address of record, sent once the request completed (issue 14).
    NOTIFY = "notify"


@dataclass(frozen=True)
class ReceiptItem:
    """One object a request removed or changed: what it was, its id, when the admin API did it, the
    Idempotency-Key that did it, and whether it was already gone (nothing to do, still done)."""

    kind: str
    id: str
    at: datetime
    idempotency_key: str
    absent: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "id": self.id,
            "at": self.at.isoformat(),
            "idempotency_key": self.idempotency_key,
            "absent": self.absent,
        }

    @classmethod
    def from_json(cls, body: dict[str, object]) -> ReceiptItem:
        return cls(
            kind=str(body["kind"]),
            id=str(body["id"]),
            at=datetime.fromisoformat(str(body["at"])),
            idempotency_key=str(body["idempotency_key"]),
            absent=bool(body.get("absent", False)),
        )
