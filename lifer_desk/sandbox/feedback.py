"""Feedback from the app and the web, oldest first, paged by an opaque cursor."""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from lifer_desk.admin_api.models import FeedbackPage
from lifer_desk.sandbox.auth import require_token
from lifer_desk.sandbox.problems import ProblemError, problem_docs
from lifer_desk.sandbox.runtime import database

router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])

_PREFIX = "fbseq:"


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(_PREFIX) and text[len(_PREFIX) :].isdigit():
            return int(text[len(_PREFIX) :])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ProblemError(422, "after: not a cursor this API returned")


_ITEM = ("id", "channel", "submitted_at", "user_id", "text", "app_version", "platform")


@router.get("/feedback", response_model=FeedbackPage, responses=problem_docs())
async def list_feedback(
    conn: Annotated[sqlite3.Connection, Depends(database)],
    after: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    start = decode_cursor(after) if after is not None else 0
    rows = conn.execute(
        f"SELECT seq, {', '.join(_ITEM)} FROM feedback WHERE seq > ? ORDER BY seq LIMIT ?", (start, limit + 1)
    ).fetchall()
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1]["seq"]) if page else after
    # From the highest sequence number rather than a count, which would read every later row on each page of a
    # large backlog; erased items make it an overestimate, hence "about".
    last = conn.execute("SELECT max(seq) FROM feedback").fetchone()[0] or 0
    end = page[-1]["seq"] if page else start
    body = {
        "items": [dict(zip(_ITEM, row[1:], strict=True)) for row in page],
        "next_cursor": next_cursor,
        "has_more": len(rows) > limit,
        "remaining": max(last - end, 0),
    }
    # The rows as stored, in the shape of `FeedbackPage` (the response model the contract and the OpenAPI file
    # are checked against): a model per item, built and then serialised, was most of the cost of a page in the
    # benchmark's million-item first sync.
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), media_type="application/json")
