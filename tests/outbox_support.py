"""Helpers for the outbox tests: the sandbox admin API in-process on one settable clock shared with the desk, a
sleep that moves that clock on (so minutes of backoff pass at once), what the sandbox did (its effects, counted
in its own database), and approved requests on sandbox accounts."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI

from lifer_desk.admin_api import AdminClient
from lifer_desk.domain.identity import Field
from lifer_desk.domain.requests import DeletionScope
from lifer_desk.sandbox.accounts import etag_of
from lifer_desk.sandbox.app import create_app
from lifer_desk.sandbox.erasure_work import ErasureTiming
from lifer_desk.sandbox.faults import Faults
from lifer_desk.sandbox.runtime import runtime_of
from lifer_desk.services import requests
from lifer_desk.services.context import DeskContext
from tests.admin_api.admin_test_support import BASE_URL, TOKEN
from tests.request_support import Clock, open_ticket, record_verified


@dataclass
class MovingSleep:
    """Stands in for asyncio.sleep: moves the shared clock on, then runs whatever is due at the new time."""

    clock: Clock
    hooks: list[Callable[[], None]] = field(default_factory=list)
    slept: float = 0.0

    async def __call__(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))
        self.slept += seconds
        for hook in list(self.hooks):
            hook()


class Sandbox:
    """The sandbox app over `path`, on `clock`, and what it did, read from its own database."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self.app: FastAPI = create_app(path, TOKEN, clock=clock, erasure_timing=ErasureTiming())

    def set_faults(self, faults: Faults) -> None:
        runtime_of(self.app).faults = faults

    def client(self, sleep: MovingSleep, transport: httpx.AsyncBaseTransport | None = None) -> AdminClient:
        return AdminClient(
            BASE_URL, TOKEN, transport=transport or httpx.ASGITransport(app=self.app), sleep=sleep, in_process=True
        )

    def query(self, sql: str, *args: object) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.path)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def execute(self, sql: str, *args: object) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute(sql, args)
        finally:
            conn.close()

    def account_with_images(self, count: int = 3) -> tuple[str, list[str]]:
        (row,) = self.query("SELECT user_id FROM image GROUP BY user_id HAVING count(*) >= ? LIMIT 1", count)
        images = self.query("SELECT id FROM image WHERE user_id = ? ORDER BY id LIMIT ?", row["user_id"], count)
        return row["user_id"], [image["id"] for image in images]

    def deletions(self, user_id: str) -> list[tuple[str, str]]:
        rows = self.query("SELECT kind, object_id FROM deletion WHERE user_id = ? ORDER BY rowid", user_id)
        return [(row["kind"], row["object_id"]) for row in rows]

    def version(self, user_id: str) -> int:
        (row,) = self.query("SELECT version FROM user WHERE id = ?", user_id)
        return int(row["version"])

    def etag(self, user_id: str) -> str:
        (row,) = self.query("SELECT * FROM user WHERE id = ?", user_id)
        return etag_of(row)


def verified_ticket(alice: DeskContext, account: str) -> int:
    ticket_id = open_ticket(alice, account)
    record_verified(alice, ticket_id, account)
    return ticket_id


def approved_deletion(
    alice: DeskContext, sam: DeskContext, account: str, scope: DeletionScope, images: tuple[str, ...] = ()
) -> int:
    ticket_id = verified_ticket(alice, account)
    raised = requests.raise_deletion(alice, ticket_id, scope, etag=None, image_ids=images)
    return requests.approve(sam, raised.id).id


def correction(alice: DeskContext, account: str, etag: str, **values: str) -> int:
    ticket_id = verified_ticket(alice, account)
    changes = {Field(name): value for name, value in values.items()}
    return requests.raise_correction(alice, ticket_id, changes, etag=etag).id
