"""Triage: review, tags, spam as a mailbox that sticks across syncs, convert to a ticket and undo it while the
ticket is untouched, reveal with a reason; every change audited. And the figures for the dashboard."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import text

from lifer_desk.domain.feedback import FeedbackFilter, Mailbox, TriageAction
from lifer_desk.services import feedback, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.feedback_stats import feedback_stats
from lifer_desk.services.feedback_sync import sync_feedback
from lifer_desk.store.db import Database
from tests.services.feedback_support import FeedbackFeed, items
from tests.services.test_services_feedback_sync import _ctx


def _synced(db: Database, n: int = 20, **kwargs: object) -> DeskContext:
    ctx = _ctx(db, FeedbackFeed(items(n, **kwargs)))  # type: ignore[arg-type]
    asyncio.run(sync_feedback(ctx))
    return ctx


def _audit(db: Database) -> list[tuple[str, str, dict[str, object]]]:
    with db.read() as session:
        rows = session.execute(text("SELECT action, entity_id, details FROM audit_event ORDER BY seq")).all()
    return [(row.action, row.entity_id, json.loads(row.details)) for row in rows]


def _first(ctx: DeskContext, mailbox: Mailbox | None = Mailbox.INBOX) -> int:
    return feedback.page(ctx, FeedbackFilter(mailbox=mailbox), limit=1)[0].id


def test_review_and_tag_are_audited_and_in_the_history(db: Database) -> None:
    ctx = _synced(db)
    item = _first(ctx)
    feedback.triage(ctx, item, TriageAction.REVIEW)
    detail = feedback.triage(ctx, item, TriageAction.TAG, "Bug")
    assert detail.mailbox is Mailbox.REVIEWED and detail.tags == ("bug",) and detail.reviewed_by == "alice"
    assert [entry.action for entry in detail.history] == ["received", "review", "tag"]
    assert _audit(db)[-2:] == [
        ("feedback.review", str(item), {}),
        ("feedback.tag", str(item), {"tag": "bug"}),
    ]
    with pytest.raises(Refused, match="There is no tag"):
        feedback.triage(ctx, item, TriageAction.TAG, "urgent")
    with pytest.raises(Refused, match="does not apply"):
        feedback.triage(ctx, item, TriageAction.REVIEW)


def test_spam_is_reversible_and_sticks_across_a_resync(db: Database) -> None:
    ctx = _synced(db)
    item = _first(ctx)
    assert feedback.triage(ctx, item, TriageAction.SPAM).mailbox is Mailbox.SPAM
    # The cursor forgotten: every item comes again, and the spam stays spam.
    with db.write() as session:
        session.execute(text("UPDATE sync_cursor SET cursor = NULL"))
    assert asyncio.run(sync_feedback(ctx)).imported == 0
    assert feedback.get_detail(ctx, item).mailbox is Mailbox.SPAM
    assert feedback.counts(ctx)[Mailbox.SPAM] == 1
    assert feedback.triage(ctx, item, TriageAction.NOT_SPAM).mailbox is Mailbox.INBOX


def test_convert_links_both_ways_and_undo_works_only_while_the_ticket_is_untouched(db: Database) -> None:
    ctx = _synced(db)
    item = _first(ctx)
    detail = feedback.triage(ctx, item, TriageAction.CONVERT)
    assert detail.mailbox is Mailbox.CONVERTED and detail.ticket_id is not None
    ticket = tickets.get_ticket(ctx, detail.ticket_id)
    assert ticket.category == "feedback" and ticket.account_id == "usr_a1"
    undone = feedback.triage(ctx, item, TriageAction.UNCONVERT)
    assert undone.mailbox is Mailbox.REVIEWED and undone.ticket_id is None
    again = feedback.triage(ctx, item, TriageAction.CONVERT)
    assert again.ticket_id is not None
    tickets.add_note(ctx, again.ticket_id, "looking into it")
    with pytest.raises(Refused, match="worked on since"):
        feedback.triage(ctx, item, TriageAction.UNCONVERT)
    actions = [action for action, _id, _details in _audit(db)]
    assert actions.count("feedback.convert") == 2 and actions.count("feedback.unconvert") == 1


def test_personal_data_is_masked_until_revealed_with_a_reason(db: Database) -> None:
    ctx = _synced(db, 3, text=lambda i: f"call me on 1381234567{i}")
    row = feedback.page(ctx, FeedbackFilter(), limit=1)[0]
    assert "13812345672" not in row.text and row.text == "call me on ***5672"
    with pytest.raises(Refused, match="Say why"):
        feedback.reveal_text(ctx, row.id, "  ")
    assert feedback.reveal_text(ctx, row.id, "customer asked for a call back") == "call me on 13812345672"
    assert _audit(db)[-1] == (
        "feedback.reveal",
        str(row.id),
        {"field": "text", "reason": "customer asked for a call back"},
    )


def test_the_figures_count_mailboxes_tags_days_and_versions(db: Database) -> None:
    ctx = _synced(db, 10)
    first = _first(ctx)
    feedback.triage(ctx, first, TriageAction.SPAM)
    second = _first(ctx)
    feedback.triage(ctx, second, TriageAction.TAG, "praise")
    stats = feedback_stats(ctx)
    assert (stats.total, stats.inbox, stats.spam, stats.reviewed, stats.converted) == (10, 9, 1, 0, 0)
    assert stats.by_tag == {"praise": 1}
    assert stats.by_day == {"2025-03-01": 10}
    assert stats.by_app_version == {"3.4.0": 5}
