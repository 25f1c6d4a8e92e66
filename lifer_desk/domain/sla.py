"""Service-level targets per category and priority, and the countdowns shown in the queues (issue 4 §5).

Targets run on wall-clock time (the desk is staffed every day); the legal clocks of deletion and
correction tickets, which do follow China's working days, are in `legal_clocks`.

The settings string is a JSON object that overrides the defaults, most specific key winning::

    {"urgent": "30m/4h", "deletion": "4h/5d", "deletion/urgent": "1h/2d"}

Each key is a priority, a category, or "category/priority"; each value is "first response/resolution",
durations written as days, hours and minutes ("1d12h", "90m").
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from lifer_desk.domain.tickets import Category, Priority
from lifer_desk.domain.timeutil import require_aware
from lifer_desk.i18n import _, format_duration

WARNING_WITHIN = timedelta(hours=4)


class SlaConfigError(ValueError):
    """The SLA settings string cannot be used; the message says which entry and why."""


@dataclass(frozen=True)
class SlaTarget:
    first_response: timedelta
    resolution: timedelta


DEFAULT_TARGETS: Mapping[Priority, SlaTarget] = MappingProxyType(
    {
        Priority.URGENT: SlaTarget(timedelta(hours=1), timedelta(hours=8)),
        Priority.HIGH: SlaTarget(timedelta(hours=4), timedelta(days=1)),
        Priority.NORMAL: SlaTarget(timedelta(hours=8), timedelta(days=3)),
        Priority.LOW: SlaTarget(timedelta(days=1), timedelta(days=7)),
    }
)


@dataclass(frozen=True)
class SlaDue:
    first_response: datetime
    resolution: datetime


@dataclass(frozen=True)
class SlaPolicy:
    """A complete table: every (category, priority) pair has a target."""

    targets: Mapping[tuple[Category, Priority], SlaTarget]

    @classmethod
    def default(cls) -> SlaPolicy:
        return cls.parse("")

    @classmethod
    def parse(cls, text: str) -> SlaPolicy:
        """Build a policy from the settings string; blank means the defaults. Raises SlaConfigError."""
        table = {(c, p): DEFAULT_TARGETS[p] for c in Category for p in Priority}
        # Broadest entries first, so that a more specific one overrides them whatever the JSON order.
        for keys, target in sorted(_parse_entries(text), key=lambda entry: len(entry[0]), reverse=True):
            table.update(dict.fromkeys(keys, target))
        return cls(MappingProxyType(table))

    def target(self, category: Category, priority: Priority) -> SlaTarget:
        return self.targets[(category, priority)]

    def due_times(self, category: Category, priority: Priority, created_at: datetime) -> SlaDue:
        require_aware(created_at, "created_at")
        target = self.target(category, priority)
        return SlaDue(created_at + target.first_response, created_at + target.resolution)


def _parse_entries(text: str) -> list[tuple[list[tuple[Category, Priority]], SlaTarget]]:
    """Each entry as the pairs it covers and its target; fewer pairs means more specific."""
    if not text.strip():
        return []
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SlaConfigError(_("SLA settings are not valid JSON: {error}").format(error=exc)) from None
    if not isinstance(raw, dict):
        raise SlaConfigError(_('SLA settings must be a JSON object of key: "first/resolution"'))
    return [(_parse_key(key), _parse_target(key, value)) for key, value in raw.items()]


def _parse_key(key: str) -> list[tuple[Category, Priority]]:
    category_name, slash, priority_name = key.strip().partition("/")
    if slash:
        return [(_category(key, category_name), _priority(key, priority_name))]
    if category_name in {p.value for p in Priority}:
        return [(c, Priority(category_name)) for c in Category]
    if category_name in {c.value for c in Category}:
        return [(Category(category_name), p) for p in Priority]
    raise SlaConfigError(
        _("SLA entry {key!r}: not a priority ({priorities}) or a category ({categories})").format(
            key=key, priorities=_names(Priority), categories=_names(Category)
        )
    )


def _category(key: str, name: str) -> Category:
    try:
        return Category(name.strip())
    except ValueError:
        raise SlaConfigError(
            _("SLA entry {key!r}: unknown category {name!r}; expected one of {names}").format(
                key=key, name=name, names=_names(Category)
            )
        ) from None


def _priority(key: str, name: str) -> Priority:
    try:
        return Priority(name.strip())
    except ValueError:
        raise SlaConfigError(
            _("SLA entry {key!r}: unknown priority {name!r}; expected one of {names}").format(
                key=key, name=name, names=_names(Priority)
            )
        ) from None


def _names(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)


def _parse_target(key: str, value: object) -> SlaTarget:
    first, slash, resolution = value.partition("/") if isinstance(value, str) else ("", "", "")
    if not slash:
        raise SlaConfigError(
            _('SLA entry {key!r}: expected "first-response/resolution" like "4h/3d", got {value!r}').format(
                key=key, value=value
            )
        )
    target = SlaTarget(_parse_duration(key, first), _parse_duration(key, resolution))
    if target.resolution < target.first_response:
        raise SlaConfigError(
            _("SLA entry {key!r}: the resolution target is shorter than the first-response target").format(key=key)
        )
    return target


_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")


def _parse_duration(key: str, text: str) -> timedelta:
    match = _DURATION.fullmatch(text.strip())
    if match is None or not any(match.groups()):
        raise SlaConfigError(
            _('SLA entry {key!r}: {text!r} is not a duration such as "30m", "4h" or "1d12h"').format(key=key, text=text)
        )
    days, hours, minutes = (int(group or 0) for group in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes)
    if duration <= timedelta(0):
        raise SlaConfigError(_("SLA entry {key!r}: durations must be longer than zero").format(key=key))
    return duration


@dataclass(frozen=True)
class Resumed:
    """A paused resolution clock started again: the due time it now has, and every pause so far."""

    resolution_due: datetime
    paused_seconds: int


def resume(resolution_due: datetime, paused_at: datetime, paused_seconds: int, now: datetime) -> Resumed:
    """The resolution clock after a pause from `paused_at` to `now`: it moves on by the time it stood still."""
    paused = max(timedelta(0), require_aware(now, "now") - require_aware(paused_at, "paused_at"))
    whole = int(paused.total_seconds())
    return Resumed(resolution_due + timedelta(seconds=whole), paused_seconds + whole)


class SlaState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"


@dataclass(frozen=True)
class SlaClock:
    due: datetime
    remaining: timedelta
    state: SlaState
    label: str


def sla_clock(due: datetime, now: datetime, warning_within: timedelta = WARNING_WITHIN) -> SlaClock:
    """Where a due time stands at `now`: remaining time, state and countdown label."""
    remaining = require_aware(due, "due") - require_aware(now, "now")
    if remaining <= timedelta(0):
        state = SlaState.BREACHED
    elif remaining < warning_within:
        state = SlaState.WARNING
    else:
        state = SlaState.OK
    return SlaClock(due, remaining, state, countdown_label(remaining))


def countdown_label(remaining: timedelta, *, units: int = 2, minus: bool = False) -> str:
    """A countdown in the agent's language: "45m", "3h12m", "2d4h", "12d" (at most 7 cells) / "2天4小时";
    overdue time reads "-1d2h" / "逾期1天2小时".

    Minutes are rounded down, so the label never promises more time than is left and any breach,
    however recent, reads at least "-1m". A narrow column asks for fewer `units`, and for a `minus` sign
    rather than the language's word for overdue.
    """
    minutes = math.floor(remaining / timedelta(minutes=1))
    length = timedelta(minutes=abs(minutes))
    # Ten days and more need no hours: the column stays narrow, and nobody counts hours that far out.
    duration = format_duration(length, units=1 if length >= timedelta(days=10) else units)
    if minutes < 0 and minus:
        return "-" + duration
    if minutes < 0:
        # Translators: an overdue countdown; the English column has room for a minus sign only.
        return _("-{duration}").format(duration=duration)
    return duration


def countdown_minute(now: datetime) -> datetime:
    """The minute `now` falls in: countdown labels count whole minutes, so they can only change when it turns."""
    return now.replace(second=0, microsecond=0)
