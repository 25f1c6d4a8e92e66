"""The Idempotency-Key store: replay, refuse a changed payload (422), refuse while running (409).

A response is stored under its key only when the call began executing, as Stripe does: a refusal before that
(a bad token, a stale or missing If-Match, a value that fails validation) is answered and forgotten, so a retry
with the same key and corrected preconditions runs afresh. What the call met while acting (an account or
image gone, a username taken) is its outcome, and is replayed like a success.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Header
from starlette.responses import Response

from lifer_desk.admin_api.errors import ProblemType
from lifer_desk.sandbox.database import WRITES, iso
from lifer_desk.sandbox.problems import REFUSED_BEFORE_EXECUTING, ProblemError

KEY_TTL = timedelta(hours=24)
# A claim still "running" after this long belongs to a request that died mid-way (a crashed process): without
# this, a retry with the same key (an outbox entry resumed after a restart) would get 409 for a whole day.
IN_FLIGHT_LEASE = timedelta(seconds=30)
REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("etag", "location", "content-type")
# Refused before the call began executing, or transient (429, and 5xx below): the same key may be sent again,
# and must run rather than replay the refusal.
_NOT_STORED = REFUSED_BEFORE_EXECUTING | {429}

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description=(
            "Makes the call safe to repeat. The first response is stored under the key for 24 h and replayed, "
            f"with `{REPLAYED_HEADER}: true`, to a repeat with the same payload. A repeat with another payload "
            f"gets 422 `{ProblemType.KEY_REUSED}`; one while the first is still running gets 409 "
            f"`{ProblemType.IN_FLIGHT}` with Retry-After (a claim unfinished after "
            f"{int(IN_FLIGHT_LEASE.total_seconds())} s is taken over by the next repeat). Only a call that began "
            "executing is stored: 2xx, and a 404 or 409 it met while acting. A refusal before it began "
            f"({', '.join(map(str, sorted(REFUSED_BEFORE_EXECUTING)))}) is not, nor is 429 or 5xx, so a retry with "
            "the same key and corrected preconditions or values runs afresh."
        ),
    ),
]


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
            raise ProblemError(
                422, "this Idempotency-Key was used with a different request", problem_type=ProblemType.KEY_REUSED
            )
        if row["state"] == "running":
            claimed_for = self._now - datetime.fromisoformat(row["created_at"])
            if claimed_for < IN_FLIGHT_LEASE:
                wait = str(max(1, math.ceil((IN_FLIGHT_LEASE - claimed_for).total_seconds())))
                raise ProblemError(
                    409,
                    "a request with this Idempotency-Key is still being processed",
                    problem_type=ProblemType.IN_FLIGHT,
                    headers={"Retry-After": wait},
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
        """Run `action` once per key. The claim, its changes and the stored response commit together, in one
        write transaction (one commit, one sync to disk); a repeat waits for the write lock and then replays.
        A claim found still running was left by a process that died before it could finish or roll back.

        Refusals before executing, and transient answers, are not stored (see `_NOT_STORED`).
        """
        with WRITES:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                replay = self.begin(key, print_)
                if replay is not None:
                    self._conn.execute("COMMIT")
                    return replay
                self._conn.execute("SAVEPOINT action")
                try:
                    response = action()
                except ProblemError as problem:
                    # A refusal changes nothing; whether this key replays it depends on how far the call got.
                    self._conn.execute("ROLLBACK TO action")
                    response = problem.response()
                self._conn.execute("RELEASE action")
                self._settle(key, response)
            except BaseException:
                # Claim and changes alike: as if the call had never come (a ProblemError from `begin` included).
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return response

    def _settle(self, key: str, response: Response) -> None:
        if response.status_code in _NOT_STORED or response.status_code >= 500:
            self.release(key)
        else:
            self.finish(key, response)
