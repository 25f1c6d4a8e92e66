"""Bulk triage over 10,000 items: all matching a filter, server side, in batches; cancelled halfway, it leaves whole
batches only; only actions valid for the whole selection are offered."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from lifer_desk.domain.feedback import FeedbackFilter, Mailbox, TriageAction
from lifer_desk.services import feedback
from lifer_desk.services.errors import Refused
from lifer_desk.services.feedback_bulk import BulkProgress, Selection, run_bulk, summarise
from lifer_desk.services.feedback_sync import sync_feedback
from lifer_desk.store.db import Database
from tests.services.feedback_support import FeedbackFeed, items
from tests.services.test_services_feedback_sync import _ctx

N = 10_000
BATCH = 500


def _mailboxes(db: Database) -> dict[str, int]:
    with db.read() as session:
        rows = session.execute(text("SELECT mailbox, count(*) FROM feedback_item GROUP BY mailbox")).all()
    return {mailbox: n for mailbox, n in rows}


def test_a_cancelled_bulk_action_leaves_whole_batches_and_can_be_finished(db: Database) -> None:
    ctx = _ctx(db, FeedbackFeed(items(N)))
    asyncio.run(sync_feedback(ctx))
    inbox = Selection(matching=FeedbackFilter(mailbox=Mailbox.INBOX))
    summary = summarise(ctx, inbox)
    assert summary.count == N
    assert TriageAction.REVIEW in summary.actions and TriageAction.NOT_SPAM not in summary.actions
    seen: list[BulkProgress] = []

    def halfway() -> bool:
        return bool(seen) and seen[-1].done >= N // 2

    first = run_bulk(ctx, inbox, TriageAction.REVIEW, batch_size=BATCH, progress=seen.append, cancelled=halfway)
    assert first.cancelled and first.changed == N // 2 and first.batches == N // 2 // BATCH
    assert _mailboxes(db) == {"inbox": N // 2, "reviewed": N // 2}
    # Newest first, whole batches: exactly the newest half moved.
    assert [p.done for p in seen] == [BATCH * k for k in range(1, N // 2 // BATCH + 1)]
    assert all(p.total == N for p in seen)
    rest = run_bulk(ctx, inbox, TriageAction.REVIEW, batch_size=BATCH)
    assert not rest.cancelled and rest.changed == N // 2
    assert _mailboxes(db) == {"reviewed": N}
    with db.read() as session:
        audited = session.execute(
            text("SELECT count(*) FROM audit_event WHERE action = 'feedback.review'")
        ).scalar_one()
        history = session.execute(text("SELECT count(*) FROM feedback_event WHERE action = 'review'")).scalar_one()
    assert audited == N // BATCH and history == N


def test_only_actions_valid_for_every_selected_item_are_offered_and_run(db: Database) -> None:
    ctx = _ctx(db, FeedbackFeed(items(30)))
    asyncio.run(sync_feedback(ctx))
    rows = feedback.page(ctx, FeedbackFilter(), limit=3)
    feedback.triage(ctx, rows[0].id, TriageAction.SPAM)
    mixed = Selection(ids=tuple(row.id for row in rows))
    offered = summarise(ctx, mixed).actions
    assert TriageAction.REVIEW not in offered and TriageAction.NOT_SPAM not in offered
    assert TriageAction.CONVERT not in offered
    with pytest.raises(Refused, match="does not apply to every selected item"):
        run_bulk(ctx, mixed, TriageAction.REVIEW)
    tagged = run_bulk(ctx, Selection(ids=tuple(row.id for row in rows[1:])), TriageAction.TAG, tag="crash")
    assert tagged.changed == 2
    everything = Selection(matching=FeedbackFilter(mailbox=None, tag="crash"))
    assert summarise(ctx, everything).count == 2
