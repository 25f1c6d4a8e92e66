"""What UI tests share besides fixtures: the fixed clock, a context on it, and an account as the admin API sums it up.

Kept out of conftest.py, because `from conftest import` picks whichever conftest pytest loaded first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from agent_support import enrol

from lifer_desk.admin_api import AccountStatus, UserSummary
from lifer_desk.config import Settings
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database

# Monday 2025-03-03, 12:00 in Shanghai: a normal working day, well inside the holiday calendar.
NOW = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)


def context(db: Database, agent: str = "alice", now: datetime = NOW) -> DeskContext:
    enrol(db, agent)
    return DeskContext(db, Settings(database_url=db.url), agent, "agent", clock=lambda: now)


ACCOUNT = UserSummary(
    id="u_0001",
    email_masked="z***@qq.com",
    username_masked="x***",
    registered_at=datetime(2021, 5, 17, 2, 0, tzinfo=UTC),
    status=AccountStatus.ACTIVE,
    minor=False,
    under_14=False,
    guardian_consent=None,
    etag='"1"',
)
