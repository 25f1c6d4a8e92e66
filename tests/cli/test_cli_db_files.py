"""The database and the log on disk, through the real command: private files, and nothing made unasked.

Only `db upgrade`, `demo` and `seed` may create a database. Everything else opens an existing one or says,
in one line with exit code 2, that there is none and which command makes it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from lifer_desk.desk_log import log_to_file
from lifer_desk.sandbox.seed import ensure_seeded


def _run(cwd: Path, database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFER_")}
    env["LIFER_DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run(
        [sys.executable, "-m", "lifer_desk", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_db_upgrade_creates_the_database_0600_in_directories_0700(tmp_path: Path) -> None:
    database = tmp_path / "data" / "lifer-desk" / "desk.db"
    # The umask most accounts have; the desk must not rely on a stricter one.
    result = subprocess.run(
        ["sh", "-c", 'umask 022 && exec "$@"', "sh", sys.executable, "-m", "lifer_desk", "db", "upgrade"],
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("LIFER_")},
            "LIFER_DATABASE_URL": f"sqlite:///{database}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert {_mode(database.parent), _mode(database.parent.parent)} == {0o700}
    # WAL mode leaves the -wal and -shm files behind only while a connection is open, so open one.
    conn = sqlite3.connect(database)
    try:
        conn.execute("SELECT count(*) FROM audit_event").fetchone()
        companions = [database.with_name(database.name + suffix) for suffix in ("-wal", "-shm")]
        assert [_mode(path) for path in [database, *companions]] == [0o600, 0o600, 0o600]
    finally:
        conn.close()


def test_db_upgrade_warns_in_one_line_about_a_database_others_can_read(tmp_path: Path) -> None:
    database = tmp_path / "desk.db"
    assert _run(tmp_path, database, "db", "upgrade").returncode == 0
    database.chmod(0o644)
    result = _run(tmp_path, database, "db", "upgrade")
    assert result.returncode == 0
    # SQLite gives the -wal and -shm files the database's mode, so they are as loose.
    loose = f"{database} {database}-wal {database}-shm"
    assert (
        result.stderr == f"lifer-desk: warning: other users can read the database; make it private: chmod 600 {loose}\n"
    )
    # Told, not changed.
    assert _mode(database) == 0o644


@pytest.mark.parametrize(
    "args", [("db", "current"), ("agents", "list"), ("audit", "verify"), ("agents", "add", "bob", "--role", "agent")]
)
def test_a_command_that_may_not_create_the_database_says_it_does_not_exist(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    database = tmp_path / "no" / "such" / "dir" / "desk.db"
    result = _run(tmp_path, database, *args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"lifer-desk: {database} does not exist; create it with `lifer-desk db upgrade`\n"
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("args", [("db", "current"), ("agents", "list")])
def test_an_empty_file_is_left_as_it_is(tmp_path: Path, args: tuple[str, ...]) -> None:
    database = tmp_path / "desk.db"
    database.touch()
    result = _run(tmp_path, database, *args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"lifer-desk: {database} is empty, not a desk database; set it up with `lifer-desk db upgrade`\n"
    )
    assert database.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["desk.db"]


def test_the_desk_log_and_its_directories_are_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "log" / "desk.log"
    old_umask = os.umask(0o022)
    try:
        handler = log_to_file(path)
    finally:
        os.umask(old_umask)
    try:
        logging.getLogger("lifer_desk.test").warning("ticket #4: claim lost")
        handler.doRollover()  # type: ignore[attr-defined]
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert {_mode(path.parent), _mode(path.parent.parent)} == {0o700}
    assert [_mode(p) for p in sorted(path.parent.iterdir())] == [0o600, 0o600]


def test_a_loose_log_left_by_an_older_desk_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "desk.log"
    path.write_text("old line\n", encoding="utf-8")
    path.chmod(0o644)
    handler = log_to_file(path)
    logging.getLogger().removeHandler(handler)
    handler.close()
    assert _mode(path) == 0o600


def test_the_sandbox_in_the_user_data_directory_is_private(tmp_path: Path) -> None:
    path = tmp_path / "share" / "lifer-desk" / "sandbox.db"
    old_umask = os.umask(0o022)
    try:
        ensure_seeded(path)
    finally:
        os.umask(old_umask)
    assert [_mode(path.parent.parent), _mode(path.parent), _mode(path)] == [0o700, 0o700, 0o600]
