"""Fixtures the request and outbox service tests share: a settable clock, an agent (alice) and two supervisors
(sam, sue) on it."""

from __future__ import annotations

import pytest

from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database
from tests.request_support import Clock, context


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def alice(db: Database, clock: Clock) -> DeskContext:
    return context(db, clock, "alice", "agent")


@pytest.fixture
def sam(db: Database, clock: Clock) -> DeskContext:
    return context(db, clock, "sam", "supervisor")


@pytest.fixture
def sue(db: Database, clock: Clock) -> DeskContext:
    return context(db, clock, "sue", "supervisor")
