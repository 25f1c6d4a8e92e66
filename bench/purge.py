"""What forgetting a person costs on SQLite (issue 9 item 6): `secure_delete` on every write, and one purge.

Two figures, each measured in this run against its own baseline, since machines are noisy:
- the desk's ordinary writes (a note on a ticket: thread, search index and audit) with `secure_delete` on,
  as the desk runs, against the same writes with it off;
- one `forget_person` over a seeded database (three tickets of one account, among `--tickets`), split into
  the redaction, the search index's `optimize` (which grows with the index), and the WAL checkpoint after the
  commit.
Issue 9 sets no target for either; the figures are printed for the record (docs/security.md says why each step
is needed).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from bench.seeded import BENCH_AGENT, seeded_database
from lifer_desk.config import Settings
from lifer_desk.domain.requests import DeletionScope
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import person_purge, requests, tickets
from lifer_desk.services.agents import Actor, add_agent
from lifer_desk.services.context import DeskContext
from lifer_desk.store import db as store_db
from lifer_desk.store.db import Database
from lifer_desk.store.search import compact

ACCOUNT = "u-bench-forgotten"
SUPERVISOR = "bench.supervisor"


def _open(path: Path, *, secure_delete: bool) -> Database:
    db = Database(f"sqlite:///{path}", create=False)
    if not secure_delete:
        # Runs after the desk's own connect hook, so it undoes just that pragma.
        @event.listens_for(db.engine, "connect")
        def _off(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA secure_delete=OFF")

    return db


def _ctx(db: Database, agent: str = BENCH_AGENT, role: str = "agent") -> DeskContext:
    return DeskContext(db=db, settings=Settings(database_url=db.url), agent=agent, role=role)


def _notes(path: Path, count: int, *, secure_delete: bool) -> float:
    """Median milliseconds of one note (a write transaction with its index and audit writes)."""
    db = _open(path, secure_delete=secure_delete)
    try:
        ctx = _ctx(db)
        times = []
        for index in range(count):
            started = time.perf_counter()
            tickets.add_note(ctx, 1 + index % 50, f"bench note {index}: the caller rang back about the refund")
            times.append(time.perf_counter() - started)
        return median(times) * 1000
    finally:
        db.dispose()


def _person(db: Database) -> int:
    """Three tickets of one account and a completed erasure of it; returns the erasure's id."""
    ctx = _ctx(db)
    first = 0
    for _ in range(3):
        draft = tickets.TicketDraft(
            Channel.EMAIL, "Delete my account", "I am mei.bench@example.com, please delete everything. " * 20,
            "mei.bench@example.com", "林美", Category.DELETION, Priority.NORMAL, account_id=ACCOUNT,
        )  # fmt: skip
        opened = tickets.open_ticket(ctx, draft).id
        first = first or opened
    erasure = requests.raise_deletion(ctx, first, DeletionScope.ACCOUNT, etag='"e1"')
    with db.write() as session:
        # The outbox's work (issue 9 items 4 and 5), skipped here: straight to completed.
        session.execute(text("UPDATE data_request SET state = 'completed' WHERE id = :id"), {"id": erasure.id})
    return erasure.id


def _optimize(path: Path) -> float:
    """Milliseconds of the index's `optimize` as a purge meets it: one new segment (a note's) beside the
    seeded index, all of which is merged and rewritten."""
    db = _open(path, secure_delete=True)
    try:
        tickets.add_note(_ctx(db), 1, "one more segment")
        started = time.perf_counter()
        with db.write() as session:
            compact(session)
        return (time.perf_counter() - started) * 1000
    finally:
        db.dispose()


def _purge(path: Path) -> tuple[float, float]:
    """Milliseconds of the purge end to end (transaction, commit, checkpoint), and of the checkpoint alone."""
    db = _open(path, secure_delete=True)
    timings: dict[str, float] = {}
    plain_checkpoint = store_db.checkpoint_truncate

    def timed_checkpoint(engine: Engine) -> bool:
        started = time.perf_counter()
        try:
            return plain_checkpoint(engine)
        finally:
            timings["checkpoint"] = (time.perf_counter() - started) * 1000

    try:
        request_id = _person(db)
        supervisor = _ctx(db, SUPERVISOR, "supervisor")
        # `scrub_after_commit` looks the checkpoint up when the commit is done: this times that call.
        store_db.checkpoint_truncate = timed_checkpoint
        started = time.perf_counter()
        with db.write() as session:
            person_purge.forget_person(session, supervisor, account_id=ACCOUNT, request_id=request_id)
        return (time.perf_counter() - started) * 1000, timings["checkpoint"]
    finally:
        store_db.checkpoint_truncate = plain_checkpoint
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000, help="seeded tickets (default 20,000)")
    parser.add_argument("--notes", type=int, default=100, help="notes per round and mode (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, alternating the modes (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        seeded = seeded_database(args.tickets, workdir=Path(workdir))
        seeded_db = Database(f"sqlite:///{seeded}")
        add_agent(seeded_db, actor=Actor("bench", operator=True), name=SUPERVISOR, role="supervisor")
        seeded_db.dispose()
        copies = {name: Path(workdir) / f"{name}.db" for name in ("on", "off", "optimize", "purge")}
        for copy in copies.values():
            shutil.copyfile(seeded, copy)
        # Alternated, so that a warming cache or a busy neighbour does not favour one mode.
        on, off = [], []
        for _ in range(args.rounds):
            on.append(_notes(copies["on"], args.notes, secure_delete=True))
            off.append(_notes(copies["off"], args.notes, secure_delete=False))
        optimize_ms = _optimize(copies["optimize"])
        purge_ms, checkpoint_ms = _purge(copies["purge"])
    note_on, note_off = median(on), median(off)
    print(f"SQLite, {args.tickets:,} tickets (issue 9 sets no target for these)")
    print(f"  a note, secure_delete on / off:  {note_on:.2f} / {note_off:.2f} ms   ({note_on / note_off:.2f}x)")
    print(f"  forget_person, 3 tickets:        {purge_ms:.0f} ms end to end, commit and checkpoint included")
    print(f"    of which the WAL checkpoint:   {checkpoint_ms:.1f} ms")
    print(f"    the index optimize, alone:     {optimize_ms:.0f} ms (grows with the index; runs in the purge)")


if __name__ == "__main__":
    main()
