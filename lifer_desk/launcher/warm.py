"""The launcher draws one first page before it forks any desk: headless, on a throwaway database of its own.

Importing is not all a desk does before its first page. Textual parses every widget's CSS and fills its caches,
SQLAlchemy compiles the first queries, and CPython 3.11 rewrites the bytecode of every function it runs as it
specialises it, inside the code object. Done in each child, that was most of a warm desk's start-up CPU, and each
write landed on a page the child shared with the server, which the kernel then copied: its memory. Done once here,
the children find it done (issue 16: first page within 1.0 s, PSS per desk within 60 MB).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from contextlib import suppress
from pathlib import Path

from lifer_desk.config import Settings
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets
from lifer_desk.services.agents import Actor, add_agent
from lifer_desk.services.context import DeskContext
from lifer_desk.services.database import open_database
from lifer_desk.ui.app import DeskApp

AGENT = "launcher-warm-up"
# A page with rows: the table's rendering is the bulk of a first paint.
TICKETS = 12
# However the warm-up goes, the server does not wait for it longer than this before it serves sessions.
WARM_UP_SECONDS = 20.0
# The desk's background work after its first page (counts, the later screens' imports) gets this long.
SETTLE_SECONDS = 3.0


def warm_up() -> None:
    """Open the desk on its first queue page, headless at 80x24, and close it. Any failure is only a colder
    start for the children: it is swallowed."""
    home = Path(tempfile.mkdtemp(prefix="lifer-desk-warm-"))
    try:
        with suppress(Exception):
            settings = Settings(database_url=f"sqlite:///{home / 'desk.db'}")
            if _migrated(settings):
                asyncio.run(asyncio.wait_for(_first_page(settings), WARM_UP_SECONDS))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _migrated(settings: Settings) -> bool:
    """Make the throwaway database in a forked child: Alembic, and Mako and Pygments with it, would otherwise stay
    in the launcher's memory, and so in every desk's (a forked desk maps all of it), for nothing."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - ends in os._exit
        code = 1
        try:
            open_database(settings, migrate=True).dispose()
            code = 0
        finally:
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


async def _first_page(settings: Settings) -> None:
    db = open_database(settings)
    try:
        add_agent(db, actor=Actor(AGENT, operator=True), name=AGENT, role="agent")
        ctx = DeskContext(db=db, settings=settings, agent=AGENT, role="agent")
        for number in range(TICKETS):
            draft = tickets.TicketDraft(
                Channel.EMAIL, f"退款申请 {number}", "help", f"a{number}@qq.com", "A", Category.PAYMENT, Priority.HIGH
            )
            tickets.open_ticket(ctx, draft)
        app = DeskApp(ctx)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            with suppress(TimeoutError):
                await asyncio.wait_for(app.workers.wait_for_complete(), SETTLE_SECONDS)
            await pilot.pause()
    finally:
        db.dispose()
