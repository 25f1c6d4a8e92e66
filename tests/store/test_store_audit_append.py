"""Appending to the audit chain (the triggers that keep it append-only: test_store_audit_guards)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import text

from lifer_desk.store import audit
from lifer_desk.store.db import Database


def _append(db: Database, n: int) -> list[audit.AuditRecord]:
    records = []
    for i in range(n):
        with db.write() as session:
            records.append(
                audit.append(session, actor="alice", action="ticket.reply", entity_type="ticket", entity_id=i)
            )
    return records


def test_append_extends_the_head_in_the_callers_transaction(db: Database) -> None:
    first, second = _append(db, 2)
    assert (first.seq, second.seq) == (1, 2)
    with db.read() as session:
        head = session.execute(text("SELECT seq, hash FROM audit_head")).one()
        prev = session.execute(text("SELECT prev_hash FROM audit_event WHERE seq = 2")).scalar_one()
    assert (head.seq, head.hash) == (2, second.hash)
    assert prev == first.hash


def test_a_rolled_back_transaction_leaves_no_event(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as session:
        audit.append(session, actor="alice", action="agent.add", entity_type="agent", entity_id="bob")
        raise RuntimeError("the state change failed")
    report = audit.verify_chain(db)
    assert (report.ok, report.count, report.head_hash) == (True, 0, audit.GENESIS)


def test_event_on_a_whole_second_verifies(db: Database) -> None:
    # SQLite would store such a timestamp without ".000000", which is not the text that was hashed.
    with time_machine.travel(datetime(2025, 5, 1, 9, 30, tzinfo=UTC), tick=False):
        _append(db, 2)
    report = audit.verify_chain(db)
    assert report.ok and report.count == 2


def test_details_in_any_script_verify(db: Database) -> None:
    with db.write() as session:
        audit.append(
            session,
            actor="王芳",
            action="verification.attempt",
            entity_type="account",
            entity_id="u-1",
            details={"email": "j***@qq.com", "note": 'quote " and \\ and \u2028 and 退款'},
        )
    assert audit.verify_chain(db).ok


def test_events_appended_together_chain_exactly_as_one_at_a_time(db: Database) -> None:
    (before,) = _append(db, 1)
    events = [audit.Event("request.complete", "data_request", n, {"items": n}) for n in (7, 8, 9)]
    with time_machine.travel(datetime(2025, 5, 1, 9, 30, 1, 250000, tzinfo=UTC), tick=False):
        with db.write() as session:
            together = audit.append_many(session, "deliverer", events)
        with db.write() as session:
            one_by_one = [
                audit.append(session, actor="deliverer", action=e.action, entity_type=e.entity_type,
                             entity_id=e.entity_id, details=e.details)
                for e in events
            ]  # fmt: skip
    assert [record.seq for record in together] == [2, 3, 4]
    with db.read() as session:
        rows = session.execute(text("SELECT seq, prev_hash, hash FROM audit_event ORDER BY seq")).all()
    # Each row names the one before it, across the batch and after it, and the chain verifies to the head.
    assert [row.prev_hash for row in rows[1:]] == [row.hash for row in rows[:-1]]
    assert rows[1].prev_hash == before.hash
    report = audit.verify_chain(db)
    assert report.ok and report.count == 7 and report.head_hash == one_by_one[-1].hash
