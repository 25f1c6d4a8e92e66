"""The one way a desk use case opens a write transaction: as an agent who is still active.

An agent deactivated while their desk is open must not make another change (issue 12), so the check runs
inside the write transaction, where it cannot race the deactivation. Host-side work (`lifer-desk seed`, in
the role "host") acts for the host's operator rather than an agent, and has no agent row to check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from lifer_desk.services.agents import require_active
from lifer_desk.services.context import DeskContext

HOST_ROLE = "host"


@contextmanager
def writing(ctx: DeskContext) -> Iterator[Session]:
    """`ctx.db.write()`, refused with `AgentDeactivated` unless `ctx.agent` is an active agent."""
    with ctx.db.write() as session:
        if ctx.role != HOST_ROLE:
            require_active(session, ctx.agent)
        yield session
