"""User-facing literals in `ui/` and `cli/` go through `_()` (issue 15), and `_()` is called where a string is
shown, never at import: a module- or class-level `_()` is fixed in the language installed at import time.

The scan is of the calls that put text in front of an agent: widget constructors, notifications, the CLI's
echo, the errors services raise, and the keywords that carry a label (`placeholder=`, `prompt=`, `title=`).
A literal with a letter in it is user-facing unless it is the argument of `_()`/`N_()`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "lifer_desk"
SCANNED = sorted([*PACKAGE.glob("ui/**/*.py"), *PACKAGE.glob("cli/**/*.py")])
EVERY_MODULE = sorted(path for path in PACKAGE.rglob("*.py") if "sandbox" not in path.parts)

# Calls whose text arguments an agent reads.
SHOWN_BY = {
    "Label",
    "Static",
    "Button",
    "RadioButton",
    "Checkbox",
    "Option",
    "notify",
    "echo",
    "secho",
    "Refused",
    "PermissionDenied",
    "NotFound",
    "Conflict",
    "BadParameter",
    # cli.fail: one line on stderr, then the exit code.
    "fail",
}
SHOWN_KEYWORDS = {"placeholder", "prompt", "title", "tooltip", "description"}
WORDS = re.compile(r"[A-Za-z]{2}")


def _literal_text(node: ast.expr) -> str | None:
    """The words of a str literal or f-string, or None if it is neither."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value for part in node.values if isinstance(part, ast.Constant))
    return None


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "typer":
        # typer.Option("--role") and the like name options; only what typer prints is shown.
        return func.attr if func.attr in ("echo", "secho") else ""
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _where(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent)) if path.is_relative_to(PACKAGE.parent) else path.name


def _untranslated(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or _name(call) in ("_", "N_"):
            continue
        shown = [*call.args] if _name(call) in SHOWN_BY else []
        shown += [keyword.value for keyword in call.keywords if keyword.arg in SHOWN_KEYWORDS]
        for node in shown:
            text = _literal_text(node)
            if text is not None and WORDS.search(text):
                yield f"{_where(path)}:{node.lineno}: {text!r}"


def _called_at_import(path: Path) -> Iterator[str]:
    def walk(node: ast.AST) -> Iterator[str]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id == "_":
                yield f"{_where(path)}:{child.lineno}: {ast.unparse(child)}"
            yield from walk(child)

    yield from walk(ast.parse(path.read_text(encoding="utf-8")))


def test_the_scan_sees_an_untranslated_label(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('Label("Queues")\nLabel(_("Queues"))\nself.notify(f"{n} saved")\nStatic("—")\n', encoding="utf-8")
    assert [line.split(": ", 1)[1] for line in _untranslated(sample)] == ["'Queues'", "' saved'"]


@pytest.mark.parametrize("path", SCANNED, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_user_facing_literals_go_through_gettext(path: Path) -> None:
    assert list(_untranslated(path)) == []


def test_no_string_is_translated_at_import() -> None:
    """Module and class bodies mark strings with `N_()`; `_()` runs where they are shown."""
    found = [line for path in EVERY_MODULE for line in _called_at_import(path)]
    assert found == []
