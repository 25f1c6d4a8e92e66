"""What every use case needs: the database, the settings, who is acting, and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lifer_desk.config import Settings
from lifer_desk.domain.sla import SlaPolicy
from lifer_desk.store.db import Database
from lifer_desk.store.types import utcnow

CLAIM_LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class DeskContext:
    db: Database
    settings: Settings
    agent: str
    role: str
    clock: Callable[[], datetime] = utcnow
    lease: timedelta = CLAIM_LEASE

    @property
    def sla(self) -> SlaPolicy:
        return self.settings.sla_policy

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"
