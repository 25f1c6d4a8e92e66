"""Feedback from the app and the web, oldest first, paged by an opaque cursor."""

from __future__ import annotations

import base64
import binascii
import sqlite3
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from lifer_desk.admin_api.models import FeedbackItem, FeedbackPage
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


@router.get("/feedback", response_model=FeedbackPage, responses=problem_docs())
async def list_feedback(
    conn: Annotated[sqlite3.Connection, Depends(database)],
    after: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FeedbackPage:
    start = decode_cursor(after) if after is not None else 0
    rows = conn.execute("SELECT * FROM feedback WHERE seq > ? ORDER BY seq LIMIT ?", (start, limit + 1)).fetchall()
    page = rows[:limit]
    items = [
        FeedbackItem(
            id=r["id"],
            channel=r["channel"],
            submitted_at=r["submitted_at"],
            user_id=r["user_id"],
            text=r["text"],
            app_version=r["app_version"],
            platform=r["platform"],
        )
        for r in page
    ]
    next_cursor = encode_cursor(page[-1]["seq"]) if page else after
    # From the highest sequence number rather than a count, which would read every later row on each page of a
    # large backlog; erased items make it an overestimate, hence "about".
    last = conn.execute("SELECT max(seq) FROM feedback").fetchone()[0] or 0
    end = page[-1]["seq"] if page else start
    return FeedbackPage(items=items, next_cursor=next_cursor, has_more=len(rows) > limit, remaining=max(last - end, 0))
