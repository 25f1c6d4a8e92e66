"""The supervisors' dashboard: the desk's health in figures, the same for the screen and `dashboard --json`.

Approximations, named where they are made: the desk keeps no history of queue depth, so the 14-day trend of
open tickets is worked back from today's count with the tickets opened and closed each day since; a
breach per day is an open ticket whose resolution deadline passed that day.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col

from lifer_desk.domain.queues import QueueName
from lifer_desk.services import changes
from lifer_desk.services.audit_review import checkpoint_stale, require_supervisor
from lifer_desk.services.context import DeskContext
from lifer_desk.services.queues import COUNT_CAP
from lifer_desk.store import dashboard_query as q
from lifer_desk.store import feedback_stats as feedback_store
from lifer_desk.store import queues as store_queues
from lifer_desk.store.models import DataRequest
from lifer_desk.store.queues import QueueQuery

TREND_DAYS = 14
FAILURE_DAYS = 7
DUE_SOON = timedelta(days=3)
# An agent's verification failures stand out above the median by this many median absolute deviations
# (at least one failure's worth), and from this many failures: a social-engineering signal.
OUTLIER_MADS = 3.0
OUTLIER_MIN = 3
# The desk-wide queues (My open is each agent's own).
QUEUES = tuple(queue for queue in QueueName if queue is not QueueName.MY_OPEN)


@dataclass(frozen=True)
class ClockDue:
    due_3d: int
    overdue: int


@dataclass(frozen=True)
class AgentFailures:
    agent: str
    failures: int
    outlier: bool


@dataclass(frozen=True)
class AgentLoad:
    agent: str
    claimed: int
    open: int


@dataclass(frozen=True)
class FeedbackVolume:
    """Feedback submitted on each of the dashboard's days, and the items under each tag (most first).

    The feedback stats count submissions per UTC day, so a day here is the UTC day of the same date.
    """

    per_day: tuple[int, ...]
    by_tag: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DashboardFigures:
    days: tuple[str, ...]  # the local dates of every series, oldest first
    queues: dict[str, int]  # capped at COUNT_CAP + 1, as the queue list shows them
    open_trend: tuple[int, ...]
    breached: int
    breaches_per_day: tuple[int, ...]
    requests: dict[str, ClockDue]  # per legal clock: "calendar_30d", "working_15d"
    verification_failures: tuple[AgentFailures, ...]
    workload: tuple[AgentLoad, ...]
    closed_per_day: tuple[int, ...]
    feedback: FeedbackVolume
    checkpoint_overdue: bool  # no signed checkpoint in the last 24 h (see audit_review.checkpoint_overdue)

    def to_json(self) -> dict[str, Any]:
        """The figures for scripts: the keys the issue names, each a plain JSON value."""
        return {
            "days": list(self.days),
            "queues": dict(self.queues),
            "open_trend": list(self.open_trend),
            "breached": self.breached,
            "breaches_per_day": list(self.breaches_per_day),
            "requests_due_3d": {clock: due.due_3d for clock, due in self.requests.items()},
            "requests_overdue": {clock: due.overdue for clock, due in self.requests.items()},
            "verification_failures_by_agent": {
                row.agent: {"failures": row.failures, "outlier": row.outlier} for row in self.verification_failures
            },
            "workload": {row.agent: {"claimed": row.claimed, "open": row.open} for row in self.workload},
            "closed_per_day": list(self.closed_per_day),
            "feedback_per_day": list(self.feedback.per_day),
            "feedback_by_tag": dict(self.feedback.by_tag),
            "checkpoint_overdue": self.checkpoint_overdue,
        }

    def part(self, name: str) -> Any:
        """One panel's data, for redrawing only the panels that changed."""
        return asdict(self)[name]


def flag_outliers(counts: dict[str, int]) -> tuple[AgentFailures, ...]:
    """Each agent's failures, most first, flagged when far above the desk's median (median absolute deviation)."""
    if not counts:
        return ()
    values = list(counts.values())
    median = statistics.median(values)
    spread = max(statistics.median(abs(value - median) for value in values), 1.0)
    limit = median + OUTLIER_MADS * spread
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(AgentFailures(agent, n, n >= OUTLIER_MIN and n > limit) for agent, n in ranked)


def _day_bounds(ctx: DeskContext, now: datetime, days: int) -> tuple[list[str], list[datetime]]:
    """The last `days` local dates up to today, and their midnight boundaries in UTC (one more than dates)."""
    zone = ctx.settings.timezone
    today = now.astimezone(zone).date()
    dates = [today - timedelta(days=days - 1 - i) for i in range(days)]
    bounds = [datetime.combine(day, time(), zone) for day in dates]
    bounds.append(datetime.combine(today + timedelta(days=1), time(), zone))
    return [day.isoformat() for day in dates], bounds


SERIES = ("opened", "closed", "breaches")


@dataclass(frozen=True)
class _Counted:
    """The figures that depend on the tickets alone, not on the time: unchanged while nothing is committed."""

    series: dict[str, list[int]]
    open_now: int
    open_by_agent: dict[str, int]


class DashboardReader:
    """Reads the figures for one dashboard: after the first read, the days before today are kept (they are
    over) and only today's count of each day series is read again, until the date changes; and while nothing
    was committed since the last read (services.changes), the counts that depend on the tickets alone (today's,
    the open tickets and each agent's) are kept too, so that a quiet desk's refresh reads only what the time
    moves: breaches, live claims, deadlines.

    The one figure that can move for a past day is a ticket reopened since it was closed: it leaves that day's
    closed count on the next date change, not at once. On PostgreSQL a commit is heard a moment after it is made
    (a notification): one landing just before a refresh shows in the next.
    """

    def __init__(self, *, follow_changes: bool = True) -> None:
        """`follow_changes=False` for a single read (no change watch is opened for it)."""
        self._follow_changes = follow_changes
        self._past: tuple[tuple[str, ...], dict[str, list[int]]] | None = None
        self._counted: tuple[Hashable, _Counted] | None = None

    def figures(self, ctx: DeskContext) -> DashboardFigures:
        require_supervisor(ctx, "dashboard")
        now = ctx.clock()
        days, bounds = _day_bounds(ctx, now, TREND_DAYS)
        # Read before the counts: a commit landing meanwhile moves it again, and the next read counts afresh.
        version = (changes.version(ctx), tuple(days)) if self._follow_changes else object()
        with ctx.db.read() as session:
            if self._counted is not None and self._counted[0] == version:
                counted = self._counted[1]
            else:
                counted = self._count(session, days, bounds)
                self._counted = (version, counted)
            return _figures(ctx, session, now, days, counted)

    def _count(self, session: Session, days: list[str], bounds: list[datetime]) -> _Counted:
        if self._past is not None and self._past[0] == tuple(days):
            today = _series(session, bounds[-2:])
            series = {name: [*self._past[1][name], *today[name]] for name in SERIES}
        else:
            series = _series(session, bounds)
        self._past = (tuple(days), {name: counts[:-1] for name, counts in series.items()})
        by_assignee = q.open_by_assignee(session)
        by_agent = {agent: count for agent, count in by_assignee.items() if agent is not None}
        return _Counted(series, sum(by_assignee.values()), by_agent)


def figures(ctx: DeskContext) -> DashboardFigures:
    """Every figure, read afresh (`lifer-desk dashboard --json`)."""
    return DashboardReader(follow_changes=False).figures(ctx)


def _series(session: Session, bounds: list[datetime]) -> dict[str, list[int]]:
    return {
        "opened": q.created_per_day(session, bounds),
        "closed": q.closed_per_day(session, bounds),
        "breaches": q.breaches_per_day(session, bounds),
    }


def _figures(ctx: DeskContext, session: Session, now: datetime, days: list[str], counted: _Counted) -> DashboardFigures:
    queues = {
        str(queue): store_queues.capped_count(session, QueueQuery(queue, ctx.agent, now), COUNT_CAP) for queue in QUEUES
    }
    clocks = {"calendar_30d": col(DataRequest.due_calendar), "working_15d": col(DataRequest.due_working)}
    due = q.requests_due(session, list(clocks.values()), now, now + DUE_SOON)
    requests = {clock: ClockDue(*counts) for clock, counts in zip(clocks, due, strict=True)}
    failures = q.verification_failures_by_agent(session, now - timedelta(days=FAILURE_DAYS))
    series, open_by_agent = counted.series, counted.open_by_agent
    claimed = q.claimed_by_agent(session, now)
    return DashboardFigures(
        tuple(days),
        queues,
        _open_trend(counted.open_now, series["opened"], series["closed"]),
        q.breached_now(session, now),
        tuple(series["breaches"]),
        requests,
        flag_outliers(failures),
        tuple(
            AgentLoad(agent, claimed.get(agent, 0), open_by_agent.get(agent, 0))
            for agent in sorted(open_by_agent.keys() | claimed.keys())
        ),
        tuple(series["closed"]),
        _feedback(session, days),
        checkpoint_stale(ctx),
    )


def _feedback(session: Session, days: list[str]) -> FeedbackVolume:
    # The two feedback figures the panel shows, from the feedback stats' own queries, in the dashboard's session.
    by_day = feedback_store.per_day(session)
    ranked = sorted(feedback_store.per_tag(session).items(), key=lambda item: (-item[1], item[0]))
    return FeedbackVolume(tuple(by_day.get(day, 0) for day in days), tuple(ranked))


def _open_trend(open_now: int, opened: list[int], closed: list[int]) -> tuple[int, ...]:
    """Open tickets at the end of each day: today's count, less what opened and plus what closed after it."""
    trend = [open_now]
    for day in range(len(opened) - 1, 0, -1):
        trend.append(trend[-1] - opened[day] + closed[day])
    return tuple(reversed(trend))
