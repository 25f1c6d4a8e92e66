"""Feedback pages: newest first by keyset, full-text search in Chinese and English, and the filters (tag, channel,
app version, platform, date range), each refused with a reason when it names nothing there is."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from lifer_desk.domain.feedback import DEFAULT_TAGS, FeedbackChannel, FeedbackFilter, TriageAction
from lifer_desk.services import feedback
from lifer_desk.services.errors import Refused
from lifer_desk.services.feedback_sync import sync_feedback
from lifer_desk.store.db import Database
from tests.services.feedback_support import FeedbackFeed, items
from tests.services.test_services_feedback_sync import _ctx

TEXTS = ("退款申请一直没有回复", "Please add a dark mode", "图片上传总是失败", "refund requested twice")


def _texts(rows: list[feedback.FeedbackRow]) -> set[str]:
    return {row.text for row in rows}


def test_search_finds_chinese_inside_words_and_english_prefixes(db: Database) -> None:
    ctx = _ctx(db, FeedbackFeed(items(8, text=lambda i: TEXTS[i % 4])))
    asyncio.run(sync_feedback(ctx))

    def found(search: str) -> set[str]:
        return _texts(feedback.page(ctx, FeedbackFilter(mailbox=None, search=search), limit=20))

    assert found("退款") == {"退款申请一直没有回复"}
    assert found("上传") == {"图片上传总是失败"}
    assert found("refu") == {"refund requested twice"}
    assert found("dark mode") == {"Please add a dark mode"}


def test_pages_walk_newest_first_without_gaps(db: Database) -> None:
    ctx = _ctx(db, FeedbackFeed(items(95)))
    asyncio.run(sync_feedback(ctx))
    seen: list[int] = []
    after = None
    while rows := feedback.page(ctx, FeedbackFilter(), limit=20, after=after):
        seen += [row.id for row in rows]
        after = rows[-1].id
    assert seen == sorted(seen, reverse=True) and len(seen) == 95
    last = feedback.page(ctx, FeedbackFilter(), limit=20, last=True)
    assert [row.id for row in last] == seen[-20:]
    assert [row.id for row in feedback.page(ctx, FeedbackFilter(), limit=5, before=seen[10])] == seen[5:10]


def test_filters_narrow_by_tag_channel_version_platform_and_days(db: Database) -> None:
    ctx = _ctx(db, FeedbackFeed(items(10)))
    asyncio.run(sync_feedback(ctx))
    newest = feedback.page(ctx, FeedbackFilter(), limit=1)[0]
    feedback.triage(ctx, newest.id, TriageAction.TAG, "crash")

    def count(**typed: str) -> int:
        chosen = feedback.feedback_filter(mailbox=None, tags=DEFAULT_TAGS, **typed)
        return len(feedback.page(ctx, chosen, limit=50))

    assert count(tag="crash") == 1
    assert count(channel="app") == 5 and count(channel="web") == 5
    assert count(app_version="3.4.0", platform="android") == 5
    assert count(since="2025-03-01", until="2025-03-01") == 10 and count(since="2025-03-02") == 0
    chosen = feedback.feedback_filter(channel="APP ", since="2025-03-01", tags=DEFAULT_TAGS)
    assert chosen.channel is FeedbackChannel.APP and chosen.since == date(2025, 3, 1)
    for wrong, message in (
        ({"tag": "urgent"}, "There is no tag"),
        ({"channel": "fax"}, "There is no channel"),
        ({"since": "1 March"}, "must be written as 2025-03-01"),
        ({"since": "2025-03-02", "until": "2025-03-01"}, "ends before it starts"),
    ):
        with pytest.raises(Refused, match=message):
            feedback.feedback_filter(tags=DEFAULT_TAGS, **wrong)
