"""`?` help: every key of the screen it was opened from, and the same keys as command-palette commands."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Label, Static

from lifer_desk.i18n import _
from lifer_desk.ui.desk_screen import DeskModal


@dataclass(frozen=True)
class KeyAction:
    keys: str
    description: str
    action: str
    node: DOMNode


def screen_keys(app: App[Any], screen: Screen[Any]) -> list[KeyAction]:
    """The keys active on `screen` that have a description, one line per action."""
    seen: dict[tuple[int, str], KeyAction] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.system:
            continue
        shown = binding.key_display or app.get_key_display(binding)
        ident = (id(active.node), binding.action)
        if ident in seen:
            previous = seen[ident]
            seen[ident] = KeyAction(f"{previous.keys}, {shown}", previous.description, binding.action, active.node)
        else:
            seen[ident] = KeyAction(shown, binding.description, binding.action, active.node)
    # The screen's own actions first, then the desk-wide ones, then those of the focused widget.
    rank = {screen: 0, app: 1}
    return sorted(seen.values(), key=lambda entry: rank.get(entry.node, 2))


def palette_commands(app: App[Any], screen: Screen[Any]) -> Iterator[SystemCommand]:
    for entry in screen_keys(app, screen):
        yield SystemCommand(
            entry.description,
            _("key: {keys}").format(keys=entry.keys),
            partial(app.run_action, entry.action, entry.node),
        )


def _key_table(entries: Iterable[KeyAction]) -> Text:
    text = Text(end="")
    for index, entry in enumerate(entries):
        if index:
            text.append("\n")
        text.append(f"{entry.keys:>14}", style="bold")
        text.append("  " + entry.description)
    return text


class HelpScreen(DeskModal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss_help", _("Close"), id="help.close"),
    ]

    def __init__(self, title: str, entries: list[KeyAction]) -> None:
        super().__init__()
        self._title = title
        self._entries = entries

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Label(_("Keys: {screen}").format(screen=self._title), classes="dialog-title", markup=False)
            yield Static(_key_table(self._entries), id="keys", markup=False)
            yield Label(_("ctrl+p: every action in the command palette"), classes="dialog-hint", markup=False)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
