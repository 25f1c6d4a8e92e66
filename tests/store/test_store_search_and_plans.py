"""The full-text index on both databases, and queue pages that come from an index, never a sort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite

from lifer_desk.domain.queues import QueueName, SortKey
from lifer_desk.domain.tickets import EventKind
from lifer_desk.store import queues, tickets
from lifer_desk.store.db import Database
from lifer_desk.store.queues import QueueQuery

NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


def _new(subject: str, body: str = "") -> tickets.NewTicket:
    return tickets.NewTicket(
        channel="email",
        subject=subject,
        body=body,
        requester="a@b.cn",
        requester_name="张伟",
        category="payment",
        priority="normal",
        first_response_due=NOW + timedelta(hours=8),
        resolution_due=NOW + timedelta(days=3),
        created_at=NOW,
    )


def _search(db: Database, words: str) -> list[int]:
    with db.read() as session:
        rows = queues.page(session, QueueQuery(QueueName.ALL, "x", NOW, search=words), limit=50)
        return sorted(row.id for row in rows)


@pytest.fixture
def corpus(db: Database) -> Database:
    with db.write() as session:
        tickets.create_ticket(session, _new("退款申请", "我要退款"))  # 1
        tickets.create_ticket(session, _new("Refund request", "charged twice for premium"))  # 2
        tickets.create_ticket(session, _new("账号无法登录", "忘记密码了"))  # 3
        tickets.create_ticket(session, _new("Password reset", "请帮我重置密码 please"))  # 4
    return db


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("退款", [1]),  # a word inside unspaced Chinese
        ("款申", [1]),
        ("退", [1]),  # one character matches as a prefix
        ("请", [1, 4]),  # ... including the last character of a run
        ("密码", [3, 4]),
        ("refund", [2]),
        ("REF", [2]),  # English prefix, any case
        ("password res", [4]),  # every word must match; only the last is a prefix
        ("pass reset", []),
        ("reset my password ", [4]),  # common words are left out
        ("charged premium", [2]),  # body text is indexed too
        ("退款 refund", []),
        ("!!!", [1, 2, 3, 4]),  # nothing searchable: no filter at all
    ],
)
def test_search_finds_chinese_and_english(corpus: Database, words: str, expected: list[int]) -> None:
    assert _search(corpus, words) == expected


def test_index_follows_every_thread_write(corpus: Database) -> None:
    assert _search(corpus, "发票") == []
    with corpus.write() as session:
        tickets.add_event(session, 2, EventKind.INBOUND, "customer", "还需要开发票", NOW)
        tickets.add_event(session, 3, EventKind.STATUS, "alice", "", NOW)
    assert _search(corpus, "发票") == [2]
    assert _search(corpus, "refund") == [2]  # the subject is still indexed after the rewrite


def _plan(db: Database, query: QueueQuery) -> str:
    with db.read() as session:
        statement = queues.page_statement(session, query, limit=50)
        dialect = sqlite.dialect() if db.is_sqlite else postgresql.dialect()
        compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        if db.is_sqlite:
            rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            return "\n".join(str(row[-1]) for row in rows)
        session.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {compiled}")))


@pytest.mark.parametrize("queue", list(QueueName))
def test_every_queue_pages_from_an_index_without_sorting(corpus: Database, queue: QueueName) -> None:
    plan = _plan(corpus, QueueQuery(queue, "alice", NOW))
    assert "TEMP B-TREE" not in plan and "Sort" not in plan and "OFFSET" not in plan.upper(), plan


@pytest.mark.parametrize("sort", list(SortKey))
def test_every_sort_of_the_whole_queue_uses_an_index(corpus: Database, sort: SortKey) -> None:
    plan = _plan(corpus, QueueQuery(QueueName.ALL, "alice", NOW, sort=sort, descending=True))
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
