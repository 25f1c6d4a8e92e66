from datetime import UTC, datetime, timedelta, timezone

import pytest

from lifer_desk.domain.sla import (
    SlaConfigError,
    SlaPolicy,
    SlaState,
    SlaTarget,
    countdown_label,
    sla_clock,
)
from lifer_desk.domain.tickets import Category, Priority

NOW = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


def test_default_policy_is_complete_and_urgent_is_fastest() -> None:
    policy = SlaPolicy.default()
    assert len(policy.targets) == len(Category) * len(Priority)
    ordered = sorted(Priority, key=lambda p: p.rank)
    for category in Category:
        targets = [policy.target(category, p) for p in ordered]
        assert [t.first_response for t in targets] == sorted(t.first_response for t in targets)
        assert [t.resolution for t in targets] == sorted(t.resolution for t in targets)
        assert all(t.first_response <= t.resolution for t in targets)
    assert policy.target(Category.OTHER, Priority.URGENT) == SlaTarget(timedelta(hours=1), timedelta(hours=8))


def test_specific_entries_override_broad_ones_whatever_their_order() -> None:
    policy = SlaPolicy.parse('{"deletion/urgent": "15m/1d", "deletion": "4h/5d", "urgent": "30m/4h"}')
    assert policy.target(Category.DELETION, Priority.URGENT) == SlaTarget(timedelta(minutes=15), timedelta(days=1))
    assert policy.target(Category.DELETION, Priority.LOW) == SlaTarget(timedelta(hours=4), timedelta(days=5))
    assert policy.target(Category.PAYMENT, Priority.URGENT) == SlaTarget(timedelta(minutes=30), timedelta(hours=4))
    assert policy.target(Category.PAYMENT, Priority.LOW) == SlaPolicy.default().target(Category.PAYMENT, Priority.LOW)


def test_durations_combine_days_hours_minutes() -> None:
    policy = SlaPolicy.parse('{"low": " 1d12h / 10d2h30m "}')
    assert policy.target(Category.OTHER, Priority.LOW) == SlaTarget(
        timedelta(days=1, hours=12), timedelta(days=10, hours=2, minutes=30)
    )


@pytest.mark.parametrize("blank", ["", "   ", "{}"])
def test_blank_settings_mean_defaults(blank: str) -> None:
    assert SlaPolicy.parse(blank) == SlaPolicy.default()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"urgent": "1h/8h"', "not valid JSON"),
        ('["urgent"]', "must be a JSON object"),
        ('{"urgnt": "1h/8h"}', "'urgnt': not a priority"),
        ('{"deletion/urgnt": "1h/8h"}', "unknown priority 'urgnt'"),
        ('{"delete/urgent": "1h/8h"}', "unknown category 'delete'"),
        ('{"urgent": "1h"}', 'expected "first-response/resolution"'),
        ('{"urgent": 3600}', 'expected "first-response/resolution"'),
        ('{"urgent": "1x/8h"}', "'1x' is not a duration"),
        ('{"urgent": "/8h"}', "'' is not a duration"),
        ('{"urgent": "0m/8h"}', "longer than zero"),
        ('{"urgent": "8h/1h"}', "resolution target is shorter"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_reason(text: str, message: str) -> None:
    with pytest.raises(SlaConfigError, match=message):
        SlaPolicy.parse(text)


def test_due_times_from_created_at() -> None:
    due = SlaPolicy.default().due_times(Category.DELETION, Priority.HIGH, NOW)
    assert due.first_response == NOW + timedelta(hours=4)
    assert due.resolution == NOW + timedelta(days=1)


def test_due_times_keep_the_instant_whatever_the_zone() -> None:
    shanghai_noon = datetime(2025, 3, 10, 16, 0, tzinfo=timezone(timedelta(hours=8)))
    due = SlaPolicy.default().due_times(Category.OTHER, Priority.URGENT, shanghai_noon)
    assert due.first_response == NOW + timedelta(hours=1)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        SlaPolicy.default().due_times(Category.OTHER, Priority.LOW, datetime(2025, 3, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        sla_clock(NOW, datetime(2025, 3, 10))


@pytest.mark.parametrize(
    ("remaining", "state"),
    [
        (timedelta(days=2), SlaState.OK),
        (timedelta(hours=4), SlaState.OK),
        (timedelta(hours=3, minutes=59), SlaState.WARNING),
        (timedelta(seconds=1), SlaState.WARNING),
        (timedelta(0), SlaState.BREACHED),
        (-timedelta(days=3), SlaState.BREACHED),
    ],
)
def test_state_warns_under_four_hours_and_breaches_at_due(remaining: timedelta, state: SlaState) -> None:
    clock = sla_clock(NOW + remaining, NOW)
    assert clock.state is state
    assert clock.remaining == remaining
    assert clock.label == countdown_label(remaining)


@pytest.mark.parametrize(
    ("remaining", "label"),
    [
        (timedelta(hours=3, minutes=12, seconds=59), "3h12m"),
        (timedelta(hours=1, minutes=5), "1h05m"),
        (timedelta(days=2, hours=4, minutes=59), "2d4h"),
        (timedelta(days=9, hours=23), "9d23h"),
        (timedelta(days=12, hours=5), "12d"),
        (timedelta(minutes=45, seconds=30), "45m"),
        (timedelta(seconds=59), "0m"),
        (-timedelta(seconds=1), "-1m"),
        (-timedelta(hours=1, minutes=5), "-1h05m"),
        (-timedelta(hours=1, minutes=4, seconds=1), "-1h05m"),
        (-timedelta(days=2, hours=4), "-2d4h"),
        (-timedelta(days=150), "-150d"),
    ],
)
def test_countdown_label(remaining: timedelta, label: str) -> None:
    assert countdown_label(remaining) == label


def test_countdown_labels_fit_a_narrow_column() -> None:
    samples = [timedelta(minutes=m) for m in range(-20000, 20000, 7)]
    assert max(len(countdown_label(s)) for s in samples) <= 7
