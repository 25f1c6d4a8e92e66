"""`POST /v1/users/{id}/notify`: lifer mails the account's address of record; the caller never sees the address.

The sandbox sends nothing: it records what it would have mailed (template, parameters, time), which is what a
test of the desk needs to see.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from lifer_desk.admin_api.models import Notification, NotifyRequest
from lifer_desk.sandbox.accounts import find_user
from lifer_desk.sandbox.auth import require_token
from lifer_desk.sandbox.database import iso
from lifer_desk.sandbox.idempotency import IdempotencyKey, IdempotencyStore, fingerprint
from lifer_desk.sandbox.problems import problem_docs
from lifer_desk.sandbox.runtime import database, now, runtime
from lifer_desk.sandbox.seed import object_id

router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])

Db = Annotated[sqlite3.Connection, Depends(database)]
Now = Annotated[datetime, Depends(now)]


@router.post(
    "/users/{user_id}/notify", status_code=202, response_model=Notification, responses=problem_docs(404, keyed=True)
)
async def notify(
    user_id: str, body: NotifyRequest, request: Request, conn: Db, clock: Now, idempotency_key: IdempotencyKey
) -> Response:
    """Queue a mail to the account's stored address from a template; the answer never names that address."""

    def apply() -> Response:
        find_user(conn, user_id)
        notification_id = object_id("ntf", user_id, runtime(request).rng.getrandbits(64))
        conn.execute(
            "INSERT INTO notification (id, user_id, template, params, queued_at) VALUES (?, ?, ?, ?, ?)",
            (notification_id, user_id, body.template.value, json.dumps(body.params, sort_keys=True), iso(clock)),
        )
        notification = Notification(id=notification_id, user_id=user_id, template=body.template, queued_at=clock)
        return JSONResponse(notification.model_dump(mode="json"), status_code=202)

    store = IdempotencyStore(conn, clock)
    payload = body.model_dump(mode="json")
    return store.run(idempotency_key, fingerprint("POST", request.url.path, payload), apply)
