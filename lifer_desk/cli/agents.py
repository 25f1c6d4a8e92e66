"""`lifer-desk agents ...`: run on the host by a supervisor or its operator, who is recorded as the actor.

The actor is the real uid (`services.identity.host_actor`); the services decide whether it may manage agents
and audit refusals, and a refusal ends here as one line with exit code 2 (see `cli.main`).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.cells import cell_len

from lifer_desk.config import load_settings
from lifer_desk.i18n import LANGUAGES, _
from lifer_desk.services import ssh_keys
from lifer_desk.services.agents import AgentInfo, add_agent, deactivate_agent, list_agents, set_language, set_role
from lifer_desk.services.database import open_database
from lifer_desk.services.deployment import end_sessions
from lifer_desk.services.identity import host_actor

# `agents set NAME --lang default`: the agent follows the host's LIFER_LANG again.
FOLLOW_SETTING = "default"

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
    ssh_key: Path | None = typer.Option(
        None, "--ssh-key", metavar="FILE", help="Their public key: installed in the service account's authorized_keys."
    ),
    lang: str | None = typer.Option(None, "--lang", help="Their interface language (en or zh_CN); default LIFER_LANG."),
) -> None:
    """Add an agent (or bring back a deactivated one)."""
    settings = load_settings()
    actor = host_actor(settings)
    install = None
    if ssh_key is not None:
        key, keys_file = ssh_keys.read_public_key(ssh_key), ssh_keys.authorized_keys_path(settings)
        # Refused before the agent is added, so that a duplicate key changes nothing.
        ssh_keys.check_installable(keys_file, key)

        def install() -> str:
            return ssh_keys.install_key(keys_file, name, key, ssh_keys.desk_program()).key.fingerprint

    db = open_database(settings)
    outcome = add_agent(
        db, actor=actor, name=name, role=role, display_name=display_name, lang=lang, install_key=install
    )
    message = _("agent {name} reactivated as {role}") if outcome.reactivated else _("agent {name} added as {role}")
    typer.echo(message.format(name=outcome.agent.name, role=outcome.agent.role.value))
    if ssh_key is not None:
        typer.echo(_("key installed in {path}").format(path=ssh_keys.authorized_keys_path(settings)))


@agents_app.command("list")
def list_command() -> None:
    """List every agent, deactivated ones included."""
    agents = list_agents(open_database(load_settings()))
    if not agents:
        typer.echo(_("no agents yet; add one with `lifer-desk agents add NAME --role agent`"))
        return
    for line in _table(agents):
        typer.echo(line)


@agents_app.command("deactivate")
def deactivate_command(name: str = typer.Argument(..., metavar="NAME", help="The agent's name.")) -> None:
    """Deactivate an agent: their SSH keys are removed, their open desks end, their claims are passed on."""
    settings = load_settings()
    keys_file = ssh_keys.authorized_keys_path(settings)

    def remove() -> list[str]:
        return [entry.key.fingerprint for entry in ssh_keys.remove_keys(keys_file, name)]

    agent = deactivate_agent(
        open_database(settings),
        actor=host_actor(settings),
        name=name,
        remove_keys=remove if keys_file.exists() else None,
    )
    ended = end_sessions(agent.name)
    typer.echo(f"agent {agent.name} deactivated" + (f"; {ended} open desk(s) ended" if ended else ""))


@agents_app.command("keys")
def keys_command(name: str | None = typer.Argument(None, metavar="[NAME]", help="Only this agent's keys.")) -> None:
    """List the agents' SSH keys in the service account's authorized_keys, by fingerprint."""
    keys_file = ssh_keys.authorized_keys_path(load_settings())
    entries = ssh_keys.list_keys(keys_file, name)
    if not entries:
        typer.echo(f"no lifer-desk keys in {keys_file}" + (f" for {name}" if name else ""))
        return
    rows = [("AGENT", "TYPE", "FINGERPRINT"), *((e.agent, e.key.kind, e.key.fingerprint) for e in entries)]
    widths = [max(cell_len(row[i]) for row in rows) for i in range(2)]
    for row in rows:
        typer.echo("  ".join((_pad(row[0], widths[0]), _pad(row[1], widths[1]), row[2])))


@agents_app.command("role")
def role_command(
    name: str = typer.Argument(..., metavar="NAME", help="The agent's name."),
    role: str = typer.Option(..., "--role", help="agent or supervisor."),
) -> None:
    """Change an active agent's role."""
    settings = load_settings()
    agent = set_role(open_database(settings), actor=host_actor(settings), name=name, role=role)
    typer.echo(_("agent {name} is now {role}").format(name=agent.name, role=agent.role.value))


@agents_app.command("set")
def set_command(
    name: str = typer.Argument(..., metavar="NAME", help="The agent's name."),
    lang: str = typer.Option(
        ..., "--lang", help=f"Their interface language ({', '.join(LANGUAGES)}), or {FOLLOW_SETTING!r} for LIFER_LANG."
    ),
) -> None:
    """Change an active agent's settings: their interface language, from their next session (desk and CLI)."""
    settings = load_settings()
    chosen = None if lang == FOLLOW_SETTING else lang
    agent = set_language(open_database(settings), actor=host_actor(settings), name=name, lang=chosen)
    language = agent.lang or _("LIFER_LANG ({lang})").format(lang=settings.lang)
    typer.echo(_("agent {name} now works in {language}").format(name=agent.name, language=language))
