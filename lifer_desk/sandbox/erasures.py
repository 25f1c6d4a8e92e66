"""Erasure: asynchronous removal of an account's data, with a per-object receipt.

The sandbox advances an erasure one step (pending -> running -> completed) each time its status is read,
so callers observe every state without the sandbox running background work or tests waiting on a clock.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from lifer_desk.admin_api.models import Erasure, ErasureRequest, ReceiptItem
from lifer_desk.sandbox.accounts import find_user
from lifer_desk.sandbox.auth import require_token
from lifer_desk.sandbox.database import iso
from lifer_desk.sandbox.idempotency import IdempotencyStore, fingerprint
from lifer_desk.sandbox.problems import ProblemError, problem_docs
from lifer_desk.sandbox.runtime import database, now, runtime
from lifer_desk.sandbox.seed import object_id

router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])

Db = Annotated[sqlite3.Connection, Depends(database)]
Now = Annotated[datetime, Depends(now)]

# Scope -> (table, receipt kind). "account" removes everything the account owns, then the account.
_CONTENT = {"images": ("image", "image"), "diary": ("diary_entry", "diary_entry"),
            "payment_links": ("payment_link", "payment_link")}  # fmt: skip
_NEXT_STATUS = {"pending": "running", "running": "completed"}


def _erase(conn: sqlite3.Connection, erasure: sqlite3.Row, at: datetime) -> None:
    scope = set(json.loads(erasure["scope"]))
    user_id = erasure["user_id"]
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


def _load(conn: sqlite3.Connection, erasure_id: str) -> Erasure:
    row = conn.execute("SELECT * FROM erasure WHERE id = ?", (erasure_id,)).fetchone()
    if row is None:
        raise ProblemError(404, "no erasure with this id")
    receipt = conn.execute(
        "SELECT kind, object_id AS id, deleted_at FROM deletion WHERE erasure_id = ? ORDER BY rowid", (erasure_id,)
    ).fetchall()
    return Erasure(
        id=row["id"],
        user_id=row["user_id"],
        scope=json.loads(row["scope"]),
        status=row["status"],
        requested_at=row["requested_at"],
        completed_at=row["completed_at"],
        receipt=[ReceiptItem(**dict(item)) for item in receipt],
    )


@router.post("/users/{user_id}/erasure", status_code=202, response_model=Erasure, responses=problem_docs(404, 409))
async def start_erasure(
    user_id: str,
    body: ErasureRequest,
    request: Request,
    conn: Db,
    clock: Now,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=255)],
) -> Response:
    """Start erasing (part of) an account; poll GET /v1/erasures/{id} for progress and the receipt."""

    def apply() -> Response:
        find_user(conn, user_id)
        erasure_id = object_id("era", user_id, runtime(request).rng.getrandbits(64))
        conn.execute(
            "INSERT INTO erasure (id, user_id, scope, reason, status, requested_at) VALUES (?, ?, ?, ?, 'pending', ?)",
            (erasure_id, user_id, json.dumps(sorted(set(body.scope))), body.reason, iso(clock)),
        )
        erasure = _load(conn, erasure_id)
        return JSONResponse(
            erasure.model_dump(mode="json"), status_code=202, headers={"Location": f"/v1/erasures/{erasure_id}"}
        )

    store = IdempotencyStore(conn, clock)
    return store.run(idempotency_key, fingerprint("POST", request.url.path, body.model_dump(mode="json")), apply)


@router.get("/erasures/{erasure_id}", response_model=Erasure, responses=problem_docs(404))
async def get_erasure(erasure_id: str, conn: Db, clock: Now) -> Erasure:
    erasure = _load(conn, erasure_id)
    following = _NEXT_STATUS.get(erasure.status)
    if following is None:
        return erasure
    conn.execute("BEGIN IMMEDIATE")
    row = conn.execute("SELECT * FROM erasure WHERE id = ?", (erasure_id,)).fetchone()
    if following == "completed":
        _erase(conn, row, clock)
    conn.execute(
        "UPDATE erasure SET status = ?, completed_at = ? WHERE id = ?",
        (following, iso(clock) if following == "completed" else None, erasure_id),
    )
    conn.execute("COMMIT")
    return _load(conn, erasure_id)
