"""Whether anything was committed since the desk last looked: screens that poll read this before querying."""

from __future__ import annotations

from collections.abc import Hashable

from lifer_desk.services.context import DeskContext


def version(ctx: DeskContext) -> Hashable:
    """A value that moves whenever any desk may have committed a change since the last one read; cheap enough to
    read on the UI's thread (no table is read, nothing waits on a lock). Equal readings mean nothing changed."""
    return ctx.db.changes.version()
