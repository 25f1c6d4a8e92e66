"""UI fixtures: a desk on a fresh SQLite database with a fixed clock, tickets opened through the services,
a fake admin API (and the real in-process sandbox where a test needs it), and a way to wait for workers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import suppress
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import changes
from lifer_desk.services.context import DeskContext
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.services.tickets import TicketDraft, open_ticket
from lifer_desk.store.db import Database
from lifer_desk.ui import DeskApp
from tests.fakes.admin_api import FakeAccount, FakeAdminApi, with_admin
from tests.ui.ui_support import ACCOUNT, NOW, context
from widgets.virtual_table import VirtualTable


@pytest.fixture
def database(sqlite_url: str) -> Iterator[Database]:
    db = Database(sqlite_url)
    yield db
    db.dispose()


@pytest.fixture
def ctx(database: Database) -> DeskContext:
    return context(database)


@pytest.fixture
def bob(database: Database) -> DeskContext:
    """Another agent on the same database."""
    return context(database, "bob")


TicketMaker = Callable[..., TicketDetail]


@pytest.fixture
def make_ticket(ctx: DeskContext) -> TicketMaker:
    def make(
        subject: str = "退款申请",
        *,
        body: str = "请尽快处理，谢谢。",
        requester: str = "zhang.san@qq.com",
        name: str = "张三",
        category: Category = Category.PAYMENT,
        priority: Priority = Priority.NORMAL,
        age: timedelta = timedelta(hours=1),
    ) -> TicketDetail:
        opened = replace(ctx, clock=lambda: NOW - age)
        draft = TicketDraft(Channel.EMAIL, subject, body, requester, name, category, priority)
        return open_ticket(opened, draft)

    return make


@pytest.fixture
def fake_admin() -> FakeAdminApi:
    """One known account (`ACCOUNT`), found by its exact email, username or id."""
    return FakeAdminApi(FakeAccount(ACCOUNT, email="zhang.san@qq.com", username="xiaozhang"))


@pytest.fixture
def desk_app(ctx: DeskContext, fake_admin: FakeAdminApi) -> Callable[[], DeskApp]:
    return lambda: DeskApp(with_admin(ctx, fake_admin))


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until every worker has finished and every table has its rows, including follow-up work.

    Idle must be seen twice running: a message still queued on a screen can start another fetch.
    """
    idle = 0
    for _ in range(100):
        with suppress(WorkerFailed, WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(table.is_loading for table in pilot.app.screen.query(VirtualTable))
        idle = 0 if busy or any(not worker.is_finished for worker in pilot.app.workers) else idle + 1
        if idle == 2:
            return
    raise AssertionError("the desk kept working")


@pytest.fixture(name="settle")
def settle_fixture() -> Callable[[Pilot[Any]], Awaitable[None]]:
    return settle


LOOK_TIMEOUT_S = 30.0


class ChangeLooks:
    """Counts the desk's looks at the database's change version (`services.changes.version`, read by every poll
    tick before any query), so that a test can wait for ticks without waiting on the clock."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._looked = asyncio.Event()
        real = changes.version

        def counted(ctx: DeskContext) -> Hashable:
            self._looked.set()
            return real(ctx)

        monkeypatch.setattr(changes, "version", counted)

    async def wait(self, pilot: Pilot[Any], ticks: int = 1) -> None:
        """Wait for `ticks` more looks, and for what they started."""
        for _ in range(ticks):
            self._looked.clear()
            # Not a timing check: a desk that never looks (polls by querying) fails here rather than hanging.
            try:
                await asyncio.wait_for(self._looked.wait(), LOOK_TIMEOUT_S)
            except TimeoutError:
                raise AssertionError("the desk never looked at the database's change version") from None
        await settle(pilot)


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> ChangeLooks:
    return ChangeLooks(monkeypatch)
