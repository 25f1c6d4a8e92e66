"""`lifer-desk seed`: synthetic tickets for demos and benchmarks, with a progress bar."""

from __future__ import annotations

import typer

from lifer_desk.config import load_settings
from lifer_desk.i18n import _
from lifer_desk.services.context import DeskContext
from lifer_desk.services.database import open_database
from lifer_desk.services.identity import os_user
from lifer_desk.services.seed import MAX_TICKETS, seed_tickets
from lifer_desk.services.writing import HOST_ROLE


def seed_command(
    # Checked here as well as in the service, so that a bad count fails before the progress bar appears.
    tickets: int = typer.Option(..., "--tickets", "-n", min=1, max=MAX_TICKETS, help="How many tickets to add."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same tickets."),
) -> None:
    """Add deterministic synthetic tickets (Chinese and English) to the desk's database."""
    # Imported here: every `lifer-desk` start imports this module, and only seeding draws a bar.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    settings = load_settings()
    # One of the three commands that may create the database (with `db upgrade` and `demo`).
    db = open_database(settings, migrate=True)
    ctx = DeskContext(db=db, settings=settings, agent=os_user(), role=HOST_ROLE)
    columns = (TextColumn("seeding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("seed", total=tickets)
        first = seed_tickets(ctx, tickets, seed=seed, on_progress=lambda n: progress.advance(task, n))
    typer.echo(_("added tickets #{first}..#{last}").format(first=first, last=first + tickets - 1))
