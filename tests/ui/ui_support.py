"""What UI tests share besides fixtures: the fixed clock, a context on it, and an account as the admin API sums it up.

Kept out of conftest.py, because `from conftest import` picks whichever conftest pytest loaded first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from textual.message import Message
from textual.notifications import Notification, Notify

from lifer_desk.admin_api import AccountStatus, UserSummary
from lifer_desk.config import Settings
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database
from tests.agent_support import enrol

# How many looks at the change version (the `looks` fixture) a test waits for a change to show: it shows at the
# first poll tick after its commit.
MAX_LOOKS = 10

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


class Notices:
    """The notifications the desk posted, as `run_test(message_hook=notices)` hands them over.

    Textual draws no toasts under `run_test`, so the posted `Notify` messages are what the agent would read.
    """

    def __init__(self) -> None:
        self.posted: list[Notification] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.posted.append(message.notification)

    @property
    def messages(self) -> list[str]:
        return [notification.message for notification in self.posted]
