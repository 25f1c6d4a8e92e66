"""The sandbox's own SQLite database (never the desk's): tables and connections."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE user (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    language TEXT NOT NULL,
    birthday TEXT NOT NULL,
    gender TEXT,
    guardian_consent INTEGER,
    registered_at TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE image (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, uploaded_at TEXT NOT NULL, bytes INTEGER NOT NULL);
CREATE INDEX image_user ON image (user_id);
CREATE TABLE diary_entry (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, written_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX diary_user ON diary_entry (user_id);
CREATE TABLE payment_link (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, provider TEXT NOT NULL, linked_at TEXT NOT NULL);
CREATE INDEX payment_user ON payment_link (user_id);
CREATE TABLE feedback (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    user_id TEXT,
    text TEXT NOT NULL,
    app_version TEXT,
    platform TEXT
);
CREATE INDEX feedback_user ON feedback (user_id);
-- What the sandbox removed, kept as ids only: the receipts of erasures and image deletions.
CREATE TABLE deletion (
    kind TEXT NOT NULL, object_id TEXT NOT NULL, user_id TEXT NOT NULL, deleted_at TEXT NOT NULL, erasure_id TEXT
);
CREATE TABLE erasure (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    completed_at TEXT,
    -- What to mail the address of record on completion (template and parameters, JSON), before it goes.
    notify TEXT
);
CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    status_code INTEGER,
    body BLOB,
    headers TEXT,
    created_at TEXT NOT NULL
);
-- Every keyed call drops the keys past their 24 h first: by this index, not by reading them all.
CREATE INDEX idempotency_created ON idempotency (created_at);
CREATE INDEX erasure_status ON erasure (status);
CREATE TABLE notification (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, template TEXT NOT NULL, params TEXT NOT NULL, queued_at TEXT NOT NULL
);
CREATE TABLE verify_call (user_id TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX verify_call_user ON verify_call (user_id, at);
"""


# The write transactions of this process's threads, in turn. SQLite's own busy handler naps (up to 100 ms) and
# notices a free lock only when a nap ends: with a dozen calls in flight (two deliverers), the lock sat free
# between naps while every caller waited (store.writer_queue says the same of desks). A lock in the process wakes
# the next writer at once. Reentrant, so a write that settles erasures inside another does not wait on itself.
WRITES = threading.RLock()


def connect(path: Path) -> sqlite3.Connection:
    # A connection serves one thread at a time (runtime.database keeps one per thread), so it is never shared.
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 5000")
    # The seed leaves the file in WAL mode. NORMAL syncs the WAL at checkpoints rather than at every commit: a
    # commit is still atomic and survives a crash of the process (a kill -9 mid-run), and only a power cut may
    # lose the last few; FULL's sync per call was the sandbox's largest single cost (bench/outbox.py).
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
