"""Seeded SQLite databases for the desk benches, made through the services as `lifer-desk seed` makes them.

A million tickets take over a minute to seed, so a large database is kept under /tmp, keyed by seed and
count, and reused by later runs (brought to the current schema first). Small ones are made fresh in a
temporary directory each run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from lifer_desk.config import Settings
from lifer_desk.services.agents import Actor, add_agent, find_agent
from lifer_desk.services.context import DeskContext
from lifer_desk.services.seed import DEFAULT_AGENTS, seed_tickets
from lifer_desk.store.db import Database
from lifer_desk.store.migrate import upgrade

# Counts from this size up are cached between runs.
CACHE_FROM = 100_000
CACHE_DIR = Path(tempfile.gettempdir())
BENCH_AGENT = DEFAULT_AGENTS[0]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_agents(db: Database, names: Iterable[str]) -> None:
    """Make `names` active agents, as the host's operator would: every desk write checks that its agent is one."""
    operator = Actor("bench", operator=True)
    for name in names:
        if find_agent(db, name) is None:
            add_agent(db, actor=operator, name=name, role="agent", display_name=name)


def seed_into(url: str, count: int, seed: int) -> None:
    """Migrate the database at `url` and add `count` seeded tickets (and the seeded agents) to it."""
    db = Database(url)
    try:
        upgrade(db)
        ensure_agents(db, DEFAULT_AGENTS)
        ctx = DeskContext(db=db, settings=Settings(database_url=url), agent="bench", role="host")
        started, done = time.perf_counter(), 0

        def progress(n: int) -> None:
            nonlocal done
            done += n
            if done % 100_000 < n or done == count:
                _say(f"  seeded {done:,} / {count:,} tickets ({time.perf_counter() - started:.0f} s)")

        seed_tickets(ctx, count, seed=seed, on_progress=progress)
    finally:
        # Closing the last connection folds the write-ahead log into the file, so the file is the database.
        db.dispose()


def seeded_database(count: int, seed: int = 1, workdir: Path | None = None) -> Path:
    """A database file holding `count` seeded tickets: cached under /tmp from `CACHE_FROM` tickets up,
    otherwise made in `workdir` (a temporary directory the caller removes)."""
    if count >= CACHE_FROM:
        path = CACHE_DIR / f"lifer-bench-seed{seed}-{count}.db"
        if path.exists():
            _say(f"reusing {path}")
            db = Database(f"sqlite:///{path}")
            try:
                upgrade(db)  # a cache from an older schema gets the new indexes
            finally:
                db.dispose()
            return path
        # Seeded under another name and renamed when complete, so an interrupted run leaves no half cache.
        partial = path.with_suffix(".partial")
        for leftover in CACHE_DIR.glob(partial.name + "*"):
            leftover.unlink()
        _say(f"seeding {count:,} tickets into {path} (kept for later runs)")
        seed_into(f"sqlite:///{partial}", count, seed)
        partial.rename(path)
        return path
    if workdir is None:
        raise ValueError("a small database needs a workdir")
    path = workdir / f"seed{seed}-{count}.db"
    _say(f"seeding {count:,} tickets")
    seed_into(f"sqlite:///{path}", count, seed)
    return path
