"""The desk context of the agent at the keyboard, for the commands that act as them."""

from __future__ import annotations

from lifer_desk.config import load_settings
from lifer_desk.services.context import DeskContext
from lifer_desk.services.database import open_database
from lifer_desk.services.identity import current_agent


def agent_context() -> DeskContext:
    settings = load_settings()
    db = open_database(settings)
    agent = current_agent(db, settings)
    return DeskContext(db=db, settings=settings, agent=agent.name, role=agent.role)
