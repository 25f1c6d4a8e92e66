"""Every feedback list, count and figure reads an index, on SQLite and PostgreSQL: the plan of each statement the
store runs, as it runs it. Migration 0020 dropped an index no query used; these say which the queries need."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session

from lifer_desk.domain.feedback import FeedbackFilter, Mailbox
from lifer_desk.store import feedback, feedback_stats
from lifer_desk.store.db import Database


@contextmanager
def _statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)


def _plan(db: Database, run: Callable[[Session], object]) -> str:
    """The plan of the last statement `run` executes, with its own parameters."""
    with db.read() as session:
        with _statements(db) as seen:
            run(session)
        statement, parameters = seen[-1]
        connection = session.connection()
        if db.is_sqlite:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return "\n".join(str(row[-1]) for row in rows)
        # A tiny table is read whole, or its index read into a bitmap and sorted, whatever its indexes; without
        # those plans only a missing index leads to a scan or a sort.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        return "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))


def _reads_an_index(db: Database, plan: str) -> bool:
    if db.is_sqlite:
        scans = [line for line in plan.splitlines() if "feedback_item" in line]
        return bool(scans) and all("USING" in line for line in scans)
    return "Seq Scan on feedback_item" not in plan


def _sorts(plan: str) -> bool:
    return "TEMP B-TREE" in plan or "Sort" in plan


LISTS = {
    "a mailbox": FeedbackFilter(Mailbox.INBOX),
    "the spam mailbox": FeedbackFilter(Mailbox.SPAM),
    "a tag": FeedbackFilter(None, tag="bug"),
    "a mailbox and days": FeedbackFilter(Mailbox.REVIEWED, since=date(2025, 3, 1), until=date(2025, 3, 2)),
}
DAYS = FeedbackFilter(None, since=date(2025, 3, 1), until=date(2025, 3, 2))


@pytest.mark.parametrize("chosen", list(LISTS.values()), ids=list(LISTS))
def test_each_feedback_list_pages_from_an_index_without_sorting(db: Database, chosen: FeedbackFilter) -> None:
    plan = _plan(db, lambda session: feedback.page(session, chosen, limit=50, after=1_000))
    assert _reads_an_index(db, plan) and not _sorts(plan), plan


def test_the_whole_list_pages_in_id_order_without_sorting(db: Database) -> None:
    plan = _plan(db, lambda session: feedback.page(session, FeedbackFilter(None), limit=50, after=1_000))
    assert not _sorts(plan), plan


FIGURES: dict[str, Callable[[Session], object]] = {
    # PostgreSQL reads the days' range from their index and sorts it; SQLite walks the ids.
    "days of every mailbox": lambda session: feedback.page(session, DAYS, limit=50, after=1_000),
    "mailbox count": lambda session: feedback.capped_count(session, FeedbackFilter(Mailbox.INBOX), 10_000),
    "other feedback of the account": lambda session: feedback.same_account(session, "usr_a1", besides=1, limit=5),
    "per mailbox": feedback_stats.per_mailbox,
    "per day": feedback_stats.per_day,
    "per app version": feedback_stats.per_app_version,
}


@pytest.mark.parametrize("run", list(FIGURES.values()), ids=list(FIGURES))
def test_each_count_and_figure_reads_an_index(db: Database, run: Callable[[Session], object]) -> None:
    plan = _plan(db, run)
    assert _reads_an_index(db, plan), plan
