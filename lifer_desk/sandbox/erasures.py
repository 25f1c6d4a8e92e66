"""Erasure routes: start one, and read its progress and per-object receipt (the work is in erasure_work)."""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from lifer_desk.admin_api.models import Erasure, ErasureRequest, ReceiptItem
from lifer_desk.sandbox.accounts import find_user
from lifer_desk.sandbox.auth import require_token
from lifer_desk.sandbox.database import iso
from lifer_desk.sandbox.erasure_work import ErasureTiming
from lifer_desk.sandbox.idempotency import IdempotencyKey, IdempotencyStore, fingerprint
from lifer_desk.sandbox.problems import ProblemError, problem_docs
from lifer_desk.sandbox.runtime import database, now, runtime
from lifer_desk.sandbox.seed import object_id

router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])

Db = Annotated[sqlite3.Connection, Depends(database)]
Now = Annotated[datetime, Depends(now)]


def _load(conn: sqlite3.Connection, erasure_id: str, timing: ErasureTiming, clock: datetime) -> Erasure:
    row = conn.execute("SELECT * FROM erasure WHERE id = ?", (erasure_id,)).fetchone()
    if row is None:
        raise ProblemError(404, "no erasure with this id")
    receipt = conn.execute(
        "SELECT kind, object_id AS id, deleted_at FROM deletion WHERE erasure_id = ? ORDER BY rowid", (erasure_id,)
    ).fetchall()
    retry_after = None
    if row["status"] in ("pending", "running"):
        # When the work is due to end, rounded up: a caller reading it again then finds it ended, not one more step.
        left = datetime.fromisoformat(row["requested_at"]) + timing.pending + timing.running - clock
        retry_after = max(1, math.ceil(left.total_seconds()))
    return Erasure(
        id=row["id"],
        user_id=row["user_id"],
        scope=json.loads(row["scope"]),
        status=row["status"],
        requested_at=row["requested_at"],
        completed_at=row["completed_at"],
        receipt=[ReceiptItem(**dict(item)) for item in receipt],
        retry_after=retry_after,
    )


@router.post(
    "/users/{user_id}/erasure", status_code=202, response_model=Erasure, responses=problem_docs(404, keyed=True)
)
async def start_erasure(
    user_id: str,
    body: ErasureRequest,
    request: Request,
    conn: Db,
    clock: Now,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Start erasing (part of) an account; poll GET /v1/erasures/{id} for progress and the receipt. With `notify`,
    lifer mails the account's address of record from that template once the erasure completed, just before the
    address itself is erased."""

    def apply() -> Response:
        find_user(conn, user_id)
        erasure_id = object_id("era", user_id, runtime(request).rng.getrandbits(64))
        conn.execute(
            "INSERT INTO erasure (id, user_id, scope, reason, status, requested_at, notify)"
            " VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            (erasure_id, user_id, json.dumps(scope), body.reason, iso(clock), notice and json.dumps(notice)),
        )
        erasure = _load(conn, erasure_id, runtime(request).erasure_timing, clock)
        return JSONResponse(
            erasure.model_dump(mode="json"), status_code=202, headers={"Location": f"/v1/erasures/{erasure_id}"}
        )

    # The scope is a set: the same key with the same kinds in another order is the same request.
    scope = sorted(set(body.scope))
    notice = body.notify.model_dump(mode="json") if body.notify else None
    store = IdempotencyStore(conn, clock)
    payload = {"scope": scope, "reason": body.reason, "notify": notice}
    return store.run(idempotency_key, fingerprint("POST", request.url.path, payload), apply)


@router.get("/erasures/{erasure_id}", response_model=Erasure, responses=problem_docs(404))
async def get_erasure(erasure_id: str, request: Request, conn: Db, clock: Now) -> Erasure:
    """Progress moves on with time (pending, then running, then completed), not with how often it is read; an
    unfinished one says when to read it again (`retry_after`)."""
    return _load(conn, erasure_id, runtime(request).erasure_timing, clock)
