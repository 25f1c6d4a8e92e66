"""Dashboard figures equal direct SQL counts on seeded data; outliers in verification failures are flagged."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path

from sqlalchemy import text

from lifer_desk.config import Settings
from lifer_desk.domain.feedback import FeedbackFilter, Mailbox, TriageAction
from lifer_desk.services import dashboard, feedback
from lifer_desk.services.context import DeskContext
from lifer_desk.services.feedback_sync import sync_feedback
from lifer_desk.services.seed import seed_tickets
from lifer_desk.store import verifications
from lifer_desk.store.db import Database
from lifer_desk.store.models import DataRequest
from tests.agent_support import enrol
from tests.fakes.admin_api import with_admin
from tests.services.feedback_support import START, FeedbackFeed, items

NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)


def _seeded(db: Database) -> DeskContext:
    seed_tickets(DeskContext(db, Settings(database_url=db.url), "seeder", "host", clock=lambda: NOW), 600, seed=3)
    with db.write() as session:
        for agent, failures in (("alice", 1), ("bob", 2), ("carol", 1), ("dave", 9)):
            for n in range(failures):
                verifications.add_attempt(
                    session, ticket_id=None, account_id=f"u-{agent}", agent=agent, fields_stated=["email"],
                    results={"email": "mismatch"}, outcome="failed", attempt=1, at=NOW - timedelta(hours=n * 5),
                    expires_at=None,
                )  # fmt: skip
        verifications.add_attempt(
            session, ticket_id=None, account_id="u-old", agent="alice", fields_stated=["email"],
            results={"email": "mismatch"}, outcome="failed", attempt=1, at=NOW - timedelta(days=8), expires_at=None,
        )  # fmt: skip
        for n, (state, due) in enumerate(
            [
                ("awaiting_approval", NOW + timedelta(days=1)),
                ("approved", NOW + timedelta(days=2, hours=23)),
                ("executing", NOW - timedelta(hours=1)),
                ("completed", NOW - timedelta(days=1)),
                ("awaiting_verification", NOW + timedelta(days=5)),
            ]
        ):
            session.add(
                DataRequest(
                    kind="delete",
                    account_id=f"u-{n}",
                    payload="{}",
                    state=state,
                    state_since=NOW,
                    requested_by="alice",
                    due_calendar=due + timedelta(days=1),
                    due_working=due,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    enrol(db, "sue", "supervisor")
    return DeskContext(db, Settings(database_url=db.url), "sue", "supervisor", clock=lambda: NOW)


def _count(db: Database, sql: str, **params: object) -> int:
    with db.read() as session:
        return int(session.execute(text(sql), params).scalar_one())


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def test_dashboard_figures_equal_direct_sql_counts(db: Database) -> None:
    ctx = _seeded(db)
    shown = dashboard.figures(ctx)
    now = _naive(NOW)
    zone = ctx.settings.timezone
    today = NOW.astimezone(zone).date()
    days = [today - timedelta(days=13 - i) for i in range(14)]
    bounds = [_naive(datetime.combine(day, time(), zone)) for day in [*days, today + timedelta(days=1)]]
    spans = list(pairwise(bounds))
    assert shown.days == tuple(day.isoformat() for day in days)
    assert shown.breached == _count(db, "SELECT count(*) FROM ticket WHERE is_open = 1 AND resolution_due < :n", n=now)
    assert shown.breaches_per_day == tuple(
        _count(
            db,
            "SELECT count(*) FROM ticket WHERE is_open = 1 AND resolution_due >= :a AND resolution_due < :b",
            a=a,
            b=b,
        )
        for a, b in spans
    )
    assert shown.closed_per_day == tuple(
        _count(
            db,
            "SELECT count(*) FROM ticket WHERE status IN ('resolved', 'closed')"
            " AND updated_at >= :a AND updated_at < :b",
            a=a,
            b=b,
        )
        for a, b in spans
    )
    assert shown.open_trend[-1] == _count(db, "SELECT count(*) FROM ticket WHERE is_open = 1")
    assert shown.queues["all"] == _count(db, "SELECT count(*) FROM ticket")
    assert shown.queues["unassigned"] == _count(
        db, "SELECT count(*) FROM ticket WHERE is_open = 1 AND assignee IS NULL"
    )
    assert shown.queues["deletion"] == _count(
        db, "SELECT count(*) FROM ticket WHERE is_open = 1 AND category = 'deletion'"
    )
    per_agent = "SELECT assignee, count(*) FROM ticket WHERE is_open = 1 AND assignee IS NOT NULL"
    with db.read() as session:
        open_by = dict(session.execute(text(f"{per_agent} GROUP BY assignee")).all())
        claimed = text(f"{per_agent} AND claim_expires_at > :n GROUP BY assignee")
        claimed_by = dict(session.execute(claimed, {"n": now}).all())
    assert {row.agent: row.open for row in shown.workload} == open_by
    assert {row.agent: row.claimed for row in shown.workload if row.claimed} == claimed_by
    figures = shown.to_json()
    assert figures["requests_due_3d"] == {"working_15d": 2, "calendar_30d": 2}
    assert figures["requests_overdue"] == {"working_15d": 1, "calendar_30d": 0}
    assert figures["verification_failures_by_agent"] == {
        "dave": {"failures": 9, "outlier": True},
        "bob": {"failures": 2, "outlier": False},
        "alice": {"failures": 1, "outlier": False},
        "carol": {"failures": 1, "outlier": False},
    }
    assert {
        "queues",
        "breached",
        "requests_due_3d",
        "requests_overdue",
        "verification_failures_by_agent",
        "workload",
    } <= figures.keys()


def test_no_failures_means_no_outliers_and_an_even_spread_none_either() -> None:
    assert dashboard.flag_outliers({}) == ()
    assert not any(row.outlier for row in dashboard.flag_outliers({"a": 4, "b": 4, "c": 5}))


def test_a_refresh_reads_only_today_again_and_agrees_with_a_fresh_read(db: Database) -> None:
    ctx = _seeded(db)
    reader = dashboard.DashboardReader()
    first = reader.figures(ctx)
    with db.write() as session:
        session.execute(text("UPDATE ticket SET created_at = :n WHERE id = 1"), {"n": _naive(NOW)})
    refreshed = reader.figures(ctx)
    # Ticket 1 now counts as opened today: a refresh that kept today's counts too would miss it.
    assert refreshed == dashboard.figures(ctx) and refreshed.open_trend != first.open_trend


def test_the_feedback_panel_counts_the_days_and_tags_and_a_stale_checkpoint_is_flagged(
    db: Database, tmp_path: Path
) -> None:
    alice = with_admin(
        DeskContext(db, Settings(database_url=db.url), "alice", "agent", clock=lambda: START), FeedbackFeed(items(6))
    )
    enrol(db, "alice")
    asyncio.run(sync_feedback(alice))
    first = feedback.page(alice, FeedbackFilter(mailbox=Mailbox.INBOX), limit=1)[0].id
    feedback.triage(alice, first, TriageAction.TAG, "praise")
    enrol(db, "sue", "supervisor")
    later = START + timedelta(days=3)
    sue = DeskContext(db, Settings(database_url=db.url), "sue", "supervisor", clock=lambda: later)
    shown = dashboard.figures(sue)
    assert shown.feedback.per_day[shown.days.index("2025-03-01")] == 6 and sum(shown.feedback.per_day) == 6
    assert shown.feedback.by_tag == (("praise", 1),)
    # Without a checkpoint directory the desk cannot see the checkpoints, so it does not warn.
    assert shown.checkpoint_overdue is False
    kept = replace(sue, settings=replace(sue.settings, audit_checkpoint_dir=tmp_path))
    assert dashboard.figures(kept).to_json()["checkpoint_overdue"] is True


def test_a_quiet_refresh_agrees_with_a_fresh_read_and_still_moves_with_the_clock(db: Database) -> None:
    ctx = _seeded(db)
    reader = dashboard.DashboardReader()
    reader.figures(ctx)
    # Nothing committed since: the counts of the tickets alone are kept, those the time moves are read again.
    assert reader.figures(ctx) == dashboard.figures(ctx)
    later = replace(ctx, clock=lambda: NOW + timedelta(hours=6))
    moved = reader.figures(later)
    assert moved == dashboard.figures(later) and moved.breached > dashboard.figures(ctx).breached


def test_a_refresh_after_a_claim_moves_a_ticket_between_agents_agrees_with_a_fresh_read(db: Database) -> None:
    ctx = _seeded(db)
    reader = dashboard.DashboardReader()
    before = {row.agent: row.open for row in reader.figures(ctx).workload}
    giver, taker = sorted(before)[:2]
    with db.write() as session:
        moved = session.execute(
            text(
                "UPDATE ticket SET assignee = :taker, claim_expires_at = :until"
                " WHERE id = (SELECT min(id) FROM ticket WHERE is_open = 1 AND assignee = :giver)"
            ),
            {"taker": taker, "giver": giver, "until": _naive(NOW + timedelta(minutes=30))},
        )
        assert moved.rowcount == 1
    refreshed = reader.figures(ctx)
    after = {row.agent: row.open for row in refreshed.workload}
    assert refreshed == dashboard.figures(ctx)
    assert (after[giver], after[taker]) == (before[giver] - 1, before[taker] + 1)
