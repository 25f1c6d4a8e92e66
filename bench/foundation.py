"""Issue 2's figures: seeding 1M tickets (target < 120 s) and `audit verify` over 1M events (>= 200,000/s).

Seeding is also timed at 100k in the same run, so the 1M figure can be read against this machine's
speed today (a linear seeder takes about ten times as long for ten times the tickets).

    python -m bench.foundation [--tickets 1000000] [--events 1000000]

With LIFER_BENCH_PG_URL set (a database the bench may fill), the seed is also timed on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.foundation_audit import TARGET_EVENTS_PER_S, bench_audit_verify
from lifer_desk.config import Settings
from lifer_desk.services.context import DeskContext
from lifer_desk.services.seed import seed_tickets
from lifer_desk.store.db import Database
from lifer_desk.store.migrate import upgrade

SEED_TARGET_S = 120.0


def time_seed(url: str, tickets: int) -> float:
    db = Database(url)
    try:
        upgrade(db)
        ctx = DeskContext(db=db, settings=Settings(database_url=url), agent="bench", role="host")
        started = time.perf_counter()
        seed_tickets(ctx, tickets, seed=1)
        return time.perf_counter() - started
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="lifer-bench-") as tmp:
        small = max(args.tickets // 10, 1)
        small_s = time_seed(f"sqlite:///{Path(tmp) / 'small.db'}", small)
        big_s = time_seed(f"sqlite:///{Path(tmp) / 'big.db'}", args.tickets)
    rows.append((f"seed {small:,} tickets (SQLite)", f"{small_s:.1f} s", f"{small / small_s:,.0f} tickets/s"))
    verdict = "meets" if big_s < SEED_TARGET_S else "MISSES"
    rows.append(
        (
            f"seed {args.tickets:,} tickets (SQLite)",
            f"{big_s:.1f} s ({big_s / small_s:.1f}x the {small:,} run)",
            f"target < {SEED_TARGET_S:.0f} s: {verdict}",
        )
    )
    pg_url = os.environ.get("LIFER_BENCH_PG_URL")
    if pg_url:
        pg_s = time_seed(pg_url, args.tickets)
        rows.append((f"seed {args.tickets:,} tickets (PostgreSQL)", f"{pg_s:.1f} s", f"{pg_s / big_s:.2f}x SQLite"))
    audit = bench_audit_verify(args.events)
    verdict = "meets" if audit["meets_target"] else "MISSES"
    rows.append(
        (
            f"audit verify {args.events:,} events",
            f"{audit['verify_s']} s = {audit['events_per_s']:,}/s",
            f"target >= {TARGET_EVENTS_PER_S:,}/s: {verdict}",
        )
    )
    width = max(len(name) for name, _, _ in rows)
    for name, figure, target in rows:
        print(f"{name:<{width}}  {figure:<34}  {target}")


if __name__ == "__main__":
    main()
