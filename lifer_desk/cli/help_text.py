"""The CLI's help in the desk's language (issue 15): its command docstrings and `help=` texts are the msgids.

They are made when the modules are, in English, so they are translated once the command tree is built, just
before it parses the arguments (`cli.main`), in the language of the settings (`LIFER_LANG`): `--help` comes
before any agent is known. `extract` is the Babel extractor that puts them in the catalogue (babel.cfg), beside
the `_()` and `N_()` calls that Babel's own Python extractor finds.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

from lifer_desk.i18n import _

# How the CLI registers commands: `@app.command(...)`, `@app.callback(...)`, or `app.command("x")(x_command)`.
_REGISTERS = ("command", "callback")
_COMMAND_SUFFIX = "_command"


def translate(command: Any) -> None:
    """Translate the help of a click command (typer's) and of its options and subcommands, in place."""
    for attribute in ("help", "short_help"):
        if text := getattr(command, attribute, None):
            setattr(command, attribute, _(text))
    for param in command.params:
        if text := getattr(param, "help", None):
            param.help = _(text)
    for subcommand in getattr(command, "commands", {}).values():
        translate(subcommand)


def _is_command(node: ast.FunctionDef) -> bool:
    def registers(decorator: ast.expr) -> bool:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        return isinstance(call, ast.Attribute) and call.attr in _REGISTERS

    return node.name.endswith(_COMMAND_SUFFIX) or any(registers(d) for d in node.decorator_list)


def _constant(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _help_texts(source: str) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and _is_command(node) and (doc := ast.get_docstring(node)):
            yield node.lineno, doc
        elif isinstance(node, ast.keyword) and node.arg == "help" and isinstance(text := _constant(node.value), str):
            yield node.value.lineno, text


def extract(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's Python extraction of a CLI module, and its help texts."""
    yield from extract_python(fileobj, keywords, comment_tags, options)  # type: ignore[arg-type, misc]  # Babel's own
    fileobj.seek(0)
    for lineno, text in _help_texts(fileobj.read().decode("utf-8")):
        yield lineno, None, text, []
