"""An attacker with database access drops the append-only triggers and rewrites the audit table.

Whatever they do, verification names the first sequence number that no longer holds and what is
wrong there. Truncating the tail leaves a valid (shorter) chain, so only a signed checkpoint kept
outside the database catches it.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from lifer_desk.config import Secret
from lifer_desk.services.audit import verify, write_checkpoint
from lifer_desk.store import audit
from lifer_desk.store.db import Database
from tests.audit_support import drop_triggers

EVENTS = 8
COLUMNS = ("ts", "actor", "action", "entity_type", "entity_id", "details", "prev_hash", "hash")
KEY = Secret("test-audit-key")


@pytest.fixture
def chain(db: Database) -> Database:
    for n in range(1, EVENTS + 1):
        with db.write() as session:
            audit.append(
                session,
                actor=f"agent{n % 3}",
                action="ticket.claim" if n % 2 else "verification.attempt",
                entity_type="ticket",
                entity_id=n * 10,
                details={"ticket": n * 10, "email": "j***@qq.com", "名字": "王*"},
            )
    drop_triggers(db)
    return db


def _row(conn: Connection, seq: int) -> dict[str, Any]:
    result = conn.exec_driver_sql(f"SELECT {', '.join(COLUMNS)} FROM audit_event WHERE seq = {seq}")
    return dict(result.mappings().one())


def _set_row(conn: Connection, seq: int, values: dict[str, Any]) -> None:
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    conn.execute(text(f"UPDATE audit_event SET {assignments} WHERE seq = :seq"), {**values, "seq": seq})


def _shift_up_from(conn: Connection, seq: int) -> None:
    # Two steps, because seq is unique and a single "seq + 1" collides row by row.
    conn.exec_driver_sql(f"UPDATE audit_event SET seq = -seq WHERE seq >= {seq}")
    conn.exec_driver_sql("UPDATE audit_event SET seq = 1 - seq WHERE seq < 0")


def _insert(conn: Connection, seq: int, prev_hash: str, digest: str | None) -> None:
    ts = "2025-03-01 08:00:00.123456"
    details = audit.canonical_details({"ticket": 999})
    canonical = audit.canonical_row(ts, "mallory", "request.approve", "data_request", "999", details)
    conn.execute(
        text(
            "INSERT INTO audit_event (seq, ts, actor, action, entity_type, entity_id, details, prev_hash, hash) "
            "VALUES (:seq, :ts, 'mallory', 'request.approve', 'data_request', '999', :details, :prev, :hash)"
        ),
        {
            "seq": seq,
            "ts": ts,
            "details": details,
            "prev": prev_hash,
            "hash": digest or audit.chain_hash(prev_hash, canonical),
        },
    )


# However the chain is split, the same verdict: whole; in ranges of three checked here, so that seqs 4 and 7 sit
# at joints; and (on a SQLite file) in ranges of three checked by two worker processes.
SPLITS = ({}, {"chunk_rows": 3, "workers": 1}, {"chunk_rows": 3, "workers": 2})


def _verified(db: Database) -> audit.ChainReport:
    first, *others = (audit.verify_chain(db, **split) for split in SPLITS)
    assert others == [first, first]
    return first


def _assert_broken(db: Database, seq: int, problem: str) -> None:
    report = _verified(db)
    assert (report.broken_seq, report.problem) == (seq, problem)
    assert not report.ok
    assert report.count == report.head_seq == seq - 1


def test_untouched_chain_verifies(chain: Database) -> None:
    report = _verified(chain)
    assert report.ok
    assert (report.count, report.head_seq) == (EVENTS, EVENTS)
    with chain.read() as session:
        head = session.execute(text("SELECT hash FROM audit_head")).scalar_one()
    assert report.head_hash == head


@pytest.mark.parametrize(
    ("column", "value"),
    [("details", '{"ticket":40}'), ("actor", "mallory"), ("entity_id", "41"), ("hash", "0" * 64)],
)
def test_edited_row(chain: Database, column: str, value: str) -> None:
    with chain.engine.begin() as conn:
        _set_row(conn, 4, {column: value})
    _assert_broken(chain, 4, "edited")


def test_edited_timestamp(chain: Database) -> None:
    with chain.engine.begin() as conn:
        ts = _row(conn, 5)["ts"]
        shifted = ts.replace("2", "1", 1) if isinstance(ts, str) else ts.replace(year=ts.year - 1)
        _set_row(conn, 5, {"ts": shifted})
    _assert_broken(chain, 5, "edited")


@pytest.mark.parametrize("seq", [1, 4, EVENTS - 1])
def test_deleted_row(chain: Database, seq: int) -> None:
    with chain.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM audit_event WHERE seq = {seq}")
    _assert_broken(chain, seq, "missing")


@pytest.mark.parametrize("seq", [1, 4, EVENTS - 1])
def test_swapped_rows(chain: Database, seq: int) -> None:
    with chain.engine.begin() as conn:
        first, second = _row(conn, seq), _row(conn, seq + 1)
        _set_row(conn, seq, second)
        _set_row(conn, seq + 1, first)
    _assert_broken(chain, seq, "reordered")


@pytest.mark.parametrize("seq", [1, 4, EVENTS])
def test_inserted_row_with_a_correct_hash(chain: Database, seq: int) -> None:
    with chain.engine.begin() as conn:
        prev_hash = _row(conn, seq - 1)["hash"] if seq > 1 else audit.GENESIS
        _shift_up_from(conn, seq)
        _insert(conn, seq, prev_hash, None)
    _assert_broken(chain, seq, "inserted")


@pytest.mark.parametrize("seq", [1, 4, EVENTS])
def test_inserted_row_with_a_garbage_hash(chain: Database, seq: int) -> None:
    with chain.engine.begin() as conn:
        prev_hash = _row(conn, seq - 1)["hash"] if seq > 1 else audit.GENESIS
        _shift_up_from(conn, seq)
        _insert(conn, seq, prev_hash, "f" * 64)
    _assert_broken(chain, seq, "inserted")


def test_truncated_tail_is_caught_only_with_a_checkpoint(chain: Database) -> None:
    checkpoint = write_checkpoint(chain, KEY)
    with chain.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_event WHERE seq > 5")
        # A careful attacker also winds the head back so that the next append looks normal.
        _set_head(conn, 5, _row(conn, 5)["hash"])
    assert audit.verify_chain(chain).ok
    report = verify(chain, checkpoint, KEY)
    assert (report.broken_seq, report.problem) == (6, "missing")
    assert report.count == 5


def test_tail_rewritten_with_fresh_hashes_is_caught_by_a_checkpoint(chain: Database) -> None:
    checkpoint = write_checkpoint(chain, KEY)
    with chain.engine.begin() as conn:
        prev = _row(conn, 6)["hash"]
        for seq in (7, 8):
            row = _row(conn, seq)
            actor = "mallory" if seq == 7 else row["actor"]
            ts = row["ts"] if isinstance(row["ts"], str) else row["ts"].strftime(audit.TS_FORMAT)
            canonical = audit.canonical_row(
                ts, actor, row["action"], row["entity_type"], row["entity_id"], row["details"]
            )
            prev = audit.chain_hash(prev, canonical)
            _set_row(conn, seq, {"actor": actor, "prev_hash": _row(conn, seq - 1)["hash"], "hash": prev})
        _set_head(conn, 8, prev)
    assert audit.verify_chain(chain).ok
    report = verify(chain, checkpoint, KEY)
    assert (report.broken_seq, report.problem) == (8, "rewritten")
    # Event 7 is the forged one: nothing up to the signed head can be vouched for.
    assert report.count == 0


def _set_head(conn: Connection, seq: int, digest: str) -> None:
    conn.execute(text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"), {"seq": seq, "hash": digest})
