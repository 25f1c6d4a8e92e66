"""Connection settings and transaction modes, and how an unreachable database is reported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, text

from lifer_desk.store.db import Database, DatabaseUnavailable

REPO = Path(__file__).resolve().parents[2]


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    with db.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000


def test_sqlite_writes_begin_immediate_and_reads_deferred(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    seen: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: seen.append(statement))
    with db.write() as session:
        session.execute(text("SELECT 1"))
    with db.read() as session:
        session.execute(text("SELECT 2"))
    assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]


def test_a_failed_write_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as session:
        session.execute(text("UPDATE audit_head SET seq = 99 WHERE id = 1"))
        raise RuntimeError("boom")
    with db.read() as session:
        assert session.execute(text("SELECT seq FROM audit_head")).scalar() == 0


def test_unreachable_postgresql_is_one_clear_line() -> None:
    db = Database("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable) as refused:
        db.check()
    message = str(refused.value)
    assert message.startswith("cannot open postgresql+psycopg://nobody:***@127.0.0.1:1/none: ")
    assert "secret" not in message and "\n" not in message


def test_unknown_database_kind_is_refused() -> None:
    with pytest.raises(DatabaseUnavailable, match="unsupported database 'mysql'"):
        Database("mysql://x/y")


def test_postgresql_cases_fail_rather_than_skip_when_the_url_is_unreachable() -> None:
    env = {**os.environ, "LIFER_TEST_PG_URL": "postgresql://nobody:x@127.0.0.1:1/postgres"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/store/test_store_migrations.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout
    assert "PostgreSQL is unreachable" in result.stdout
    assert "skipped" not in result.stdout.splitlines()[-1]
