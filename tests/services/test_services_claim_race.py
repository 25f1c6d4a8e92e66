"""Two agents pressing `n` at once never get the same ticket."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from lifer_desk.config import Settings
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database
from tests.agent_support import enrol

DRAFT = tickets.TicketDraft(
    channel=Channel.EMAIL,
    subject="无法登录 cannot log in",
    body="help",
    requester="wang@qq.com",
    requester_name="王芳",
    category=Category.ACCOUNT_RECOVERY,
    priority=Priority.NORMAL,
)


def _ctx(db: Database, agent: str) -> DeskContext:
    enrol(db, agent)
    return DeskContext(db=db, settings=Settings(database_url=db.url), agent=agent, role="agent")


def _take(db: Database, agent: str, attempts: int) -> list[int]:
    got = []
    for _ in range(attempts):
        detail = tickets.next_unclaimed(_ctx(db, agent))
        if detail is not None:
            got.append(detail.id)
    return got


def _process_main(url: str, agent: str, attempts: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    db = Database(url)
    try:
        results.put(_take(db, agent, attempts))
    finally:
        db.dispose()


def _open(db: Database, count: int) -> None:
    ctx = _ctx(db, "intake")
    for _ in range(count):
        tickets.open_ticket(ctx, DRAFT)


def test_two_processes_on_sqlite_never_share_a_ticket(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    _open(db, 300)  # fewer than 2 x 200 calls, so both the contention and running dry are exercised
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_process_main, args=(sqlite_url, f"agent{n}", 200, results)) for n in range(2)]
    for worker in workers:
        worker.start()
    claimed = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join()
    every = [ticket_id for got in claimed for ticket_id in got]
    assert max(Counter(every).values()) == 1
    assert sorted(every) == list(range(1, 301))


def test_eight_workers_on_postgresql_never_share_a_ticket(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        _open(db, 300)
        with ThreadPoolExecutor(8) as pool:
            claimed = list(pool.map(lambda n: _take(db, f"agent{n}", 50), range(8)))
        every = [ticket_id for got in claimed for ticket_id in got]
        assert max(Counter(every).values()) == 1
        assert sorted(every) == list(range(1, 301))
    finally:
        db.dispose()
