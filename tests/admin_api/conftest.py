"""Fixtures for the admin-API client and the sandbox: a seeded database per test, copied from one per session."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from lifer_desk.admin_api import AdminClient
from lifer_desk.sandbox.app import create_app
from tests.admin_api.admin_test_support import BASE_URL, TOKEN, Clock, Sleeps, VerifyLeakGuard


@pytest.fixture
def db(sandbox_db: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(sandbox_db, isolation_level=None)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def app(sandbox_db: Path, clock: Clock, sleeps: Sleeps) -> FastAPI:
    return create_app(sandbox_db, TOKEN, clock=clock, sleep=sleeps)


@pytest.fixture
def guard(app: FastAPI, sandbox_db: Path) -> VerifyLeakGuard:
    return VerifyLeakGuard(httpx.ASGITransport(app=app), sandbox_db)


@pytest.fixture
async def client(guard: VerifyLeakGuard, sleeps: Sleeps) -> AsyncIterator[AdminClient]:
    async with AdminClient(BASE_URL, TOKEN, transport=guard, sleep=sleeps, in_process=True) as admin:
        yield admin


@pytest.fixture
async def raw(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Plain httpx against the sandbox, for requests the typed client would never send."""
    headers = {"Authorization": f"Bearer {TOKEN.reveal()}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=headers) as http:
        yield http
