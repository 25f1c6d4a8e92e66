"""`audit verify`'s fast pass: a range of the chain checked on its own, so that ranges can be checked at once.

A range `after < seq <= last` holds if its rows are exactly the positions `after + 1 .. last` in seq order,
each row's hash recomputes from its canonical content and its `prev_hash`, and each row's `prev_hash` is the
hash of the row before it. Only the first row's link reaches outside the range: the caller checks it against
the range before (the joint). These are the rules of the full walk in `store.audit`, row for row, so the
first position where a range does not hold is the first position where the walk stops; the walk then
resumes there to name what happened.

On SQLite the rows are hashed here, in Python, in as many processes as there are cores (the hashing, not the
reading, is what one core cannot do fast enough); on PostgreSQL the server hashes them with its own `sha256()`.
This module imports nothing heavy: each worker process (`python -m lifer_desk.store.audit_chunks URI RANGE...`)
loads it alone, in a few hundredths of a second.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass
from datetime import datetime
from functools import partial
from itertools import chain
from json.encoder import encode_basestring
from typing import Any

GENESIS = "0" * 64
TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
COLUMNS = "seq, ts, actor, action, entity_type, entity_id, details, prev_hash, hash"
_NAME_CACHE = 10_000
# Small batches stay in the CPU cache: measured faster than 20,000 on SQLite.
_BATCH = 1_000


@dataclass(frozen=True)
class Chunk:
    """What one range showed. `tail` is (hash, prev_hash) of the last row that held before `bad` (or of the last
    row, when all held); None when not even the first row held."""

    after: int
    last: int
    first_prev: str | None  # the first row's prev_hash, for the joint; None when the range has no first row
    bad: int | None  # the first position that does not hold
    tail: tuple[str, str] | None


def ts_text(value: object) -> str:
    # SQLite hands back the stored text; PostgreSQL a datetime.
    return value.strftime(TS_FORMAT) if isinstance(value, datetime) else str(value)


def check_rows(rows: Iterable[tuple[Any, ...]], after: int, last: int) -> Chunk:
    """Check rows of `after < seq <= last` read in seq order (the nine `COLUMNS`)."""
    # The hot loop of `audit verify`: locals and an inlined `chain_hash(prev_hash, canonical_row(...))` (see
    # store.audit, bench/audit_pane.py). Actors, actions and entity types are few, so their JSON encodings are
    # looked up rather than made again for every row: the canonical text around `details` and around `ts`, by
    # (action, actor, entity type), in one lookup.
    # Each row's hasher is a copy of a fresh one: OpenSSL 3 looks the algorithm up again for every new hasher,
    # which cost some 0.1 us of the 2.4 a row takes here (measured over rows held in memory).
    fresh, encode = hashlib.sha256().copy, encode_basestring
    fixed: dict[tuple[str, str, str], tuple[str, str]] = {}
    expected = after + 1
    first_prev: str | None = None
    link = before = ""
    for seq, ts, actor, action, entity_type, entity_id, details, prev_hash, digest in rows:
        if first_prev is None:
            # The first row's link is the joint, checked by the caller.
            first_prev = link = prev_hash
        if seq != expected or prev_hash != link:
            return Chunk(after, last, first_prev, expected, _tail(expected, after, link, before))
        if type(ts) is not str:
            ts = ts_text(ts)
        if (parts := fixed.get((action, actor, entity_type))) is None:
            if len(fixed) >= _NAME_CACHE:
                # A trail with unbounded distinct names (a tampered one) must not grow this without end.
                fixed.clear()
            parts = fixed[action, actor, entity_type] = (
                f'{{"action":{encode(action)},"actor":{encode(actor)},"details":',
                f',"entity_type":{encode(entity_type)},"ts":',
            )
        # Exactly `prev_hash + canonical_row(...)`.
        material = f'{prev_hash}{parts[0]}{details},"entity_id":{encode(entity_id)}{parts[1]}{encode(ts)}}}'
        hasher = fresh()
        hasher.update(material.encode())
        if hasher.hexdigest() != digest:
            return Chunk(after, last, first_prev, expected, _tail(expected, after, link, before))
        expected, link, before = seq + 1, digest, prev_hash
    return Chunk(after, last, first_prev, None if expected > last else expected, _tail(expected, after, link, before))


def _tail(expected: int, after: int, link: str, before: str) -> tuple[str, str] | None:
    return None if expected == after + 1 else (link, before)


def batched(cursor: Any) -> Iterator[tuple[Any, ...]]:
    """The cursor's rows, fetched a batch at a time, without a Python frame a row."""
    return chain.from_iterable(iter(partial(cursor.fetchmany, _BATCH), []))


def range_query(placeholder: str) -> str:
    # Half-open on the left, so that no stored seq (SQLite keeps a REAL 4.5 where a tamperer puts one) falls
    # between two ranges.
    return f"SELECT {COLUMNS} FROM audit_event WHERE seq > {placeholder} AND seq <= {placeholder} ORDER BY seq"


def check_sqlite_ranges(uri: str, ranges: list[str]) -> None:
    """A worker process's share (`after:last` each), through its own read-only connection to the SQLite file:
    one JSON line a range, in order, on stdout."""
    # Through apsw rather than the standard library's driver: the rows are the same tuples of the same types, but
    # with a connection opened without SQLite's mutex (a worker has one thread) and no lock and unlock for every
    # column of every row, reading a row measured 1.0-1.2 us rather than 2.4 (of some 5 us a row cost in all).
    import apsw

    flags = apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI | apsw.SQLITE_OPEN_NOMUTEX
    connection = apsw.Connection(f"{uri}?mode=ro", flags=flags)
    try:
        for spec in ranges:
            after, last = (int(bound) for bound in spec.split(":"))
            chunk = check_rows(connection.execute(range_query("?"), (after, last)), after, last)
            print(json.dumps(astuple(chunk)), flush=True)
    finally:
        connection.close()


def chunk_from_line(line: str) -> Chunk:
    after, last, first_prev, bad, tail = json.loads(line)
    return Chunk(after, last, first_prev, bad, None if tail is None else (tail[0], tail[1]))


# The same rules on PostgreSQL, one statement a range: `to_json(text)` escapes exactly as Python's
# `encode_basestring` (tests/store/test_store_audit_chunks.py holds it to every code point), and `to_char`
# prints `ts` as `ts_text` does. Its digits, spaces, dashes, colons and dot need no escaping, so `ts` is only
# quoted: `to_json` of it cost 0.4 us of the server's 6 us a row.
_PG_MATERIAL = (
    "prev_hash || '{\"action\":' || to_json(action)::text || ',\"actor\":' || to_json(actor)::text"
    " || ',\"details\":' || details || ',\"entity_id\":' || to_json(entity_id)::text"
    " || ',\"entity_type\":' || to_json(entity_type)::text"
    " || ',\"ts\":\"' || to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US') || '\"}'"
)
# The first row whose hash does not recompute (IS NOT TRUE: a NULL does not either). As an aggregate over the
# range rather than the first row in order, PostgreSQL hashes it in parallel workers; `seq + 0` keeps min()
# from becoming a walk in seq order that stops at the first failure, one process long.
PG_FIRST_UNHASHED = (
    "SELECT min(seq + 0) FROM audit_event WHERE seq > %(after)s AND seq <= %(last)s"
    f" AND (encode(sha256(convert_to({_PG_MATERIAL}, 'UTF8')), 'hex') = hash) IS NOT TRUE"
)
# The first position where the rows stop being seq after + 1, after + 2, ... or stop naming the row before.
PG_FIRST_UNLINKED = (
    "SELECT min(n) FROM ("
    " SELECT seq, prev_hash, row_number() OVER w AS n, lag(hash) OVER w AS before_hash"
    " FROM audit_event WHERE seq > %(after)s AND seq <= %(last)s WINDOW w AS (ORDER BY seq)"
    ") AS linked WHERE seq <> %(after)s + n OR (n > 1 AND prev_hash IS DISTINCT FROM before_hash)"
)
_PG_END = "SELECT seq, prev_hash, hash FROM audit_event WHERE seq > %(after)s AND seq <= %(last)s ORDER BY seq"
PG_ENDS = f"({_PG_END} LIMIT 1) UNION ALL ({_PG_END} DESC LIMIT 1)"


def check_pg_range(cursor: Any, after: int, last: int) -> Chunk:
    """A range hashed by PostgreSQL, on the caller's snapshot."""
    bounds = {"after": after, "last": last}
    cursor.execute(PG_ENDS, bounds)
    ends = cursor.fetchall()
    if not ends:
        return Chunk(after, last, None, after + 1, None)
    first_prev = ends[0][1]
    cursor.execute(PG_FIRST_UNLINKED, bounds)
    (unlinked,) = cursor.fetchone()
    cursor.execute(PG_FIRST_UNHASHED, bounds)
    (unhashed,) = cursor.fetchone()
    bad = None if unlinked is None else after + unlinked
    if unhashed is not None and (bad is None or unhashed < bad):
        # Before the first unlinked position every row sits at its own seq: this seq is its position.
        bad = unhashed
    seq, prev_hash, digest = ends[-1]
    if bad is None:
        # Every row sat at its position: a range that ends early lost its last rows.
        return Chunk(after, last, first_prev, None if seq == last else seq + 1, (digest, prev_hash))
    if bad == after + 1:
        return Chunk(after, last, first_prev, bad, None)
    cursor.execute("SELECT hash, prev_hash FROM audit_event WHERE seq = %(seq)s", {"seq": bad - 1})
    before_hash, before_prev = cursor.fetchone()
    return Chunk(after, last, first_prev, bad, (before_hash, before_prev))


if __name__ == "__main__":
    check_sqlite_ranges(sys.argv[1], sys.argv[2:])
