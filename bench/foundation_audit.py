"""`audit verify` throughput: bulk-load a valid chain of n events into a fresh SQLite file and verify it.

Run alone (`python bench/foundation_audit.py [N]`) or through bench/foundation.py.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lifer_desk.store.audit import GENESIS, canonical_row, chain_hash, verify_chain
from lifer_desk.store.db import Database
from lifer_desk.store.migrate import upgrade

TARGET_EVENTS_PER_S = 200_000
BATCH = 50_000
_ACTIONS = ("ticket.claim", "ticket.reply", "ticket.status", "verification.attempt", "request.approve")


def _events(n: int) -> Iterator[tuple[Any, ...]]:
    """Chained rows as `append` would write them (a thousand a second), computed in Python in one go."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    prev = GENESIS
    second, second_text = -1, ""
    for seq in range(1, n + 1):
        whole, millis = divmod(seq, 1000)
        if whole != second:
            second, second_text = whole, (start + timedelta(seconds=whole)).strftime("%Y-%m-%d %H:%M:%S")
        ts = f"{second_text}.{millis * 1000:06d}"
        actor = f"agent{seq % 17}"
        action = _ACTIONS[seq % len(_ACTIONS)]
        entity_id = str(seq // 3 + 1)
        # What canonical_details gives for {"ticket": id, "masked": ...}, without a json.dumps per row.
        details = f'{{"masked":"j***@qq.com","ticket":{entity_id}}}'
        digest = chain_hash(prev, canonical_row(ts, actor, action, "ticket", entity_id, details))
        yield (seq, ts, actor, action, "ticket", entity_id, details, prev, digest)
        prev = digest


def insert_chain(cursor: Any, rows: Iterator[tuple[Any, ...]]) -> tuple[int, str]:
    """Insert chained rows (all nine columns) in batches and move the head to the last; returns (count, head).

    The caller holds the write transaction (bench/audit_pane.py drops and rebuilds its indexes around this).
    """
    count, head = 0, GENESIS
    while batch := [row for _, row in zip(range(BATCH), rows, strict=False)]:
        cursor.executemany(
            "INSERT INTO audit_event (seq, ts, actor, action, entity_type, entity_id, details, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
        count, head = batch[-1][0], batch[-1][8]
    cursor.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (count, head))
    return count, head


def _load(db: Database, n: int) -> str:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        _count, head = insert_chain(cursor, _events(n))
        cursor.execute("COMMIT")
        cursor.close()
    finally:
        raw.close()
    return head


def bench_audit_verify(n_events: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lifer-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            upgrade(db)
            started = time.perf_counter()
            head = _load(db, n_events)
            load_s = time.perf_counter() - started
            started = time.perf_counter()
            report = verify_chain(db)
            verify_s = time.perf_counter() - started
        finally:
            db.dispose()
    if not report.ok or report.count != n_events or report.head_hash != head:
        raise RuntimeError(f"the bench chain did not verify: {report}")
    events_per_s = n_events / verify_s
    return {
        "events": n_events,
        "load_s": round(load_s, 2),
        "verify_s": round(verify_s, 3),
        "events_per_s": round(events_per_s),
        "target_events_per_s": TARGET_EVENTS_PER_S,
        "meets_target": events_per_s >= TARGET_EVENTS_PER_S,
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    result = bench_audit_verify(n)
    verdict = "meets" if result["meets_target"] else "MISSES"
    print(
        f"audit verify: {result['events']:,} events in {result['verify_s']} s = {result['events_per_s']:,} events/s "
        f"(target >= {TARGET_EVENTS_PER_S:,}/s: {verdict}); bulk load took {result['load_s']} s"
    )


if __name__ == "__main__":
    main()
