"""Helpers shared by the admin-API and sandbox tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from lifer_desk.config import Secret
from lifer_desk.sandbox.idempotency import IdempotencyStore, fingerprint

TOKEN = Secret("test-token-5f1d2c9a8b7e")
BASE_URL = "http://sandbox.test"


class Clock:
    """A settable clock for the sandbox, so rate windows and key expiry are tested without waiting."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Sleeps:
    """Stands in for asyncio.sleep: records what the client would have waited."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def stored_forms(email: str, username: str, birthday: str) -> set[str]:
    """Every way a stored value could leak: as stored, and the birthday in the forms verify accepts."""
    day = date.fromisoformat(birthday)
    return {
        email,
        username,
        birthday,
        day.strftime("%Y%m%d"),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
    }


def assert_no_stored_values(body: str, forms: set[str]) -> None:
    leaked = sorted(form for form in forms if form in body)
    assert not leaked, f"verify response leaked stored registration data: {leaked}"


class VerifyLeakGuard(httpx.AsyncBaseTransport):
    """Wraps the sandbox transport and checks every verify response against the account's stored values."""

    def __init__(self, inner: httpx.AsyncBaseTransport, db_path: Path) -> None:
        self._inner = inner
        self._db_path = db_path
        self.checked = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        forms: set[str] = set()
        if request.method == "POST" and path.endswith("/verify"):
            user_id = path.split("/")[-2]
            with sqlite3.connect(self._db_path) as conn:
                row = conn.execute("SELECT email, username, birthday FROM user WHERE id = ?", (user_id,)).fetchone()
            forms = stored_forms(*row) if row else set()
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        if forms:
            assert_no_stored_values(body.decode(), forms)
            self.checked += 1
        return httpx.Response(response.status_code, headers=response.headers, content=body)


def pick_user(db: sqlite3.Connection, where: str = "1", *params: object) -> sqlite3.Row:
    row = db.execute(f"SELECT * FROM user WHERE {where} ORDER BY rowid LIMIT 1", params).fetchone()
    assert row is not None, f"the seed has no account where {where}"
    return row


def user_with_images(db: sqlite3.Connection) -> sqlite3.Row:
    return pick_user(db, "id IN (SELECT user_id FROM image)")


def claim_image_deletion(db: sqlite3.Connection, clock: Clock, key: str) -> tuple[str, str, str]:
    """Claim `key` for deleting an account's image, as a request still running (or dead mid-way) would.

    Returns the account id, the image id and the image's path.
    """
    row = user_with_images(db)
    image_id = db.execute("SELECT id FROM image WHERE user_id = ?", (row["id"],)).fetchone()[0]
    path = f"/v1/users/{row['id']}/images/{image_id}"
    IdempotencyStore(db, clock()).begin(key, fingerprint("DELETE", path, None))
    return row["id"], image_id, path
