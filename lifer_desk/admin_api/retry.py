"""When and how long the client waits before trying a call again."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from lifer_desk.admin_api.errors import AdminApiError, InFlight

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# Failures where the request may or may not have reached the server; only safe or keyed calls may repeat.
RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0
    # All the waiting one call may do: an agent is usually waiting on the other end, so an outage is reported
    # after a few seconds rather than after every retry the server suggests, and a Retry-After that would pass
    # it is handed to the caller (RateLimited and InFlight carry it) rather than slept through.
    max_total_wait: float = 8.0

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Exponential backoff with full jitter, so many desks do not retry in lock-step."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**retry_number))


def may_retry(request: httpx.Request) -> bool:
    return request.method in SAFE_METHODS or "Idempotency-Key" in request.headers


def worth_repeating(error: AdminApiError) -> bool:
    """A transient answer, or a keyed call whose first attempt is still running (it will finish or lapse)."""
    return error.status in RETRYABLE_STATUSES or isinstance(error, InFlight)
