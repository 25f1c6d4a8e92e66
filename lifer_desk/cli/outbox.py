"""`lifer-desk outbox ...`: run the deliverer as a service, and say how delivery stands.

`run` is the same deliverer every open desk runs in the background; any number may run at once (each row is
leased). `--until-idle` exits once nothing is pending or in flight, for scripts and cron.
"""

from __future__ import annotations

import asyncio
import json

import typer

from lifer_desk.cli.requests import cli_context
from lifer_desk.i18n import _
from lifer_desk.services.context import DeskContext
from lifer_desk.services.outbox import delivery_health

outbox_app = typer.Typer(help="Deliver approved requests to the admin API, and show how delivery stands.")


async def _deliver(ctx: DeskContext, until_idle: bool) -> None:
    from lifer_desk.cli.sandbox import open_admin
    from lifer_desk.services.outbox_deliverer import Deliverer

    async with open_admin(ctx.settings) as api:
        await Deliverer(ctx, api).run(until_idle=until_idle)


@outbox_app.command("run")
def run_command(
    until_idle: bool = typer.Option(False, "--until-idle", help="Exit once nothing is pending or in flight."),
) -> None:
    """Deliver outbox rows until stopped (or, with --until-idle, until there is nothing left)."""
    asyncio.run(_deliver(cli_context(), until_idle))


@outbox_app.command("status")
def status_command(as_json: bool = typer.Option(False, "--json", help="The figures as one JSON object.")) -> None:
    """Rows pending and in flight, requests failed, and since when the admin API keeps failing."""
    health = delivery_health(cli_context())
    if as_json:
        typer.echo(json.dumps(health.to_json(), sort_keys=True))
        return
    typer.echo(_("pending: {n}").format(n=health.pending))
    typer.echo(_("in flight: {n}").format(n=health.in_flight))
    typer.echo(_("failed requests: {n}").format(n=health.failed))
    if health.failing_since is not None:
        typer.echo(_("admin API failing since {at:%Y-%m-%d %H:%M} UTC").format(at=health.failing_since))
