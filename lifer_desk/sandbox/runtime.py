"""What one sandbox app instance runs with: its database, token, fault switches, clock and randomness."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi import Request

from lifer_desk.config import Secret
from lifer_desk.sandbox.database import connect
from lifer_desk.sandbox.faults import Faults


@dataclass
class Runtime:
    db_path: Path
    token: Secret
    faults: Faults
    clock: Callable[[], datetime]
    sleep: Callable[[float], Awaitable[None]]
    rng: random.Random


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def database(request: Request) -> AsyncIterator[sqlite3.Connection]:
    conn = connect(runtime(request).db_path)
    try:
        yield conn
    finally:
        conn.close()


def now(request: Request) -> datetime:
    return runtime(request).clock()
