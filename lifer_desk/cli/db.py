"""`lifer-desk db ...`: schema migrations."""

from __future__ import annotations

import shlex

import typer

from lifer_desk.config import load_settings
from lifer_desk.i18n import _
from lifer_desk.services.identity import os_user
from lifer_desk.services.schema import SchemaStatus, schema_status, upgrade_schema

db_app = typer.Typer(help="Database schema: upgrade and show the revision.", no_args_is_help=True)


def _describe(status: SchemaStatus) -> str:
    if status.current is None:
        return f"{status.database}: no schema yet (head is {status.head}); run `lifer-desk db upgrade`"
    if status.is_head:
        return f"{status.database}: revision {status.current} (head)"
    return f"{status.database}: revision {status.current}, not head ({status.head}); run `lifer-desk db upgrade`"


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Bring the schema to the latest revision and restore missing audit guards; safe to run again."""
    status = upgrade_schema(load_settings(), actor=os_user())
    typer.echo(_describe(status))
    if status.restored_guards:
        typer.echo(
            _("restored audit guards that were missing: {names} (recorded in the audit trail)").format(
                names=", ".join(status.restored_guards)
            )
        )
    if status.readable_by_others:
        files = " ".join(shlex.quote(str(path)) for path in status.readable_by_others)
        typer.echo(
            _("lifer-desk: warning: other users can read the database; make it private: chmod 600 {files}").format(
                files=files
            ),
            err=True,
        )


@db_app.command("current")
def current_command() -> None:
    """Show the schema revision and whether it is the latest."""
    typer.echo(_describe(schema_status(load_settings())))
