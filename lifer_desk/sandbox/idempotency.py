"""The Idempotency-Key store: replay, refuse a changed payload (422), refuse while running (409)."""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from lifer_desk.sandbox.database import iso
from lifer_desk.sandbox.problems import ProblemError

KEY_TTL = timedelta(hours=24)
# A claim still "running" after this long belongs to a request that died mid-way (a crashed process): without
# this, a retry with the same key (an outbox entry resumed after a restart) would get 409 for a whole day.
IN_FLIGHT_LEASE = timedelta(seconds=30)
REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("etag", "location", "content-type")


def fingerprint(method: str, path: str, payload: Any) -> str:
    canonical = json.dumps([method, path, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyStore:
    def __init__(self, conn: sqlite3.Connection, now: datetime) -> None:
        self._conn = conn
        self._now = now

    def begin(self, key: str, print_: str) -> Response | None:
        """Claim `key` for this request; or return the stored response to replay; or refuse."""
        self._conn.execute("DELETE FROM idempotency WHERE created_at < ?", (iso(self._now - KEY_TTL),))
        row = self._conn.execute("SELECT * FROM idempotency WHERE key = ?", (key,)).fetchone()
        if row is None:
            self._conn.execute(
                "INSERT INTO idempotency (key, fingerprint, state, created_at) VALUES (?, ?, 'running', ?)",
                (key, print_, iso(self._now)),
            )
            return None
        if row["fingerprint"] != print_:
            raise ProblemError(422, "this Idempotency-Key was used with a different request")
        if row["state"] == "running":
            claimed_for = self._now - datetime.fromisoformat(row["created_at"])
            if claimed_for < IN_FLIGHT_LEASE:
                wait = str(max(1, math.ceil((IN_FLIGHT_LEASE - claimed_for).total_seconds())))
                raise ProblemError(
                    409, "a request with this Idempotency-Key is still being processed", headers={"Retry-After": wait}
                )
            self._conn.execute("UPDATE idempotency SET created_at = ? WHERE key = ?", (iso(self._now), key))
            return None
        headers = {**json.loads(row["headers"]), REPLAYED_HEADER: "true"}
        return Response(row["body"], status_code=row["status_code"], headers=headers)

    def finish(self, key: str, response: Response) -> None:
        kept = {k: v for k, v in response.headers.items() if k in _KEPT_HEADERS}
        self._conn.execute(
            "UPDATE idempotency SET state = 'done', status_code = ?, body = ?, headers = ? WHERE key = ?",
            (response.status_code, bytes(response.body), json.dumps(kept), key),
        )

    def release(self, key: str) -> None:
        self._conn.execute("DELETE FROM idempotency WHERE key = ?", (key,))

    def run(self, key: str, print_: str, action: Callable[[], Response]) -> Response:
        """Run `action` once per key. Its changes and the stored response commit together.

        Transient answers (429, 5xx) are not stored: the caller may retry them with the same key.
        """
        replay = self.begin(key, print_)
        if replay is not None:
            return replay
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            response = action()
        except ProblemError as problem:
            # A refusal changes nothing, but its answer is still what this key replays.
            self._conn.execute("ROLLBACK")
            response = problem.response()
            self._settle(key, response)
            return response
        except BaseException:
            self._conn.execute("ROLLBACK")
            self.release(key)
            raise
        self._settle(key, response)
        self._conn.execute("COMMIT")
        return response

    def _settle(self, key: str, response: Response) -> None:
        if response.status_code == 429 or response.status_code >= 500:
            self.release(key)
        else:
            self.finish(key, response)
