"""What every use case needs: the database, the settings, who is acting, the clock, and the admin API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from lifer_desk.config import Settings
from lifer_desk.domain.sla import SlaPolicy
from lifer_desk.store.db import Database
from lifer_desk.store.types import utcnow

if TYPE_CHECKING:
    from lifer_desk.admin_api import AdminApi

CLAIM_LEASE = timedelta(minutes=15)

AdminApiFactory = Callable[[], "AdminApi"]


def _no_admin_api() -> AdminApi:
    raise RuntimeError("this command was started without an admin API")


class AdminApiProvider:
    """The admin API, opened on first use and closed once at the end.

    Opening runs in a thread: the in-process sandbox seeds its database first, which takes a moment, and the
    real client's construction loads httpx, which the desk does not pay for before its first queue page. A
    factory that raises (a bad setting) is tried again on the next use, so the agent can fix it and retry.
    Only services call `get`; the UI never holds the client.
    """

    def __init__(self, factory: AdminApiFactory = _no_admin_api) -> None:
        self._factory = factory
        self._api: AdminApi | None = None
        self._lock = asyncio.Lock()
        self._on_open: list[Callable[[bool], object]] = []

    def on_open(self, listener: Callable[[bool], object]) -> None:
        """Call `listener(in_process)` once the API is open (at once if it is already)."""
        self._on_open.append(listener)
        if self._api is not None:
            listener(self._api.in_process)

    async def get(self) -> AdminApi:
        async with self._lock:
            if self._api is None:
                self._api = await asyncio.to_thread(self._factory)
                for listener in self._on_open:
                    listener(self._api.in_process)
            return self._api

    async def aclose(self) -> None:
        async with self._lock:
            api, self._api = self._api, None
        if api is not None:
            await api.aclose()


@dataclass(frozen=True)
class DeskContext:
    db: Database
    settings: Settings
    agent: str
    role: str
    clock: Callable[[], datetime] = utcnow
    lease: timedelta = CLAIM_LEASE
    # Shared by every copy made with `replace`: one client per desk, whatever clock or agent a copy has.
    admin: AdminApiProvider = field(default_factory=AdminApiProvider, compare=False, repr=False)

    @property
    def sla(self) -> SlaPolicy:
        return self.settings.sla_policy

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"
