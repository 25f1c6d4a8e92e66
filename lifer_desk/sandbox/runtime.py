"""What one sandbox app instance runs with: its database, token, fault switches, clock, randomness, pace."""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request

from lifer_desk.config import Secret
from lifer_desk.sandbox.database import connect
from lifer_desk.sandbox.erasure_work import ErasureTiming, settle_erasures
from lifer_desk.sandbox.faults import Faults


@dataclass
class Runtime:
    db_path: Path
    token: Secret
    faults: Faults
    clock: Callable[[], datetime]
    sleep: Callable[[float], Awaitable[None]]
    rng: random.Random
    erasure_timing: ErasureTiming
    # One connection per thread, opened on its first request and kept: opening one (and reading the schema
    # again) cost more than the request itself. Requests on one thread run one after another (every handler
    # is synchronous between its first and last statement), so a connection is never used by two at once.
    _connections: threading.local = field(default_factory=threading.local, repr=False)

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._connections, "conn", None)
        if conn is None:
            conn = self._connections.conn = connect(self.db_path)
        return conn


def runtime_of(app: FastAPI) -> Runtime:
    return app.state.runtime


def runtime(request: Request) -> Runtime:
    return runtime_of(request.app)


async def database(request: Request) -> AsyncIterator[sqlite3.Connection]:
    state = runtime(request)
    conn = state.connection()
    # Due erasure work lands before anything is read, so no caller sees data its erasure has outlived.
    settle_erasures(conn, state.erasure_timing, state.clock())
    try:
        yield conn
    finally:
        if conn.in_transaction:
            # A handler that failed mid-way must not leave its transaction open on the kept connection.
            conn.execute("ROLLBACK")


async def now(request: Request) -> datetime:
    # async for the reason require_token is: no worker-thread hop per call.
    return runtime(request).clock()
