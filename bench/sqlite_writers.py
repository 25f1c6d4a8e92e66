"""Issue 12, item 10: write latency with many desks writing at once, on SQLite beside PostgreSQL.

N processes, each a desk of its own with its own connection, claim a ticket and then write internal notes
and replies to it back to back for a while, through the services as the desk does. Each write is timed
from the call to its commit, so the time spent waiting for SQLite's one write lock counts. The figures
are p50, p99 and max per database, with the issue's target beside them: the worst write under 1 s.

    python -m bench.sqlite_writers [--writers 10] [--seconds 15] [--database-url postgresql://...]

PostgreSQL runs when `--database-url` or `LIFER_BENCH_PG_URL` names an empty database the bench may fill.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.seeded import seed_into

TARGET_MAX_S = 1.0
TICKETS = 1_000
MAX_WRITERS = 32
MAX_SECONDS = 120
NOTE = "Called back; the customer confirms the order number and asks for the refund to go to the same card."


def _writer(url: str, index: int) -> None:
    """One desk: claim a ticket, say so, then alternate notes and replies until the time it is given; print
    the timings."""
    from lifer_desk.config import Settings
    from lifer_desk.services import tickets
    from lifer_desk.services.context import DeskContext
    from lifer_desk.store.db import Database

    db = Database(url)
    ctx = DeskContext(db=db, settings=Settings(database_url=url), agent=f"bench{index}", role="agent")
    detail = tickets.next_unclaimed(ctx)
    assert detail is not None, "the bench needs one free ticket per writer"
    latencies: list[float] = []
    failures: list[str] = []
    print("ready", flush=True)
    end, n = float(sys.stdin.readline()), 0
    while time.time() < end:
        began = time.perf_counter()
        try:
            if n % 2:
                detail = tickets.reply(ctx, detail, f"{NOTE} ({index}.{n})")
            else:
                detail = tickets.add_note(ctx, detail.id, f"{NOTE} ({index}.{n})")
        except Exception as exc:  # a write that gave up still counts, with the time it took
            failures.append(type(exc).__name__)
        latencies.append(time.perf_counter() - began)
        n += 1
    db.dispose()
    print(json.dumps({"latencies": latencies, "failures": failures}))


def _run(url: str, writers: int, seconds: float) -> tuple[list[float], list[str]]:
    from bench.seeded import ensure_agents
    from lifer_desk.store.db import Database

    db = Database(url)
    try:
        ensure_agents(db, (f"bench{index}" for index in range(writers)))
    finally:
        db.dispose()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.sqlite_writers", "--writer", url, str(i)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parent.parent,
            text=True,
        )
        for i in range(writers)
    ]
    # Every writer starts at the same moment, once all have connected and claimed.
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    end = time.time() + seconds
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(f"{end}\n")
        proc.stdin.flush()
    latencies: list[float] = []
    failures: list[str] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 120)
        if proc.returncode != 0:
            raise SystemExit(f"a writer failed (exit {proc.returncode})")
        result = json.loads(out)
        latencies += result["latencies"]
        failures += result["failures"]
    return latencies, failures


def _quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _report(kind: str, latencies: list[float], failures: list[str], seconds: float) -> float:
    worst = max(latencies)
    verdict = "meets" if worst < TARGET_MAX_S and not failures else "MISSES"
    failed = f", {len(failures)} failed ({', '.join(sorted(set(failures)))})" if failures else ""
    print(
        f"  {kind:<10}  {len(latencies):>6,} writes ({len(latencies) / seconds:,.0f}/s){failed}: "
        f"p50 {_quantile(latencies, 0.5) * 1000:6.1f} ms  p99 {_quantile(latencies, 0.99) * 1000:7.1f} ms  "
        f"max {worst * 1000:7.1f} ms  (target: max < {TARGET_MAX_S:.0f} s: {verdict})"
    )
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=10, help=f"processes writing at once (1 to {MAX_WRITERS})")
    parser.add_argument("--seconds", type=float, default=15.0, help=f"how long they write (1 to {MAX_SECONDS})")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LIFER_BENCH_PG_URL"),
        help="an empty PostgreSQL database to fill (default: LIFER_BENCH_PG_URL); SQLite alone without it",
    )
    parser.add_argument("--writer", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        url, index = args.writer
        _writer(url, int(index))
        return
    if not 1 <= args.writers <= MAX_WRITERS or not 1 <= args.seconds <= MAX_SECONDS:
        raise SystemExit(f"use 1 to {MAX_WRITERS} writers and 1 to {MAX_SECONDS} seconds")
    print(
        f"{args.writers} processes writing notes and replies back to back for {args.seconds:.0f} s; "
        "each write timed from the call to its commit"
    )
    with tempfile.TemporaryDirectory(prefix="lifer-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'writers.db'}"
        seed_into(url, TICKETS, seed=1)
        sqlite_worst = _report("SQLite", *_run(url, args.writers, args.seconds), args.seconds)
    if not args.database_url:
        print("  PostgreSQL  not measured: pass --database-url or set LIFER_BENCH_PG_URL to an empty database")
        return
    seed_into(args.database_url, TICKETS, seed=1)
    pg_worst = _report("PostgreSQL", *_run(args.database_url, args.writers, args.seconds), args.seconds)
    print(f"  worst write, SQLite / PostgreSQL: {sqlite_worst / pg_worst:.1f}x")


if __name__ == "__main__":
    main()
