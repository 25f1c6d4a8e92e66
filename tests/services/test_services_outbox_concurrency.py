"""Two deliverer processes on one desk database (SQLite, then PostgreSQL) and one sandbox never send a row twice:
every Idempotency-Key goes out once, every image is deleted once, every request completes. Each process runs
its default lanes, so rounds within one process overlap too."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from lifer_desk.domain.requests import DeletionScope, RequestState
from lifer_desk.services.request_views import get_request
from lifer_desk.store.db import Database
from lifer_desk.store.types import utcnow
from tests.outbox_support import approved_deletion
from tests.request_support import context

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 12


def image_sets(sandbox: Path, count: int) -> list[tuple[str, tuple[str, ...]]]:
    conn = sqlite3.connect(sandbox)
    try:
        accounts = conn.execute(
            "SELECT user_id FROM image GROUP BY user_id HAVING count(*) >= 3 ORDER BY user_id LIMIT ?", (count,)
        ).fetchall()
        return [
            (user, tuple(row[0] for row in conn.execute("SELECT id FROM image WHERE user_id = ?", (user,))))
            for (user,) in accounts
        ]
    finally:
        conn.close()


def test_two_deliverer_processes_never_send_a_row_twice(
    db: Database, db_url: str, sandbox_db: Path, tmp_path: Path
) -> None:
    # The real clock: the processes judge approval windows by it.
    alice = context(db, utcnow, "alice", "agent")
    sam = context(db, utcnow, "sam", "supervisor")
    sets = image_sets(sandbox_db, REQUESTS + 1)
    request_ids = [approved_deletion(alice, sam, user, DeletionScope.IMAGES, images) for user, images in sets[:-1]]
    erased, _images = sets[-1]
    request_ids.append(approved_deletion(alice, sam, erased, DeletionScope.ACCOUNT))
    logs = [tmp_path / f"sent-{n}.log" for n in (1, 2)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.outbox_worker", db_url, str(sandbox_db), str(log), "alice"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for log in logs
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.close()
    assert [worker.wait(timeout=300) for worker in workers] == [0, 0]

    sent = [line for log in logs if log.exists() for line in log.read_text().splitlines()]
    # Each image once, the erasure once, and each image deletion's confirmation (a notify) once.
    assert len(sent) == len(set(sent)) == sum(len(images) for _user, images in sets[:-1]) + 1 + REQUESTS
    assert [get_request(alice, rid).request.state for rid in request_ids] == [RequestState.COMPLETED] * len(request_ids)
    conn = sqlite3.connect(sandbox_db)
    try:
        counts = conn.execute(
            "SELECT object_id, count(*) FROM deletion WHERE kind = 'image' GROUP BY object_id"
        ).fetchall()
        erasures = conn.execute("SELECT count(*) FROM erasure WHERE user_id = ?", (erased,)).fetchone()[0]
    finally:
        conn.close()
    assert {count for _object, count in counts} == {1} and erasures == 1
