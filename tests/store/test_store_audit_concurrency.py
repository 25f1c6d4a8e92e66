"""Concurrent appenders never fork the chain: every event lands, in one unbroken chain."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from lifer_desk.store import audit
from lifer_desk.store.db import Database


def _append_many(db: Database, actor: str, count: int) -> None:
    for i in range(count):
        with db.write() as session:
            audit.append(session, actor=actor, action="ticket.note", entity_type="ticket", entity_id=i)


def _process_main(url: str, actor: str, count: int) -> None:
    # Each process opens its own Database on the same file, as separate desk sessions do.
    db = Database(url)
    try:
        _append_many(db, actor, count)
    finally:
        db.dispose()


def _assert_one_chain_with(db: Database, expected: set[tuple[str, str]]) -> None:
    report = audit.verify_chain(db)
    assert report.ok, report
    assert report.count == len(expected)
    with db.read() as session:
        rows = session.execute(text("SELECT actor, entity_id FROM audit_event")).all()
    assert sorted(map(tuple, rows)) == sorted(expected)


def test_two_processes_append_to_one_sqlite_chain(sqlite_url: str) -> None:
    processes, per_process = 2, 500
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_process_main, args=(sqlite_url, f"proc{p}", per_process)) for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [worker.exitcode for worker in workers] == [0] * processes
    db = Database(sqlite_url)
    try:
        _assert_one_chain_with(db, {(f"proc{p}", str(i)) for p in range(processes) for i in range(per_process)})
    finally:
        db.dispose()


def test_eight_threads_append_to_one_postgresql_chain(pg_url: str) -> None:
    threads, per_thread = 8, 200
    db = Database(pg_url)
    try:
        with ThreadPoolExecutor(threads) as pool:
            futures = [pool.submit(_append_many, db, f"thread{t}", per_thread) for t in range(threads)]
            for future in futures:
                future.result()
        _assert_one_chain_with(db, {(f"thread{t}", str(i)) for t in range(threads) for i in range(per_thread)})
    finally:
        db.dispose()
