"""The erasure worker: moves erasures through pending, running and completed as time passes.

An erasure's state follows from the clock alone: pending for `ErasureTiming.pending` after the request, then
running, then completed. Completing one removes the data and writes the per-object receipt. Nothing waits on
the caller: the sandbox settles due work before serving any request (so the in-process sandbox, which has no
lifespan and no background task, is never behind what a caller can see), and `sandbox serve` also settles it
every `tick` seconds in the background (so data goes even when nobody asks).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from lifer_desk.sandbox.database import WRITES, iso

# Scope -> (table, receipt kind). "account" removes everything the account owns, then the account.
_CONTENT = {"images": ("image", "image"), "diary": ("diary_entry", "diary_entry"),
            "payment_links": ("payment_link", "payment_link")}  # fmt: skip


@dataclass(frozen=True)
class ErasureTiming:
    pending: timedelta = timedelta(seconds=2)
    running: timedelta = timedelta(seconds=3)
    tick: float = 1.0

    def __post_init__(self) -> None:
        if self.pending < timedelta(0) or self.running < timedelta(0) or self.tick <= 0:
            raise ValueError("erasure timing: durations must not be negative and the tick must be positive")

    def status_at(self, requested_at: datetime, now: datetime) -> str:
        elapsed = now - requested_at
        if elapsed < self.pending:
            return "pending"
        return "running" if elapsed < self.pending + self.running else "completed"


def _notify(conn: sqlite3.Connection, erasure: sqlite3.Row, at: datetime) -> None:
    """The confirmation the caller asked for, queued to the stored address while lifer still has it."""
    notice = json.loads(erasure["notify"])
    conn.execute(
        "INSERT INTO notification (id, user_id, template, params, queued_at) VALUES (?, ?, ?, ?, ?)",
        (f"ntf_{erasure['id']}", erasure["user_id"], notice["template"], json.dumps(notice["params"], sort_keys=True),
         iso(at)),
    )  # fmt: skip


def _erase(conn: sqlite3.Connection, erasure: sqlite3.Row, at: datetime) -> None:
    scope = set(json.loads(erasure["scope"]))
    user_id = erasure["user_id"]
    if erasure["notify"]:
        _notify(conn, erasure, at)
    tables = [_CONTENT[s] for s in sorted(scope & _CONTENT.keys())]
    if "account" in scope:
        tables = [*_CONTENT.values(), ("feedback", "feedback"), ("user", "account")]
    for table, kind in tables:
        column = "id" if table == "user" else "user_id"
        ids = [r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE {column} = ?", (user_id,))]
        conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
        conn.executemany(
            "INSERT INTO deletion (kind, object_id, user_id, deleted_at, erasure_id) VALUES (?, ?, ?, ?, ?)",
            [(kind, object_id_, user_id, iso(at), erasure["id"]) for object_id_ in ids],
        )
    if "account" in scope:
        conn.execute("DELETE FROM verify_call WHERE user_id = ?", (user_id,))


def _unfinished(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM erasure WHERE status IN ('pending', 'running') ORDER BY requested_at, id"
    ).fetchall()


def _any_behind(conn: sqlite3.Connection, timing: ErasureTiming, now: datetime) -> bool:
    """Whether some unfinished erasure is not in the state the clock says (`ErasureTiming.status_at`), asked of
    SQLite in one query: before every request, reading and parsing each unfinished row in Python took a tenth of
    the served sandbox's CPU under issue 9's bench (200 erasures at once). SQLite's times are whole milliseconds,
    so every bound is taken inclusively: a moment on a bound may be reported behind when it is not (the caller
    then reads the rows and decides exactly), never the other way round."""
    started, ended = iso(now - timing.pending), iso(now - timing.pending - timing.running)
    row = conn.execute(
        "SELECT 1 FROM erasure WHERE status = 'pending' AND julianday(requested_at) <= julianday(:started)"
        " OR status = 'running' AND (julianday(requested_at) >= julianday(:started)"
        " OR julianday(requested_at) <= julianday(:ended)) LIMIT 1",
        {"started": started, "ended": ended},
    ).fetchone()
    return row is not None


def settle_erasures(conn: sqlite3.Connection, timing: ErasureTiming, now: datetime) -> None:
    """Bring every unfinished erasure to the state the clock says it is in, in one transaction."""
    if not _any_behind(conn, timing, now):
        return
    with WRITES:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another connection may have settled them meanwhile.
            for row in _unfinished(conn):
                requested_at = datetime.fromisoformat(row["requested_at"])
                status = timing.status_at(requested_at, now)
                if status == row["status"]:
                    continue
                # Dated when the work was due, not when it was noticed, so receipts do not depend on who looked.
                completed_at = requested_at + timing.pending + timing.running if status == "completed" else None
                if completed_at is not None:
                    _erase(conn, row, completed_at)
                conn.execute(
                    "UPDATE erasure SET status = ?, completed_at = ? WHERE id = ?",
                    (status, completed_at and iso(completed_at), row["id"]),
                )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
