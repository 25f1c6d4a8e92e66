"""`lifer-desk agents ...`: run on the host by a supervisor or its operator, who is recorded as the actor.

The actor is the real uid (`services.identity.host_actor`); the services decide whether it may manage agents
and audit refusals, and a refusal ends here as one line with exit code 2 (see `cli.main`).
"""

from __future__ import annotations

import typer
from rich.cells import cell_len

from lifer_desk.config import load_settings
from lifer_desk.services.agents import AgentInfo, add_agent, deactivate_agent, list_agents, set_role
from lifer_desk.services.database import open_database
from lifer_desk.services.identity import host_actor

agents_app = typer.Typer(
    help="Add, list and deactivate the desk's agents, and change their roles.", no_args_is_help=True
)


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
    settings = load_settings()
    actor = host_actor(settings)
    outcome = add_agent(open_database(settings), actor=actor, name=name, role=role, display_name=display_name)
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
    """Deactivate an agent: they can no longer use the desk (an open desk stops at its next change)."""
    settings = load_settings()
    agent = deactivate_agent(open_database(settings), actor=host_actor(settings), name=name)
    typer.echo(f"agent {agent.name} deactivated")


@agents_app.command("role")
def role_command(
    name: str = typer.Argument(..., metavar="NAME", help="The agent's name."),
    role: str = typer.Option(..., "--role", help="agent or supervisor."),
) -> None:
    """Change an active agent's role."""
    settings = load_settings()
    agent = set_role(open_database(settings), actor=host_actor(settings), name=name, role=role)
    typer.echo(f"agent {agent.name} is now {agent.role.value}")
