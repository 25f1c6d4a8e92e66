"""What one sandbox app instance runs with: its database, token, fault switches, clock, randomness, pace."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
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


def runtime_of(app: FastAPI) -> Runtime:
    return app.state.runtime


def runtime(request: Request) -> Runtime:
    return runtime_of(request.app)


async def database(request: Request) -> AsyncIterator[sqlite3.Connection]:
    state = runtime(request)
    conn = connect(state.db_path)
    try:
        # Due erasure work lands before anything is read, so no caller sees data its erasure has outlived.
        settle_erasures(conn, state.erasure_timing, state.clock())
        yield conn
    finally:
        conn.close()


def now(request: Request) -> datetime:
    return runtime(request).clock()
