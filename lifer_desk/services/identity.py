"""Who is at the desk: the one place that decides it (DESIGN 4).

Normally the SSH login is the authentication, so the agent is the OS user running the process. Demo
mode lets the desk switch between seeded agents. The hardened deployment (one service account reached
through forced SSH commands carrying `--agent NAME`) slots in here and nowhere else.
"""

from __future__ import annotations

import getpass

from lifer_desk.config import Settings
from lifer_desk.services.agents import ADD_HINT, AgentInfo, find_agent
from lifer_desk.services.errors import PermissionDenied, UnknownAgent
from lifer_desk.store.db import Database


def os_user() -> str:
    """The OS user running this process; what the CLI records as the actor of host-side commands."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        # No LOGNAME/USER and no passwd entry for the uid, as in some containers.
        raise UnknownAgent("cannot tell which OS user is running lifer-desk (set USER)") from None


def current_agent(db: Database, settings: Settings, *, demo: bool = False, as_agent: str | None = None) -> AgentInfo:
    """The active agent this session acts as; refused with the command that adds agents otherwise."""
    if demo:
        name = as_agent or settings.agent
        if not name:
            raise UnknownAgent("demo mode needs an agent: set LIFER_AGENT=NAME or pick one of the seeded agents")
    else:
        name = os_user()
        if as_agent is not None and as_agent != name:
            raise PermissionDenied(f"only demo mode may act as another agent ({as_agent!r}); you are {name!r}")
    agent = find_agent(db, name)
    if agent is None or not agent.active:
        state = "is not a lifer-desk agent" if agent is None else "is a deactivated lifer-desk agent"
        raise UnknownAgent(f"{name!r} {state}; an administrator can add it with `{ADD_HINT.replace('NAME', name)}`")
    return agent
