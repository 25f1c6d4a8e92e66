"""Seeding is all or nothing: a failure, an interrupt or a kill part-way leaves the database as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from contextlib import suppress
from pathlib import Path

import psutil
import pytest
from sqlalchemy import inspect, text

from lifer_desk.config import Settings
from lifer_desk.services.context import DeskContext
from lifer_desk.services.seed import seed_tickets
from lifer_desk.store.audit import verify_chain
from lifer_desk.store.db import Database
from lifer_desk.store.models import Ticket


def _ctx(db: Database) -> DeskContext:
    return DeskContext(db=db, settings=Settings(database_url=db.url), agent="seeder", role="host")


def _counts(db: Database) -> tuple[int, int, int]:
    with db.read() as session:
        return tuple(  # type: ignore[return-value]
            session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("ticket", "ticket_event", "audit_event")
        )


def _ticket_indexes(db: Database) -> set[str]:
    if db.engine.dialect.name == "sqlite":
        # SQLAlchemy does not reflect SQLite's expression indexes (ix_ticket_requester is on lower(requester)).
        with db.read() as session:
            found = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ticket'"))
            return set(found.scalars())
    return {index["name"] for index in inspect(db.engine).get_indexes("ticket")}


def test_an_interrupted_seed_leaves_nothing_behind(db: Database) -> None:
    expected_indexes = {index.name for index in Ticket.__table__.indexes}  # type: ignore[attr-defined]
    assert expected_indexes <= _ticket_indexes(db)

    def interrupt(_done: int) -> None:
        # Called after the first batch is in: the moment a per-batch commit would have kept it.
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        seed_tickets(_ctx(db), 50, seed=5, on_progress=interrupt)
    assert _counts(db) == (0, 0, 0)
    assert expected_indexes <= _ticket_indexes(db)

    assert seed_tickets(_ctx(db), 50, seed=5) == 1
    tickets, events, audit_events = _counts(db)
    assert (tickets, audit_events) == (50, 1) and events >= 50
    assert verify_chain(db).ok


def test_ids_continue_after_existing_tickets_and_the_audit_event_names_them(db: Database) -> None:
    seed_tickets(_ctx(db), 30, seed=1)
    assert seed_tickets(_ctx(db), 20, seed=2) == 31
    with db.read() as session:
        ids = session.execute(text("SELECT min(id), max(id), count(*) FROM ticket")).one()
        entity = session.execute(text("SELECT entity_id FROM audit_event WHERE seq = 2")).scalar_one()
    assert tuple(ids) == (1, 50, 50)
    assert entity == "31-50"


KILLED_SEED = textwrap.dedent(
    """
    import os, signal, sys
    import psutil
    from lifer_desk.config import Settings
    from lifer_desk.services.context import DeskContext
    from lifer_desk.services.seed import seed_tickets
    from lifer_desk.store.db import Database

    db = Database(sys.argv[1])
    ctx = DeskContext(db=db, settings=Settings(database_url=db.url), agent="seeder", role="host")

    def die(_done):
        children = [str(child.pid) for child in psutil.Process().children()]
        with open(sys.argv[2], "w") as out:
            out.write(" ".join(children))
        os.kill(os.getpid(), signal.SIGKILL)

    seed_tickets(ctx, 60_000, seed=9, on_progress=die)
    """
)


def test_a_seed_killed_outright_leaves_nothing_and_no_orphan_producer(sqlite_url: str, tmp_path: Path) -> None:
    """SIGKILL runs no cleanup: only a single transaction keeps the tickets and indexes consistent."""
    children_file, stderr_file = tmp_path / "children", tmp_path / "stderr"
    with stderr_file.open("wb") as stderr:
        # Not a pipe: an orphaned producer would hold it open and hang the test instead of failing it.
        code = subprocess.call([sys.executable, "-c", KILLED_SEED, sqlite_url, str(children_file)], stderr=stderr)
    assert code == -signal.SIGKILL, stderr_file.read_text()
    producers = [int(pid) for pid in children_file.read_text().split()]
    try:
        assert producers
        # The producer notices its parent is gone instead of blocking for ever on a queue nobody reads.
        running = []
        for pid in producers:
            with suppress(psutil.NoSuchProcess):
                running.append(psutil.Process(pid))
        _gone, left = psutil.wait_procs(running, timeout=15)
        assert left == []
    finally:
        for pid in producers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    db = Database(sqlite_url)
    try:
        assert _counts(db) == (0, 0, 0)
        expected = {index.name for index in Ticket.__table__.indexes}  # type: ignore[attr-defined]
        assert expected <= _ticket_indexes(db)
    finally:
        db.dispose()


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
