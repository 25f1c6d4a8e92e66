"""The `lifer-desk` command tree (Typer). Each subcommand is a thin call into `services`."""

from __future__ import annotations

import gc
import sys
from contextlib import suppress
from functools import cache

import typer
import typer.main

from lifer_desk.cli.desk import open_desk
from lifer_desk.config import ConfigError, load_settings
from lifer_desk.i18n import _
from lifer_desk.services.database import database_failure
from lifer_desk.services.errors import DeskError

app = typer.Typer(
    name="lifer-desk",
    help="lifer-desk: the terminal service desk for lifer.",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# Options of the desk itself that take a value: `lifer-desk --agent NAME` opens the desk, with no command.
DESK_OPTIONS = ("--ticket", "--agent")


@cache
def add_commands() -> None:
    """Every subcommand. Not when the command line only opens the desk: their modules (mail, seeding, the
    dashboard's figures...) would cost the desk's start-up a few tenths of a second (issue 16)."""
    from lifer_desk.cli.agents import agents_app
    from lifer_desk.cli.audit import audit_app
    from lifer_desk.cli.dashboard import dashboard_command
    from lifer_desk.cli.db import db_app
    from lifer_desk.cli.deploy import deploy_app
    from lifer_desk.cli.desk import demo_command
    from lifer_desk.cli.feedback import feedback_app
    from lifer_desk.cli.macros import macros_app
    from lifer_desk.cli.mail import mail_app
    from lifer_desk.cli.outbox import outbox_app
    from lifer_desk.cli.requests import requests_app
    from lifer_desk.cli.sandbox import sandbox_app
    from lifer_desk.cli.seed import seed_command

    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.add_typer(agents_app, name="agents")
    app.add_typer(sandbox_app, name="sandbox")
    app.add_typer(requests_app, name="requests")
    app.add_typer(outbox_app, name="outbox")
    app.add_typer(mail_app, name="mail")
    app.add_typer(macros_app, name="macros")
    app.add_typer(feedback_app, name="feedback")
    app.add_typer(deploy_app, name="deploy")
    app.command("seed")(seed_command)
    app.command("demo")(demo_command)
    app.command("dashboard")(dashboard_command)


def opens_the_desk(args: list[str]) -> bool:
    """Whether the command line is the desk's alone (no command, no --help): `lifer-desk [--agent NAME]`."""
    words = iter(args)
    for word in words:
        if word in DESK_OPTIONS:
            next(words, None)
        elif not word.startswith(tuple(f"{option}=" for option in DESK_OPTIONS)):
            return False
    return True


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    ticket: int | None = typer.Option(None, "--ticket", min=1, help="Open the desk on this ticket."),
    agent: str | None = typer.Option(
        None, "--agent", metavar="NAME", help="The agent of an SSH key (the service account's forced command only)."
    ),
) -> None:
    """Without a command, open the desk for the agent at the keyboard."""
    if ctx.invoked_subcommand is None:
        open_desk(ticket, agent)
    elif agent is not None:
        fail(_("--agent only opens the desk; it takes no command"))


def fail(message: str, code: int = 2) -> None:
    print(f"lifer-desk: {message}", file=sys.stderr)
    raise SystemExit(code)


def _install_settings_language() -> None:
    """The language of `LIFER_LANG` for the help, before any agent is known; settings that do not load are the
    command's to report, where it loads them."""
    with suppress(ConfigError):
        load_settings(announce=False)


def main() -> None:
    if sys.argv[1:] == ["mail", "ingest"]:
        # The MTA starts one process per message: straight to the command, without the others' modules, which
        # building the command tree imports, or the translated help (bench/mail.py).
        from lifer_desk.cli.mail import ingest_command

        _install_settings_language()
        ingest_command()
    desk_only = opens_the_desk(sys.argv[1:])
    if not desk_only:
        # Paused for the imports (lifer_desk/__init__.py); the desk turns it back on once it is up.
        gc.enable()
        add_commands()
    try:
        # Not standalone: click would print usage errors as a multi-line box; we want one line.
        command = typer.main.get_command(app)
        _install_settings_language()
        if not desk_only:
            # Only commands and --help show the help; translating it loads Babel's extractor, which the desk's
            # start-up need not pay for (issue 16).
            from lifer_desk.cli import help_text

            help_text.translate(command)
        result = command.main(prog_name="lifer-desk", standalone_mode=False)
    except typer.Abort:
        fail(_("aborted"), 1)
    except typer.TyperException as exc:  # usage errors: unknown option, missing parameter, bad value
        context = getattr(exc, "ctx", None)
        hint = _("; see `{command} --help`").format(command=context.command_path) if context else ""
        fail(f"{exc.format_message().rstrip('.')}{hint}")
    except ConfigError as exc:
        fail(_("configuration error: {error}").format(error=exc))
    except DeskError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail(_("interrupted"), 130)
    except Exception as exc:
        message = database_failure(exc)
        if message is None:
            raise
        fail(message)
    raise SystemExit(result if isinstance(result, int) else 0)
