"""A sync killed (SIGKILL) inside a page's transaction: the next sync resumes from the last committed page, with
no duplicates and no gaps."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from functools import partial
from pathlib import Path

from sqlalchemy import text

from lifer_desk.cli.sandbox import open_admin
from lifer_desk.config import Settings
from lifer_desk.services.context import AdminApiProvider, DeskContext
from lifer_desk.services.feedback_sync import sync_feedback
from lifer_desk.store.db import Database
from tests.agent_support import enrol
from tests.services.feedback_kill_child import PAGE_SIZE

ROOT = Path(__file__).resolve().parents[2]


def _sandbox_ids(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(row[0] for row in conn.execute("SELECT id FROM feedback"))
    finally:
        conn.close()


def test_a_sync_killed_mid_page_resumes_without_duplicates_or_gaps(sqlite_url: str, sandbox_db: Path) -> None:
    db = Database(sqlite_url)
    enrol(db, "alice")
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.services.feedback_kill_child", sqlite_url, str(sandbox_db)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "mid-page"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with db.read() as session:
        # Two pages committed; the third died with its transaction.
        assert session.execute(text("SELECT count(*) FROM feedback_item")).scalar_one() == 2 * PAGE_SIZE
    settings = Settings(database_url=sqlite_url)
    ctx = DeskContext(db, settings, "alice", "agent", admin=AdminApiProvider(partial(open_admin, settings, sandbox_db)))
    result = asyncio.run(sync_feedback(ctx, page_size=PAGE_SIZE))
    expected = _sandbox_ids(sandbox_db)
    assert result.imported == len(expected) - 2 * PAGE_SIZE
    with db.read() as session:
        stored = list(session.execute(text("SELECT external_id FROM feedback_item ORDER BY external_id")).scalars())
    assert stored == expected
    db.dispose()
