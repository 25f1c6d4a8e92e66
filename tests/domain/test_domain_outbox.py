"""The outbox deliverer's backoff and circuit breaker, as functions of time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from lifer_desk.domain.outbox import BreakerState, CircuitBreaker, OutboxBackoff

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@given(st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=2**32))
def test_backoff_grows_with_jitter_and_stays_capped(attempts: int, seed: int) -> None:
    backoff = OutboxBackoff(base=timedelta(seconds=1), cap=timedelta(minutes=5))
    delay = (backoff.next_attempt(NOW, attempts, random.Random(seed)) - NOW).total_seconds()
    ceiling = min(300.0, 2.0 ** (attempts - 1))
    assert ceiling / 2 <= delay <= ceiling


def test_retry_after_is_honoured_even_past_the_cap() -> None:
    backoff = OutboxBackoff(base=timedelta(seconds=1), cap=timedelta(seconds=10))
    assert backoff.next_attempt(NOW, 1, random.Random(1), retry_after=120) == NOW + timedelta(seconds=120)


def test_jitter_spreads_desks_apart() -> None:
    backoff = OutboxBackoff()
    times = {backoff.next_attempt(NOW, 6, random.Random(seed)) for seed in range(20)}
    assert len(times) == 20


def test_breaker_opens_after_threshold_then_probes_and_closes() -> None:
    breaker = CircuitBreaker(threshold=3, cool_down=timedelta(seconds=15))
    for second in range(2):
        breaker = breaker.failed(NOW + timedelta(seconds=second))
        assert breaker.allows(NOW + timedelta(seconds=second))
    breaker = breaker.failed(NOW + timedelta(seconds=2))
    assert breaker.state(NOW + timedelta(seconds=3)) is BreakerState.OPEN
    assert not breaker.allows(NOW + timedelta(seconds=16))
    assert breaker.failing_since == NOW
    probe_time = NOW + timedelta(seconds=17)
    assert breaker.state(probe_time) is BreakerState.HALF_OPEN
    failed_probe = breaker.failed(probe_time)
    assert failed_probe.state(probe_time + timedelta(seconds=1)) is BreakerState.OPEN
    assert failed_probe.failing_since == NOW, "the outage is dated from its first failure"
    closed = failed_probe.succeeded()
    assert closed.state(probe_time) is BreakerState.CLOSED and closed.failing_since is None


def test_a_success_between_failures_resets_the_count() -> None:
    breaker = CircuitBreaker(threshold=2).failed(NOW).succeeded().failed(NOW)
    assert breaker.allows(NOW)
