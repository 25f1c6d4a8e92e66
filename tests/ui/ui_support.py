"""What UI tests share besides fixtures: the fixed clock and a context on it.

Kept out of conftest.py, because `from conftest import` picks whichever conftest pytest loaded first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lifer_desk.config import Settings
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database

# Monday 2025-03-03, 12:00 in Shanghai: a normal working day, well inside the holiday calendar.
NOW = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)


def context(db: Database, agent: str = "alice", now: datetime = NOW) -> DeskContext:
    return DeskContext(db, Settings(database_url=db.url), agent, "agent", clock=lambda: now)
