"""Run by test_services_feedback_kill: a sync that stops inside its third page's transaction, says so on stdout,
and waits there to be killed. Arguments: the desk's database URL and the sandbox database path."""

from __future__ import annotations

import asyncio
import sys
from functools import partial
from pathlib import Path
from typing import Any

from lifer_desk.cli.sandbox import open_admin
from lifer_desk.config import Settings
from lifer_desk.services import feedback_sync
from lifer_desk.services.context import AdminApiProvider, DeskContext
from lifer_desk.store import feedback as store
from lifer_desk.store.db import Database

PAGE_SIZE = 100


def main() -> None:
    url, sandbox = sys.argv[1], Path(sys.argv[2])
    settings = Settings(database_url=url)
    ctx = DeskContext(
        Database(url), settings, "alice", "agent", admin=AdminApiProvider(partial(open_admin, settings, sandbox))
    )
    insert = store.insert_items
    calls = 0

    def insert_then_wait(*args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        added = insert(*args, **kwargs)
        if calls == 3:
            # The page's rows are written and the cursor moved, all uncommitted: the moment to be killed.
            print("mid-page", flush=True)
            sys.stdin.readline()
        return added

    feedback_sync.store.insert_items = insert_then_wait  # type: ignore[method-assign]
    # A page per transaction, as the sync writes when its writes keep up with the fetching: the third insert is
    # then the third page's, with exactly two pages committed before it.
    feedback_sync.BATCH_ITEMS = PAGE_SIZE
    asyncio.run(feedback_sync.sync_feedback(ctx, page_size=PAGE_SIZE))


if __name__ == "__main__":
    main()
