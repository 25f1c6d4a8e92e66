"""`lifer-desk dashboard --json`: the supervisors' dashboard figures, for scripts and monitoring."""

from __future__ import annotations

import json

import typer

from lifer_desk.cli.agent_context import agent_context
from lifer_desk.i18n import _
from lifer_desk.services import dashboard
from lifer_desk.services.errors import Refused


def dashboard_command(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON object."),
) -> None:
    """The dashboard's figures (supervisors only); the desk shows them in mode 5."""
    if not as_json:
        raise Refused(_("the dashboard is mode 5 of the desk; `lifer-desk dashboard --json` prints its figures"))
    typer.echo(json.dumps(dashboard.figures(agent_context()).to_json(), ensure_ascii=False, sort_keys=True))
