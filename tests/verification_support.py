"""Helpers for the verification tests (services and UI): stored sandbox values, a counting client, a DB dump.

The stored values are read here only to type them in as a caller would, and to assert that they never leak.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
from sqlmodel import SQLModel

from lifer_desk.admin_api import AdminClient
from lifer_desk.config import Secret
from lifer_desk.store import models  # noqa: F401  (fills the metadata that dump_database walks)
from lifer_desk.store.db import Database

TOKEN = Secret("verification-test-token-7c41")
BASE_URL = "http://sandbox.verification.test"


@dataclass(frozen=True)
class StoredUser:
    id: str
    email: str
    username: str
    birthday: str
    gender: str | None

    def forms(self) -> set[str]:
        """Every way a stored value could leak: as stored, and the birthday as verify accepts it."""
        day = date.fromisoformat(self.birthday)
        return {
            self.email,
            self.username,
            self.birthday,
            day.strftime("%Y%m%d"),
            f"{day.year}/{day.month}/{day.day}",
            f"{day.year}年{day.month}月{day.day}日",
        }


def stored_user(path: Path, where: str = "1") -> StoredUser:
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            f"SELECT id, email, username, birthday, gender FROM user WHERE {where} ORDER BY rowid LIMIT 1"
        ).fetchone()
    assert row is not None, f"the sandbox seed has no account where {where}"
    return StoredUser(*row)


ADULT_WITH_GENDER = "gender IS NOT NULL AND birthday < '2000-01-01'"
UNDER_14_WITHOUT_CONSENT = "birthday > date('now', '-13 years') AND COALESCE(guardian_consent, 0) = 0"


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the verify calls that reach the sandbox; answers them 429 while `rate_limited` is set, and fails
    every call to connect while `unreachable` is set."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self.verify_calls = 0
        self.rate_limited = False
        self.unreachable = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.unreachable:
            raise httpx.ConnectError("connection refused", request=request)
        if request.method == "POST" and request.url.path.endswith("/verify"):
            self.verify_calls += 1
            if self.rate_limited:
                problem = {"title": "too many verify calls for this account", "status": 429}
                return httpx.Response(429, json=problem, headers={"Retry-After": "3600"})
        return await self._inner.handle_async_request(request)


async def _no_wait(seconds: float) -> None:
    pass


def sandbox_client(transport: CountingTransport) -> AdminClient:
    # No waiting between retries: an unreachable sandbox fails at once instead of after the backoff.
    return AdminClient(BASE_URL, TOKEN, transport=transport, in_process=True, sleep=_no_wait)


def dump_database(db: Database) -> str:
    """Every row of every desk table as text, for asserting that no stored value was written anywhere."""
    lines = []
    with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                lines.append(f"{table.name}: {tuple(row)}")
    return "\n".join(lines)


def leaked(text: str, user: StoredUser) -> list[str]:
    return sorted(form for form in user.forms() if form in text)
