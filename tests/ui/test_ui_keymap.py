"""LIFER_KEYMAP remaps the desk's keys by binding id; every binding has an id, and no two share one."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

import lifer_desk.ui
import widgets
from lifer_desk.config import ConfigError, load_settings
from lifer_desk.store.db import Database
from lifer_desk.ui import DeskApp
from lifer_desk.ui.key_help import HelpScreen
from lifer_desk.ui.ticket.screen import TicketScreen
from tests.ui.ui_support import context


def desk_classes() -> list[type[DOMNode]]:
    """Every screen, dialog and widget class the desk defines, found by importing each of its modules."""
    found: dict[str, type[DOMNode]] = {}
    for package in (lifer_desk.ui, widgets):
        for module_info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(module_info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                    found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def test_every_binding_has_an_id_and_no_two_share_one() -> None:
    ids: list[str] = []
    missing: list[str] = []
    for cls in desk_classes():
        for binding in cls.__dict__.get("BINDINGS", ()):
            assert isinstance(binding, Binding), f"{cls.__qualname__}: use Binding(..., id=...), not a tuple"
            if binding.id is None:
                missing.append(f"{cls.__qualname__} {binding.key} -> {binding.action}")
            else:
                ids.append(binding.id)
    assert missing == []
    assert [binding_id for binding_id, n in Counter(ids).items() if n > 1] == []
    assert {"app.quit", "queues.search", "ticket.reply", "virtual_table.select"} <= set(ids)


def _settings(tmp_path: Path, keymap: str):
    env_file = tmp_path / ".env"
    env_file.write_text(f"LIFER_KEYMAP={keymap}\n", encoding="utf-8")
    return load_settings(env={}, env_file=env_file)


@pytest.mark.parametrize(
    ("keymap", "said"),
    [
        ("{ticket.reply: f2}", "LIFER_KEYMAP: is not valid JSON (Expecting property name enclosed in double quotes"),
        ('["ticket.reply"]', "LIFER_KEYMAP: must be a JSON object of binding id to keys"),
        ('{"ticket.reply": ""}', "LIFER_KEYMAP: must be a JSON object of binding id to keys"),
        ('{"ticket.reply": 2}', "LIFER_KEYMAP: must be a JSON object of binding id to keys"),
    ],
)
def test_a_malformed_keymap_is_one_line_naming_the_key(tmp_path: Path, keymap: str, said: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _settings(tmp_path, f"'{keymap}'")
    assert str(refused.value).startswith(said)
    assert "\n" not in str(refused.value)


def test_an_unknown_binding_id_stops_the_desk_naming_the_key(tmp_path: Path, database: Database) -> None:
    settings = _settings(tmp_path, """'{"ticket.replay": "f2"}'""")
    with pytest.raises(ConfigError) as refused:
        DeskApp(replace(context(database), settings=settings))
    assert str(refused.value) == (
        "LIFER_KEYMAP: no binding has the id 'ticket.replay' (did you mean 'ticket.reply'?); see README (Keys)"
    )


async def test_the_keymap_replaces_a_bindings_keys(tmp_path: Path, database: Database, make_ticket, settle) -> None:
    settings = _settings(tmp_path, """'{"app.help": "f1", "ticket.claim": "f5"}'""")
    ticket = make_ticket()
    app = DeskApp(replace(context(database), settings=settings))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen), "? no longer opens help"
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        app.open_ticket(ticket.id)
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert "claimed by you" in str(app.screen.query_one("#ticket-header").render())


async def test_palette_commands_are_named_after_their_mode(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"queues: Search", "queues: Filter", "desk: Help", "desk: Quit"} <= titles
        app.open_ticket(ticket.id)
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"ticket: Claim", "ticket: Reply", "desk: Help"} <= titles


def test_the_readme_lists_every_binding_id() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    keys = readme.split("## Keys", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", keys.split("by its binding id", 1)[1]))
    declared = {binding.id for cls in desk_classes() for binding in cls.__dict__.get("BINDINGS", ())}
    assert listed == declared


# How the README writes a key that Textual names otherwise.
_README_KEYS = {
    "slash": "/",
    "question_mark": "?",
    "pageup": "PageUp",
    "pagedown": "PageDown",
    "home": "Home",
    "end": "End",
    "up": "k",
    "down": "j",
    "f1": "F1",
}


def test_the_readme_key_table_lists_every_bindings_key() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Keys", 1)[1].split("by its binding id", 1)[0]
    written = set(re.findall(r"`([^`]+)`", table))
    missing = []
    for cls in desk_classes():
        for binding in cls.__dict__.get("BINDINGS", ()):
            if not isinstance(binding, Binding) or binding.id is None:
                continue
            first = binding.key.split(",")[0]
            if _README_KEYS.get(first, first) not in written:
                missing.append(f"{binding.id}: {first}")
    assert missing == []
