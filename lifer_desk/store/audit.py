"""The append-only audit chain: append inside the caller's transaction, verify, checkpoint.

`hash = sha256(prev_hash + canonical JSON of the row)`. The canonical form leaves out `seq` so that a
row moved to another position still hashes to itself and verification can say "reordered" rather
than "edited"; the order itself is protected by each row naming its predecessor's hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from lifer_desk.store.audit_chunks import (
    COLUMNS,
    Chunk,
    batched,
    check_pg_range,
    check_rows,
    chunk_from_line,
    range_query,
    ts_text,
)
from lifer_desk.store.audit_chunks import GENESIS as GENESIS  # re-exported: the chain's constants live there
from lifer_desk.store.audit_chunks import TS_FORMAT as TS_FORMAT
from lifer_desk.store.db import Database, DatabaseUnavailable
from lifer_desk.store.types import utcnow

# A range a statement (PostgreSQL) or a task (SQLite's processes): small enough for progress and for the
# processes to share the work evenly, large enough that a range costs far more than handing it out.
CHUNK_ROWS = 250_000
# PostgreSQL hashes a range in parallel workers: larger ranges pay for starting them.
PG_CHUNK_ROWS = 1_000_000
# Below this a chain is checked in this process: starting workers (some 50 ms each) costs more than they save.
PARALLEL_ROWS = 200_000


def canonical_details(details: dict[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_row(ts: str, actor: str, action: str, entity_type: str, entity_id: str, details: str) -> str:
    # Keys in sorted order, written by hand: verification runs this a million times.
    return (
        f'{{"action":{encode_basestring(action)},"actor":{encode_basestring(actor)},'
        f'"details":{details},"entity_id":{encode_basestring(entity_id)},'
        f'"entity_type":{encode_basestring(entity_type)},"ts":{encode_basestring(ts)}}}'
    )


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    ts: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    details: Mapping[str, Any]
    hash: str


@dataclass(frozen=True)
class Event:
    """One event to append: what `append_many` takes."""

    action: str
    entity_type: str
    entity_id: str | int
    details: dict[str, Any]


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str | int,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one event in the caller's (write) transaction."""
    (record,) = append_many(session, actor, [Event(action, entity_type, entity_id, details or {})])
    return record


def append_many(session: Session, actor: str, events: list[Event]) -> list[AuditRecord]:
    """Append `events`, in order, in the caller's (write) transaction: each row names its predecessor's hash
    exactly as one `append` at a time would write it, but the head is read and moved once, and the rows go
    in one statement (the outbox deliverer completes a batch of requests at once).

    On SQLite the caller's `BEGIN IMMEDIATE` already serialises appenders; on PostgreSQL the head
    row is locked, so two transactions can never both extend the same head.
    """
    if not events:
        return []
    lock = "" if session.get_bind().dialect.name == "sqlite" else " FOR UPDATE"
    head = session.execute(text(f"SELECT seq, hash FROM audit_head WHERE id = 1{lock}")).one()
    ts = utcnow()
    ts_text = ts.strftime(TS_FORMAT)
    seq, prev_hash = head.seq, head.hash
    rows: list[dict[str, Any]] = []
    records: list[AuditRecord] = []
    for event in events:
        detail_text = canonical_details(event.details)
        entity_id = str(event.entity_id)
        canonical = canonical_row(ts_text, actor, event.action, event.entity_type, entity_id, detail_text)
        digest = chain_hash(prev_hash, canonical)
        seq += 1
        rows.append(
            {
                "seq": seq,
                # The hashed text itself: SQLite would store a datetime on a whole second without ".000000".
                "ts": ts_text,
                "actor": actor,
                "action": event.action,
                "entity_type": event.entity_type,
                "entity_id": entity_id,
                "details": detail_text,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        records.append(AuditRecord(seq, ts, actor, event.action, event.entity_type, entity_id, event.details, digest))
        prev_hash = digest
    session.execute(
        text(
            f"INSERT INTO audit_event ({COLUMNS}) VALUES "
            "(:seq, :ts, :actor, :action, :entity_type, :entity_id, :details, :prev_hash, :hash)"
        ),
        rows,
    )
    session.execute(
        text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"), {"seq": seq, "hash": prev_hash}
    )
    return records


@dataclass(frozen=True)
class ChainReport:
    count: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None  # edited, missing, reordered, inserted, rewritten, no_head
    checkpoint_seq: int | None = None  # the signed head the chain was held to, if any
    missing_guards: tuple[str, ...] = ()  # append-only triggers found dropped, disabled or rewritten

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


@contextmanager
def _snapshot(db: Database) -> Iterator[Any]:
    """A raw connection reading one consistent snapshot, so that the head and the rows agree.

    Without it an event appended while a long chain is read would move the head past the rows read.
    """
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        # SQLite's driver runs in autocommit here (see store.db), so each SELECT would be its own snapshot;
        # PostgreSQL's default READ COMMITTED takes a new one per statement.
        cursor.execute("BEGIN" if db.is_sqlite else "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.close()
        yield raw
    finally:
        raw.rollback()
        raw.close()


def _head(raw: Any) -> tuple[int, str] | None:
    cursor = raw.cursor()
    cursor.execute("SELECT seq, hash FROM audit_head WHERE id = 1")
    row = cursor.fetchone()
    cursor.close()
    return None if row is None else (int(row[0]), str(row[1]))


# What `ts_text` prints, printed by PostgreSQL: a datetime made for each row only to be printed again cost more
# than the row's hash.
_PG_COLUMNS = (
    "seq, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US'), actor, action, entity_type, entity_id, details, prev_hash, hash"
)


def _rows(db: Database, raw: Any, after: int | None) -> Iterator[tuple[Any, ...]]:
    """The chain in seq order, from the first seq after `after` (from the start when None)."""
    # On PostgreSQL a server-side cursor streams a million rows without holding them all.
    cursor = raw.cursor() if db.is_sqlite else raw.driver_connection.cursor(name="audit_verify")
    where = "" if after is None else f" WHERE seq > {int(after)}"
    cursor.execute(f"SELECT {COLUMNS if db.is_sqlite else _PG_COLUMNS} FROM audit_event{where} ORDER BY seq")
    yield from batched(cursor)
    cursor.close()


def _self_consistent(row: tuple[Any, ...]) -> bool:
    _seq, ts, actor, action, entity_type, entity_id, details, prev_hash, digest = row
    digest_now = chain_hash(prev_hash, canonical_row(ts_text(ts), actor, action, entity_type, entity_id, details))
    return bool(digest_now == digest)  # `digest` comes from the driver untyped


def _hash_exists(db: Database, digest: str) -> bool:
    with db.read() as session:
        return session.execute(text("SELECT 1 FROM audit_event WHERE hash = :h"), {"h": digest}).first() is not None


def _diagnose(
    db: Database,
    row: tuple[Any, ...],
    following: tuple[Any, ...] | None,
    expected_prev: str,
    before_prev: str,
) -> tuple[int, str]:
    """Name what happened at the first row that does not extend the chain.

    `expected_prev` is the hash of the last good row and `before_prev` that row's own predecessor.
    """
    seq, row_prev = row[0], row[7]
    if _self_consistent(row):
        if row_prev == before_prev and seq > 1:
            # A genuine row that skips the last "good" row: that row was slipped in before it.
            return seq - 1, "inserted"
        if following is not None and following[7] == expected_prev and row_prev != following[8]:
            return seq, "inserted"
        if _hash_exists(db, row_prev):
            return seq, "reordered"
        return seq, "missing"
    if following is not None and following[7] == expected_prev:
        return seq, "inserted"
    return seq, "edited"


def verify_chain(
    db: Database,
    progress: Callable[[int], object] | None = None,
    *,
    chunk_rows: int | None = None,
    workers: int | None = None,
) -> ChainReport:
    """Check the whole chain, name the first sequence number where it breaks, and hold it to `audit_head`.

    Every append moves the head in the same transaction, so a chain that ends before the head lost its tail,
    one that goes past it has events that were never appended, and one that ends elsewhere was rewritten.
    The chain is checked in ranges of `chunk_rows` (CHUNK_ROWS by default, PG_CHUNK_ROWS on PostgreSQL), on
    SQLite in `workers` processes (by default one a core once the chain is long); `progress` hears the last seq
    checked after each range.
    """
    with _snapshot(db) as raw:
        head = _head(raw)
        report = _check(db, raw, progress, chunk_rows, workers)
    if not report.ok:
        return report
    if head is None:
        return ChainReport(0, 0, "", 1, "no_head")
    head_seq, head_hash = head
    if report.head_seq < head_seq:
        return replace(report, broken_seq=report.head_seq + 1, problem="missing")
    if report.head_seq > head_seq:
        return ChainReport(head_seq, head_seq, "", head_seq + 1, "inserted")
    if report.head_hash != head_hash:
        # Consistent in itself but ending in another hash: rehashed from some event up to the head on.
        return ChainReport(0, 0, "", head_seq, "rewritten")
    return report


def _last_seq(raw: Any) -> int | None:
    """The chain's last seq, when its seqs can be split into ranges: all integers from 1 up (None otherwise).

    SQLite stores whatever a tamperer writes into `seq`; text sorts after every number, so a text seq is last.
    """
    ends = []
    cursor = raw.cursor()
    for order in ("", " DESC"):
        cursor.execute(f"SELECT seq FROM audit_event ORDER BY seq{order} LIMIT 1")
        ends.extend(cursor.fetchall())
    cursor.close()
    if not ends:
        return 0
    first, last = ends[0][0], ends[1][0]
    if type(first) is not int or type(last) is not int or first < 1:
        return None
    return last


def _check(
    db: Database, raw: Any, progress: Callable[[int], object] | None, chunk_rows: int | None, workers: int | None
) -> ChainReport:
    last_seq = _last_seq(raw)
    if last_seq is None:
        return _walk(db, _rows(db, raw, None), 1, GENESIS, "")
    step = chunk_rows or (CHUNK_ROWS if db.is_sqlite else PG_CHUNK_ROWS)
    ranges = [(after, min(after + step, last_seq)) for after in range(0, last_seq, step)]
    # (hash, prev_hash) of the row before the next range: the walk's own start before seq 1.
    before = (GENESIS, "")
    with closing(_chunks(db, raw, ranges, workers)) as chunks:
        for chunk in chunks:
            # The joint: the range's first row must name the hash of the range before's last.
            bad = chunk.after + 1 if chunk.first_prev != before[0] else chunk.bad
            if bad is not None:
                if bad != chunk.after + 1:
                    before = chunk.tail or before
                # Every row before `bad` held; the walk takes over there to name what happened.
                return _walk(db, _rows(db, raw, bad - 1), bad, *before)
            before = chunk.tail or before
            if progress is not None:
                progress(chunk.last)
    return ChainReport(last_seq, last_seq, before[0])


def _workers(db: Database, rows: int, workers: int | None) -> int:
    if db.sqlite_path is None:
        return 1  # an in-memory database is this process's own
    if workers is not None:
        return workers
    return len(os.sched_getaffinity(0)) if rows >= PARALLEL_ROWS else 1


def _chunks(db: Database, raw: Any, ranges: list[tuple[int, int]], workers: int | None) -> Generator[Chunk, None, None]:
    """Each range's Chunk, in order."""
    if not db.is_sqlite:
        cursor = raw.driver_connection.cursor()
        for after, last in ranges:
            yield check_pg_range(cursor, after, last)
        cursor.close()
        return
    processes = min(_workers(db, ranges[-1][1] if ranges else 0, workers), len(ranges))
    if processes > 1 and db.sqlite_path is not None:
        yield from _checked_elsewhere(db.sqlite_path, ranges, processes)
        return
    cursor = raw.cursor()
    for after, last in ranges:
        cursor.execute(range_query("?"), (after, last))
        yield check_rows(batched(cursor), after, last)
    cursor.close()


def _checked_elsewhere(path: Path, ranges: list[tuple[int, int]], processes: int) -> Iterator[Chunk]:
    """The ranges checked by worker processes, dealt out in turn, and their Chunks read back in order.

    Each worker reads through a connection of its own, so not in this snapshot; but rows up to the last seq
    read here are the same in every snapshot, since the triggers forbid changing them (and a change made
    anyway while this runs shows as a joint or a head that does not hold). Plain processes rather than
    multiprocessing: nothing of the caller's program is imported again, and the desk runs this in a thread.
    """
    specs = [f"{after}:{last}" for after, last in ranges]
    command = [sys.executable, "-m", "lifer_desk.store.audit_chunks", path.as_uri()]
    workers = [
        subprocess.Popen([*command, *specs[k::processes]], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for k in range(processes)
    ]
    try:
        for index in range(len(ranges)):
            worker = workers[index % processes]
            line = worker.stdout.readline() if worker.stdout is not None else ""
            if not line:
                raise DatabaseUnavailable(f"checking the audit chain stopped: a worker exited with {worker.wait()}")
            yield chunk_from_line(line)
    finally:
        for worker in workers:
            # Those still busy have work that is no longer wanted: the chain already broke.
            worker.kill()
            worker.wait()
            if worker.stdout is not None:
                worker.stdout.close()


def _walk(db: Database, rows: Iterator[tuple[Any, ...]], expected_seq: int, prev: str, before_prev: str) -> ChainReport:
    """The chain's rules row by row from `expected_seq` on, `prev` and `before_prev` being the hash and the
    prev_hash of the row before; at the first row that breaks one, what happened there."""
    for row in rows:
        seq, prev_hash, digest = row[0], row[7], row[8]
        if seq != expected_seq:
            return ChainReport(expected_seq - 1, expected_seq - 1, prev, expected_seq, "missing")
        if prev_hash != prev or not _self_consistent(row):
            following = next(rows, None)
            broken, problem = _diagnose(db, row, following, prev, before_prev)
            # The diagnosis may blame the row before this one; the good chain then ends one earlier.
            head = prev if broken == seq else before_prev
            return ChainReport(broken - 1, broken - 1, head, broken, problem)
        expected_seq, before_prev, prev = seq + 1, prev, digest
    return ChainReport(expected_seq - 1, expected_seq - 1, prev)
