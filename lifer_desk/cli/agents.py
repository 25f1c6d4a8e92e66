"""`lifer-desk agents ...`: run on the host by its administrator, who is recorded as the actor."""

from __future__ import annotations

import typer
from rich.cells import cell_len

from lifer_desk.config import load_settings
from lifer_desk.services.agents import AgentInfo, add_agent, deactivate_agent, list_agents
from lifer_desk.services.database import open_database
from lifer_desk.services.identity import os_user

agents_app = typer.Typer(help="Add, list and deactivate the desk's agents.", no_args_is_help=True)


def _pad(value: str, width: int) -> str:
    # Cell widths, not len(): Chinese display names take two cells per character.
    return value + " " * (width - cell_len(value))


def _table(agents: list[AgentInfo]) -> list[str]:
    rows = [("NAME", "ROLE", "STATE", "DISPLAY NAME")]
    rows += [(a.name, a.role.value, "active" if a.active else "deactivated", a.display_name) for a in agents]
    widths = [max(cell_len(row[i]) for row in rows) for i in range(3)]
    return ["  ".join([*(_pad(row[i], widths[i]) for i in range(3)), row[3]]).rstrip() for row in rows]


@agents_app.command("add")
def add_command(
    name: str = typer.Argument(..., metavar="NAME", help="The agent's OS user name."),
    role: str = typer.Option(..., "--role", help="agent or supervisor."),
    display_name: str | None = typer.Option(None, "--display-name", help="Shown in the desk; defaults to NAME."),
) -> None:
    """Add an agent (or bring back a deactivated one)."""
    actor = os_user()
    outcome = add_agent(open_database(load_settings()), actor=actor, name=name, role=role, display_name=display_name)
    verb = "reactivated" if outcome.reactivated else "added"
    typer.echo(f"agent {outcome.agent.name} {verb} as {outcome.agent.role.value}")


@agents_app.command("list")
def list_command() -> None:
    """List every agent, deactivated ones included."""
    agents = list_agents(open_database(load_settings()))
    if not agents:
        typer.echo("no agents yet; add one with `lifer-desk agents add NAME --role agent`")
        return
    for line in _table(agents):
        typer.echo(line)


@agents_app.command("deactivate")
def deactivate_command(name: str = typer.Argument(..., metavar="NAME", help="The agent's name.")) -> None:
    """Deactivate an agent: they can no longer use the desk; their history stays."""
    actor = os_user()
    agent = deactivate_agent(open_database(load_settings()), actor=actor, name=name)
    typer.echo(f"agent {agent.name} deactivated")
