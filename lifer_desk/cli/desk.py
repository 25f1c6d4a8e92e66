"""Opening the desk: `lifer-desk` for the agent at the keyboard, `lifer-desk demo` on the embedded default."""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path

import typer

from lifer_desk.cli.sandbox import open_admin
from lifer_desk.config import Settings, load_settings
from lifer_desk.desk_log import default_log_path, log_to_file
from lifer_desk.i18n import _
from lifer_desk.services import tickets
from lifer_desk.services.context import AdminApiProvider, DeskContext
from lifer_desk.services.database import open_database
from lifer_desk.services.errors import PermissionDenied
from lifer_desk.services.identity import current_agent

# Textual's ESCDELAY, in ms: how long a lone Escape waits for the rest of an escape sequence. Under the 30 ms
# between a fast typist's keys over SSH, well over the few ms between the bytes of one sequence, which a
# terminal writes at once. An ESCDELAY already in the environment is kept.
ESCAPE_DELAY_MS = 20


def _run(ctx: DeskContext, settings: Settings, sandbox_path: Path | None, ticket_id: int | None = None) -> None:
    # Read by Textual when it is imported, just below: Escape then a quick key must stay two keys.
    os.environ.setdefault("ESCDELAY", str(ESCAPE_DELAY_MS))
    textual_imported = "textual.constants" in sys.modules
    # Imported late: the CLI's other commands must not pay for loading Textual.
    from lifer_desk.ui import run_desk

    if textual_imported:
        # A desk forked by the launcher (lifer_desk.launcher) finds Textual imported under the environment of
        # whoever started the launcher: its settings (ESCDELAY, TEXTUAL_*) are read again from this session's.
        import textual.constants

        importlib.reload(textual.constants)

    try:
        log_to_file(default_log_path())
    except OSError as exc:
        # A home without a writable log directory must not keep the agent from working.
        message = _("lifer-desk: not logging to {path}: {error}").format(
            path=default_log_path(), error=exc.strerror or exc
        )
        typer.echo(message, err=True)
    if ticket_id is not None:
        # An unknown ticket is one line on the terminal (NotFound), before the desk takes the screen.
        tickets.get_ticket(ctx, ticket_id)
    admin = AdminApiProvider(partial(open_admin, settings, sandbox_path))
    code = run_desk(replace(ctx, admin=admin), ticket_id)
    if code:
        # The desk stopped itself (its agent was deactivated) and has said why.
        raise typer.Exit(code)


def open_desk(ticket_id: int | None = None, as_agent: str | None = None) -> None:
    """Open the desk as the OS user, who must be an active agent; or, as the service account under sshd, as the
    agent its forced command names. On ticket `ticket_id` when given."""
    settings = load_settings()
    if as_agent is not None and os.environ.get("SSH_ORIGINAL_COMMAND") is not None:
        # The key opens the desk and nothing else: a command the client asked for is refused, not run or ignored,
        # so that `ssh lifer@host id` says why instead of opening a desk on a terminal-less channel.
        raise PermissionDenied(_("this SSH key opens the desk only; connect without a command (ssh -t lifer@HOST)"))
    db = open_database(settings)
    agent = current_agent(db, settings, as_agent=as_agent)
    if as_agent is not None and not sys.stdin.isatty():
        raise PermissionDenied(_("the desk needs a terminal; connect with ssh -t"))
    _run(DeskContext(db=db, settings=settings, agent=agent.name, role=agent.role), settings, None, ticket_id)


def demo_command(
    as_agent: str | None = typer.Option(
        None,
        "--as",
        metavar="NAME",
        help="agent, supervisor, or any seeded agent (li.wei, emma.w...); default LIFER_AGENT, else agent.",
    ),
) -> None:
    """Open the desk on a demo database with 5,000 tickets and the in-process admin-API sandbox."""
    # Imported here: the demo builds on the admin-API sandbox (FastAPI), which `lifer-desk` alone never loads.
    from lifer_desk.sandbox import demo_contacts
    from lifer_desk.services.demo import prepare_demo

    typer.echo(_("preparing the demo desk (first run seeds 5,000 tickets)…"))
    settings = load_settings()
    demo = prepare_demo(settings, agent=as_agent or settings.agent or "agent", contacts=demo_contacts)
    # Other commands read the desk's own database unless told: say how to point them at this one.
    typer.echo(
        _("demo database: LIFER_DATABASE_URL={url} (for `audit verify` and others)").format(
            url=demo.settings.database_url
        )
    )
    _run(demo.ctx, demo.settings, demo.sandbox_path)
