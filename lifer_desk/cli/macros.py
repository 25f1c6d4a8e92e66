"""`lifer-desk macros ...`: the desk's canned replies, managed on the host by a supervisor or its operator.

The actor is the real uid (`services.identity.host_actor`); the services decide whether it may, and audit it.
"""

from __future__ import annotations

from pathlib import Path

import typer

from lifer_desk.config import load_settings
from lifer_desk.domain.macros import Placeholder
from lifer_desk.i18n import _
from lifer_desk.services.database import open_database
from lifer_desk.services.identity import host_actor
from lifer_desk.services.macros import NewMacro, add_macro, list_macros, remove_macro

_PLACEHOLDERS = ", ".join("{" + member.value + "}" for member in Placeholder)

macros_app = typer.Typer(help="Add, list and remove macros (canned replies).", no_args_is_help=True)


@macros_app.command("add")
def add_command(
    name: str = typer.Argument(..., metavar="NAME", help="Lower-case name, e.g. verify-steps."),
    language: str = typer.Option(..., "--language", help="zh or en."),
    text: str | None = typer.Option(None, "--text", help=f"The reply; placeholders: {_PLACEHOLDERS}."),
    text_file: Path | None = typer.Option(None, "--text-file", help="Read the reply from this UTF-8 file."),
    status: str | None = typer.Option(None, "--status", help="Also set this status."),
    priority: str | None = typer.Option(None, "--priority", help="Also set this priority."),
    category: str | None = typer.Option(None, "--category", help="Also set this category."),
    replace: bool = typer.Option(False, "--replace", help="Rewrite the macro of this name and language."),
) -> None:
    """Add a macro in one language (add it again with the other --language for both)."""
    if (text is None) == (text_file is None):
        raise typer.BadParameter("give the reply with --text or --text-file (one of them)")
    body = text if text is not None else text_file.read_text(encoding="utf-8")  # type: ignore[union-attr]  # one is set
    settings = load_settings()
    new = NewMacro(name, language, body, status, priority, category)
    macro = add_macro(open_database(settings), host_actor(settings), new, replace=replace)
    message = _("macro {name} ({language}) replaced") if replace else _("macro {name} ({language}) added")
    typer.echo(message.format(name=macro.name, language=macro.language))


@macros_app.command("list")
def list_command() -> None:
    """List every macro: name, language, what it also sets, and the start of its text."""
    macros = list_macros(open_database(load_settings()))
    if not macros:
        typer.echo(_("no macros yet; add one with `lifer-desk macros add NAME --language en --text ...`"))
        return
    for macro in macros:
        sets = " ".join(
            f"{k}={v}"
            for k, v in (("status", macro.status), ("priority", macro.priority), ("category", macro.category))
            if v
        )
        first_line = macro.body.splitlines()[0][:60]
        typer.echo("  ".join(part for part in (macro.name, macro.language, sets, first_line) if part))


@macros_app.command("remove")
def remove_command(
    name: str = typer.Argument(..., metavar="NAME", help="The macro's name."),
    language: str | None = typer.Option(None, "--language", help="Only this language (default: every one)."),
) -> None:
    """Remove a macro."""
    settings = load_settings()
    for macro in remove_macro(open_database(settings), host_actor(settings), name, language):
        typer.echo(_("macro {name} ({language}) removed").format(name=macro.name, language=macro.language))
