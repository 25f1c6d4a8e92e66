"""`lifer-desk feedback sync|stats`: import feedback from the admin API, and print its figures.

The same services as the desk: the sync acts as the OS user's agent and can run beside any number of desks.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from functools import partial
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from lifer_desk.cli.sandbox import open_admin
from lifer_desk.config import load_settings
from lifer_desk.i18n import _
from lifer_desk.services.context import AdminApiProvider, DeskContext
from lifer_desk.services.database import open_database
from lifer_desk.services.feedback_stats import feedback_stats
from lifer_desk.services.feedback_sync import SyncProgress, SyncResult, sync_feedback
from lifer_desk.services.identity import current_agent

feedback_app = typer.Typer(help="Feedback from the app and the web: sync it, and print its figures.")

# A backlog this large gets a progress bar; a routine sync of a few pages prints its one line only.
PROGRESS_FROM = 2_000


def _context() -> DeskContext:
    settings = load_settings()
    db = open_database(settings)
    agent = current_agent(db, settings)
    ctx = DeskContext(db=db, settings=settings, agent=agent.name, role=agent.role)
    return replace(ctx, admin=AdminApiProvider(partial(open_admin, settings)))


class _Bar:
    """A progress bar that appears only once the admin API says the backlog is large, so a routine sync prints
    its one line and nothing else."""

    def __init__(self) -> None:
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, step: SyncProgress) -> None:
        if step.remaining is None or step.imported + step.remaining < PROGRESS_FROM:
            return
        if self._progress is None:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            self._progress = Progress(*columns, transient=True)
            self._progress.start()
            self._task = self._progress.add_task(_("importing feedback"))
        assert self._task is not None  # made with the progress
        self._progress.update(self._task, completed=step.imported, total=step.imported + step.remaining)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()


async def _sync(ctx: DeskContext, bar: _Bar) -> SyncResult:
    try:
        return await sync_feedback(ctx, progress=bar)
    finally:
        bar.stop()
        await ctx.admin.aclose()


@feedback_app.command()
def sync() -> None:
    """Import new feedback from where the last sync stopped; safe to stop, repeat or run beside desks."""
    result = asyncio.run(_sync(_context(), _Bar()))
    typer.echo(_("imported {n:,} feedback items in {pages:,} pages").format(n=result.imported, pages=result.pages))


@feedback_app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
    """Feedback per mailbox, per tag, per day and per app version."""
    figures = feedback_stats(_context())
    if as_json:
        typer.echo(json.dumps(figures.to_json(), ensure_ascii=False, sort_keys=True))
        return
    for name in ("total", "inbox", "reviewed", "spam", "converted"):
        typer.echo(f"{name}\t{getattr(figures, name)}")
    for title, table in (("tag", figures.by_tag), ("day", figures.by_day), ("app version", figures.by_app_version)):
        for key, value in table.items():
            typer.echo(f"{title}\t{key}\t{value}")
