"""The CLI's help is in the catalogue and shown in the settings' language (issue 15: typer help included)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer.main
from babel.messages.pofile import read_po

from lifer_desk.cli import help_text
from lifer_desk.cli.root import add_commands, app
from lifer_desk.i18n import DOMAIN, LOCALE_DIR


def _help_texts(command: Any) -> Iterator[str]:
    for text in (command.help, *(getattr(param, "help", None) for param in command.params)):
        if text:
            yield text
    for subcommand in getattr(command, "commands", {}).values():
        yield from _help_texts(subcommand)


def test_every_help_text_of_the_cli_is_in_the_template() -> None:
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as source:
        template = {str(message.id) for message in read_po(source)}
    add_commands()
    shown = set(_help_texts(typer.main.get_command(app)))
    assert len(shown) > 50
    # Those built at run time from a list (a help naming the placeholders or languages) stay as written.
    assert sorted(shown - template) == [
        "The reply; placeholders: {requester_name}, {ticket}, {agent}, {today}, {resolution_due}, {legal_due}.",
        "Their interface language (en, zh_CN), or 'default' for LIFER_LANG.",
    ]


def test_the_whole_tree_is_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(help_text, "_", lambda text: f"«{text}»")
    add_commands()
    command = typer.main.get_command(app)
    help_text.translate(command)
    assert all(text.startswith("«") for text in _help_texts(command))
