"""Routes over accounts: lookup, profile, verify, correction, images."""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from lifer_desk.admin_api.models import (
    FieldOutcome,
    ImageDeletion,
    ImageList,
    UserChanges,
    UserProfile,
    UserSummary,
    VerifyClaims,
    VerifyResult,
)
from lifer_desk.sandbox.accounts import etag_of, find_user, profile_of, summary_of
from lifer_desk.sandbox.auth import require_token
from lifer_desk.sandbox.claims import normalise_email, normalise_username, parse_birthday, parse_gender
from lifer_desk.sandbox.database import iso
from lifer_desk.sandbox.idempotency import IdempotencyKey, IdempotencyStore, fingerprint
from lifer_desk.sandbox.problems import ProblemError, problem_docs
from lifer_desk.sandbox.runtime import database, now

router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])

Db = Annotated[sqlite3.Connection, Depends(database)]
Now = Annotated[datetime, Depends(now)]

VERIFY_LIMIT = 10
VERIFY_WINDOW = timedelta(hours=1)
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_USERNAME_MAX = 32


@router.get("/users", response_model=UserSummary, responses=problem_docs(404))
async def lookup_user(
    conn: Db,
    clock: Now,
    email: Annotated[str | None, Query(max_length=320)] = None,
    username: Annotated[str | None, Query(max_length=128)] = None,
    id: Annotated[str | None, Query(max_length=64)] = None,
) -> UserSummary:
    """Exact lookup by exactly one of email, username or id."""
    given = [(col, v) for col, v in (("email", email), ("username", username), ("id", id)) if v is not None]
    if len(given) != 1:
        raise ProblemError(422, "give exactly one of email, username or id")
    column, value = given[0]
    value = {"email": normalise_email, "username": normalise_username}.get(column, str)(value)
    row = conn.execute(f"SELECT * FROM user WHERE {column} = ?", (value,)).fetchone()
    if row is None:
        raise ProblemError(404, f"no account with this {column}")
    return summary_of(row, clock.date())


@router.get("/users/{user_id}", response_model=UserProfile, responses=problem_docs(404))
async def get_user(user_id: str, conn: Db, clock: Now) -> JSONResponse:
    row = find_user(conn, user_id)
    profile = profile_of(conn, row, clock.date())
    return JSONResponse(profile.model_dump(mode="json"), headers={"ETag": profile.etag})


def _compare(stored: str | None, claimed: str | None, normalise: Callable[[str], object]) -> FieldOutcome | None:
    if claimed is None:
        return None
    if stored is None:
        return "absent"
    # Both sides: a stored value written before today's rules (or by another client) still compares fairly.
    return "match" if normalise(stored) == normalise(claimed) else "mismatch"


@router.post(
    "/users/{user_id}/verify",
    response_model=VerifyResult,
    response_model_exclude_none=True,
    responses=problem_docs(404, 429),
)
async def verify(user_id: str, claims: VerifyClaims, conn: Db, clock: Now) -> VerifyResult:
    """Compare claims with what the account registered; answers per field, never a stored value."""
    if claims.model_dump(exclude_none=True) == {}:
        raise ProblemError(422, "state at least one of email, username, birthday or gender")
    if claims.birthday is not None and parse_birthday(claims.birthday) is None:
        raise ProblemError(422, "birthday: not a date (use 1990-05-17, 1990/5/17, 19900517 or 1990年5月17日)")
    if claims.gender is not None and parse_gender(claims.gender) is None:
        raise ProblemError(422, "gender: use male, female, other, 男 or 女")
    row = find_user(conn, user_id)
    window_start = iso(clock - VERIFY_WINDOW)
    recent = conn.execute(
        "SELECT at FROM verify_call WHERE user_id = ? AND at > ? ORDER BY at", (user_id, window_start)
    ).fetchall()
    if len(recent) >= VERIFY_LIMIT:
        wait = datetime.fromisoformat(recent[0]["at"]) + VERIFY_WINDOW - clock
        retry_after = str(max(1, math.ceil(wait.total_seconds())))
        raise ProblemError(429, "too many verify calls for this account", headers={"Retry-After": retry_after})
    conn.execute("INSERT INTO verify_call VALUES (?, ?)", (user_id, iso(clock)))
    return VerifyResult(
        user_id=user_id,
        email=_compare(row["email"], claims.email, normalise_email),
        username=_compare(row["username"], claims.username, normalise_username),
        birthday=_compare(row["birthday"], claims.birthday, parse_birthday),
        gender=_compare(row["gender"], claims.gender, parse_gender),
    )


def _checked_changes(changes: UserChanges, today: date) -> dict[str, str]:
    """The changes as stored values; refuses what the service would refuse (422)."""
    values: dict[str, str] = {}
    if changes.email is not None:
        email = normalise_email(changes.email)
        if not _EMAIL.fullmatch(email):
            raise ProblemError(422, "email: not a valid address")
        values["email"] = email
    if changes.username is not None:
        username = normalise_username(changes.username)
        if not 3 <= len(username) <= _USERNAME_MAX or any(c.isspace() or not c.isprintable() for c in username):
            raise ProblemError(422, f"username: 3 to {_USERNAME_MAX} printable characters, no spaces")
        values["username"] = username
    if changes.birthday is not None:
        if not date(1900, 1, 1) <= changes.birthday <= today:
            raise ProblemError(422, "birthday: must be between 1900-01-01 and today")
        values["birthday"] = changes.birthday.isoformat()
    if changes.gender is not None:
        values["gender"] = changes.gender.value
    if not values:
        raise ProblemError(422, "no change given")
    return values


@router.patch("/users/{user_id}", response_model=UserProfile, responses=problem_docs(404, 409, 412, 428, keyed=True))
async def update_user(
    user_id: str,
    changes: UserChanges,
    request: Request,
    conn: Db,
    clock: Now,
    idempotency_key: IdempotencyKey,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=128)] = None,
) -> Response:
    """Correct email, username, birthday or gender. Needs If-Match (the ETag read before)."""
    if if_match is None:
        raise ProblemError(428, "If-Match is required: send the ETag you read")

    def apply() -> Response:
        row = find_user(conn, user_id)
        if if_match != etag_of(row):
            raise ProblemError(412, "the account changed since it was read; read it again")
        values = _checked_changes(changes, clock.date())
        for column in ("email", "username"):
            if column in values:
                taken = conn.execute(
                    f"SELECT 1 FROM user WHERE {column} = ? AND id != ?", (values[column], user_id)
                ).fetchone()
                if taken:
                    raise ProblemError(409, f"{column} is already taken by another account")
        assignments = ", ".join(f"{column} = ?" for column in values)
        conn.execute(f"UPDATE user SET {assignments}, version = version + 1 WHERE id = ?", (*values.values(), user_id))
        profile = profile_of(conn, find_user(conn, user_id), clock.date())
        return JSONResponse(profile.model_dump(mode="json"), headers={"ETag": profile.etag})

    store = IdempotencyStore(conn, clock)
    payload = changes.model_dump(mode="json", exclude_none=True)
    return store.run(idempotency_key, fingerprint("PATCH", request.url.path, payload), apply)


@router.get("/users/{user_id}/images", response_model=ImageList, responses=problem_docs(404))
async def list_images(user_id: str, conn: Db) -> ImageList:
    find_user(conn, user_id)
    rows = conn.execute(
        "SELECT id, uploaded_at, bytes FROM image WHERE user_id = ? ORDER BY uploaded_at, id", (user_id,)
    ).fetchall()
    return ImageList(items=[dict(row) for row in rows])


@router.delete(
    "/users/{user_id}/images/{image_id}", response_model=ImageDeletion, responses=problem_docs(404, keyed=True)
)
async def delete_image(
    user_id: str, image_id: str, request: Request, conn: Db, clock: Now, idempotency_key: IdempotencyKey
) -> Response:
    def apply() -> Response:
        gone = conn.execute("DELETE FROM image WHERE id = ? AND user_id = ?", (image_id, user_id))
        if gone.rowcount == 0:
            raise ProblemError(404, "no such image on this account")
        conn.execute(
            "INSERT INTO deletion (kind, object_id, user_id, deleted_at) VALUES ('image', ?, ?, ?)",
            (image_id, user_id, iso(clock)),
        )
        deletion = ImageDeletion(image_id=image_id, deleted_at=clock)
        return JSONResponse(deletion.model_dump(mode="json"))

    store = IdempotencyStore(conn, clock)
    return store.run(idempotency_key, fingerprint("DELETE", request.url.path, None), apply)
