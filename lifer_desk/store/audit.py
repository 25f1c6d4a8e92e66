"""The append-only audit chain: append inside the caller's transaction, verify, checkpoint.

`hash = sha256(prev_hash + canonical JSON of the row)`. The canonical form leaves out `seq` so that a
row moved to another position still hashes to itself and verification can say "reordered" rather
than "edited"; the order itself is protected by each row naming its predecessor's hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from lifer_desk.store.db import Database
from lifer_desk.store.types import utcnow

GENESIS = "0" * 64
TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
_COLUMNS = "seq, ts, actor, action, entity_type, entity_id, details, prev_hash, hash"
_NAME_CACHE = 10_000


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


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str | int,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one event in the caller's (write) transaction.

    On SQLite the caller's `BEGIN IMMEDIATE` already serialises appenders; on PostgreSQL the head
    row is locked, so two transactions can never both extend the same head.
    """
    lock = "" if session.get_bind().dialect.name == "sqlite" else " FOR UPDATE"
    head = session.execute(text(f"SELECT seq, hash FROM audit_head WHERE id = 1{lock}")).one()
    ts = utcnow()
    ts_text = ts.strftime(TS_FORMAT)
    detail_text = canonical_details(details or {})
    canonical = canonical_row(ts_text, actor, action, entity_type, str(entity_id), detail_text)
    digest = chain_hash(head.hash, canonical)
    seq = head.seq + 1
    session.execute(
        text(
            f"INSERT INTO audit_event ({_COLUMNS}) VALUES "
            "(:seq, :ts, :actor, :action, :entity_type, :entity_id, :details, :prev_hash, :hash)"
        ),
        {
            "seq": seq,
            # The hashed text itself: SQLite would store a datetime on a whole second without ".000000".
            "ts": ts_text,
            "actor": actor,
            "action": action,
            "entity_type": entity_type,
            "entity_id": str(entity_id),
            "details": detail_text,
            "prev_hash": head.hash,
            "hash": digest,
        },
    )
    session.execute(text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"), {"seq": seq, "hash": digest})
    return AuditRecord(seq, ts, actor, action, entity_type, str(entity_id), details or {}, digest)


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


def _ts_text(value: object) -> str:
    # SQLite hands back the stored text; PostgreSQL a datetime.
    return value.strftime(TS_FORMAT) if isinstance(value, datetime) else str(value)


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


# What `_ts_text` prints, printed by PostgreSQL: a datetime made for each row only to be printed again cost more
# than the row's hash.
_PG_COLUMNS = (
    "seq, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US'), actor, action, entity_type, entity_id, details, prev_hash, hash"
)


def _rows(db: Database, raw: Any, progress: Callable[[int], object] | None = None) -> Iterator[tuple[Any, ...]]:
    # On PostgreSQL a server-side cursor streams a million rows without holding them all.
    cursor = raw.cursor() if db.is_sqlite else raw.driver_connection.cursor(name="audit_verify")
    cursor.execute(f"SELECT {_COLUMNS if db.is_sqlite else _PG_COLUMNS} FROM audit_event ORDER BY seq")
    # Small batches stay in the CPU cache; measured faster than 20,000 on SQLite, and few enough round
    # trips on PostgreSQL.
    read = 0
    while batch := cursor.fetchmany(1_000):
        yield from batch
        read += len(batch)
        # Once a batch, not once a row: the audit pane's progress bar costs the hot loop nothing.
        if progress is not None:
            progress(read)
    cursor.close()


def _self_consistent(row: tuple[Any, ...]) -> bool:
    _seq, ts, actor, action, entity_type, entity_id, details, prev_hash, digest = row
    digest_now = chain_hash(prev_hash, canonical_row(_ts_text(ts), actor, action, entity_type, entity_id, details))
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


def verify_chain(db: Database, progress: Callable[[int], object] | None = None) -> ChainReport:
    """Walk the chain in order, name the first sequence number where it breaks, and hold it to `audit_head`.

    Every append moves the head in the same transaction, so a chain that ends before the head lost its tail,
    one that goes past it has events that were never appended, and one that ends elsewhere was rewritten.
    """
    with _snapshot(db) as raw:
        head = _head(raw)
        report = _walk(db, _rows(db, raw, progress))
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


def _walk(db: Database, rows: Iterator[tuple[Any, ...]]) -> ChainReport:
    expected_seq, prev, before_prev = 1, GENESIS, ""
    # The hot loop of `audit verify`: locals and an inlined `chain_hash` and `canonical_row` (see
    # bench/foundation_audit.py and bench/audit_pane.py). Actors, actions and entity types are few, so their
    # JSON encodings are looked up rather than made again for every row (a fifth more events a second).
    sha256, encode = hashlib.sha256, encode_basestring
    names: dict[str, str] = {}
    for row in rows:
        seq, ts, actor, action, entity_type, entity_id, details, prev_hash, digest = row
        if seq != expected_seq:
            return ChainReport(expected_seq - 1, expected_seq - 1, prev, expected_seq, "missing")
        if type(ts) is not str:
            ts = _ts_text(ts)
        if (encoded_action := names.get(action)) is None:
            encoded_action = names[action] = encode(action)
        if (encoded_actor := names.get(actor)) is None:
            encoded_actor = names[actor] = encode(actor)
        if (encoded_type := names.get(entity_type)) is None:
            encoded_type = names[entity_type] = encode(entity_type)
        if len(names) > _NAME_CACHE:
            # A trail with unbounded distinct names (a tampered one) must not grow this without end.
            names.clear()
        # Exactly `prev + canonical_row(...)`.
        material = (
            f'{prev}{{"action":{encoded_action},"actor":{encoded_actor},"details":{details},'
            f'"entity_id":{encode(entity_id)},"entity_type":{encoded_type},"ts":{encode(ts)}}}'
        )
        if prev_hash != prev or sha256(material.encode()).hexdigest() != digest:
            following = next(rows, None)
            broken, problem = _diagnose(db, row, following, prev, before_prev)
            # The diagnosis may blame the row before this one; the good chain then ends one earlier.
            head = prev if broken == seq else before_prev
            return ChainReport(broken - 1, broken - 1, head, broken, problem)
        # Every row so far sat at its expected seq, so the count is the last seq.
        expected_seq, before_prev, prev = seq + 1, prev, digest
    return ChainReport(expected_seq - 1, expected_seq - 1, prev)
