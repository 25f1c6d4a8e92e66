"""`lifer-desk demo`: a ready desk on the embedded default, with tickets written by sandbox accounts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select

from lifer_desk.config import Settings, data_dir
from lifer_desk.services.agents import Actor, add_agent, find_agent
from lifer_desk.services.context import DeskContext
from lifer_desk.services.database import open_database
from lifer_desk.services.seed import seed_tickets
from lifer_desk.services.synthetic import Requester
from lifer_desk.store.models import Ticket

DEMO_TICKETS = 5_000
DEMO_CONTACTS = 400
DEMO_AGENTS = (
    ("demo-agent", "agent", "Demo Agent"),
    ("demo-supervisor", "supervisor", "Demo Supervisor"),
    ("li.wei", "agent", "李伟"),
    ("emma.w", "agent", "Emma Wang"),
)
DEMO_AS = {"agent": "demo-agent", "supervisor": "demo-supervisor"}
# The demo seeds its own database, so it operates that desk as the host operator would.
DEMO_OPERATOR = Actor("demo", operator=True)


class DemoContact(Protocol):
    """A customer of the demo: an account of the admin API the demo runs on, so lookups and verify find it."""

    @property
    def email(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def language(self) -> str: ...


# The first `limit` accounts of the sandbox at the path, seeding it if needed. Handed in by `cli`, which alone
# may import the sandbox.
ContactSource = Callable[[Path, int], Sequence[DemoContact]]


@dataclass(frozen=True)
class DemoDesk:
    ctx: DeskContext
    settings: Settings
    sandbox_path: Path


def _requesters(contacts: ContactSource, sandbox_path: Path) -> list[Requester]:
    """Every third contact writes in with a username instead of an email, as callers do."""
    return [
        Requester(
            contact=c.username if n % 3 == 2 else c.email,
            name=c.display_name,
            language=c.language,
        )
        for n, c in enumerate(contacts(sandbox_path, DEMO_CONTACTS))
    ]


def prepare_demo(settings: Settings, *, role: str, contacts: ContactSource, home: Path | None = None) -> DemoDesk:
    """Create or reuse the demo database and sandbox under `home` (the user data directory)."""
    home = home or data_dir()
    settings = replace(settings, database_url=f"sqlite:///{home / 'demo.db'}", admin_url=None)
    sandbox_path = home / "demo-sandbox.db"
    db = open_database(settings, migrate=True)
    for name, agent_role, display in DEMO_AGENTS:
        if find_agent(db, name) is None:
            add_agent(db, actor=DEMO_OPERATOR, name=name, role=agent_role, display_name=display)
    agent = find_agent(db, DEMO_AS[role])
    assert agent is not None
    ctx = DeskContext(db=db, settings=settings, agent=agent.name, role=agent.role)
    with db.read() as session:
        has_tickets = session.execute(select(func.count()).select_from(Ticket)).scalar_one() > 0
    if not has_tickets:
        agents = [name for name, _role, _display in DEMO_AGENTS]
        seed_tickets(ctx, DEMO_TICKETS, seed=2026, requesters=_requesters(contacts, sandbox_path), agents=agents)
    return DemoDesk(ctx, settings, sandbox_path)
