"""The change watch (store.changes) on SQLite and PostgreSQL, and migration 0015's notifications."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

import psycopg
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

from lifer_desk.store.changes import CHANNEL
from lifer_desk.store.db import Database
from lifer_desk.store.migrate import alembic_config, upgrade
from lifer_desk.store.schema_version import HEAD_REVISION, database_revision
from tests.agent_support import enrol

ADD_AGENT = "INSERT INTO agent (name, display_name, role, active, created_at) VALUES (:n, :n, 'agent', true, now())"
# A safety net for the waits below, not a timing check: bench/ssh_sessions.py measures how soon a change shows.
WAIT_S = 10.0


def until(seen: Callable[[], bool]) -> bool:
    """Wait for `seen()` to hold (the PostgreSQL watch counts notifications in a thread of its own)."""
    pause = threading.Event()
    for _ in range(int(WAIT_S / 0.02)):
        if seen():
            return True
        pause.wait(0.02)
    return False


def steady(db: Database) -> Hashable:
    """The version once the watch follows the database: a PostgreSQL watch reads as changed until it listens."""
    assert until(lambda: db.changes.version() == db.changes.version()), "the watch never settled"
    return db.changes.version()


def test_only_a_commit_moves_the_version(db: Database) -> None:
    before = steady(db)
    with db.read() as session:
        session.execute(text("SELECT count(*) FROM agent")).scalar_one()
    assert db.changes.version() == before, "a read moved it"
    other = Database(db.url)
    try:
        enrol(other, "bob")
    finally:
        other.dispose()
    assert until(lambda: db.changes.version() != before), "another connection's commit did not show"


def test_this_desks_own_commit_moves_it_too(db: Database) -> None:
    before = steady(db)
    enrol(db, "alice")
    assert until(lambda: db.changes.version() != before)


def test_an_in_memory_database_always_reads_as_changed() -> None:
    db = Database("sqlite://")
    try:
        assert db.changes.version() != db.changes.version()
    finally:
        db.dispose()


def _listener(url: str) -> psycopg.Connection[tuple[object, ...]]:
    conn = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    conn.autocommit = True
    conn.execute(f"LISTEN {CHANNEL}")
    return conn


def _before_0015(db: Database) -> str:
    """The revision 0015 follows, whatever later migrations were chained in since."""
    before = ScriptDirectory.from_config(alembic_config(db)).get_revision("0015").down_revision
    assert isinstance(before, str)
    return before


def test_0015_notifies_each_commit_once_on_postgresql_and_downgrades(pg_url: str) -> None:
    db = Database(pg_url)
    listener = _listener(pg_url)
    try:
        with db.write() as session:
            for name in ("a", "b", "c"):
                session.execute(text(ADD_AGENT), {"n": name})
        got = list(listener.notifies(timeout=WAIT_S, stop_after=1))
        assert [notice.channel for notice in got] == [CHANNEL]
        # Folded into one per transaction.
        assert list(listener.notifies(timeout=0.2)) == []
        command.downgrade(alembic_config(db), _before_0015(db))
        assert database_revision(db) == _before_0015(db)
        enrol(db, "d")
        assert list(listener.notifies(timeout=0.5)) == []
        upgrade(db)
        enrol(db, "e")
        assert len(list(listener.notifies(timeout=WAIT_S, stop_after=1))) == 1
    finally:
        listener.close()
        db.dispose()


def test_0015_is_nothing_on_sqlite_and_downgrades(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        command.downgrade(alembic_config(db), _before_0015(db))
        assert database_revision(db) == _before_0015(db)
        upgrade(db)
        assert database_revision(db) == HEAD_REVISION
    finally:
        db.dispose()


def test_a_broken_listener_falls_back_to_querying(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        steady(db)
        with psycopg.connect(
            make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
        ) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'"
            )
        # Every look is a change while it listens again, so the desk queries meanwhile and misses nothing.
        assert until(lambda: db.changes.version() != db.changes.version())
        before = steady(db)
        enrol(db, "bob")
        assert until(lambda: db.changes.version() != before)
    finally:
        db.dispose()
