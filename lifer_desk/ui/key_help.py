"""`?` help: every key of the screen it was opened from, and the same keys as command-palette commands."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Label, Static

from lifer_desk.config import KEYMAP_KEY, ConfigError
from lifer_desk.i18n import N_, _
from lifer_desk.ui.desk_screen import DeskModal, desk


@dataclass(frozen=True)
class KeyAction:
    keys: str
    description: str
    action: str
    node: DOMNode
    # The description in English, the source language: the palette matches it too (`ui.palette`).
    english: str = ""


def screen_keys(app: App[Any], screen: Screen[Any]) -> list[KeyAction]:
    """The keys active on `screen` that have a description, one line per action, in the agent's language.

    The desk's own bindings (those with an id) may carry their full name as the tooltip, used here while the
    footer shows the short description; Textual's tooltips are sentences, so its bindings keep the description.
    """
    seen: dict[tuple[int, str], KeyAction] = {}
    # Textual's own property, not the desk screens' translated one: the English is kept for the palette.
    for active in Screen.active_bindings.__get__(screen).values():
        binding = active.binding
        if not binding.description or binding.system:
            continue
        shown = binding.key_display or app.get_key_display(binding)
        ident = (id(active.node), binding.action)
        if ident in seen:
            previous = seen[ident]
            seen[ident] = replace(previous, keys=f"{previous.keys}, {shown}")
        else:
            name = binding.tooltip if binding.id is not None and binding.tooltip else binding.description
            seen[ident] = KeyAction(shown, _(name), binding.action, active.node, name)
    # The screen's own actions first, then the desk-wide ones, then those of the focused widget.
    rank = {screen: 0, app: 1}
    return sorted(seen.values(), key=lambda entry: rank.get(entry.node, 2))


def palette_commands(app: App[Any], screen: Screen[Any]) -> Iterator[tuple[SystemCommand, str]]:
    """The screen's keys as palette commands, each named after its mode ("queues: Search", "desk: Quit"), so
    that one search across every mode still finds the right one; each with its English name, which the
    palette matches as well."""
    mode = getattr(screen, "PALETTE_NAME", "")
    for entry in screen_keys(app, screen):
        prefix = N_("desk") if entry.node is app else mode
        title = _("{mode}: {action}").format(mode=_(prefix), action=entry.description) if prefix else entry.description
        english = f"{prefix}: {entry.english}" if prefix else entry.english
        command = SystemCommand(
            title, _("key: {keys}").format(keys=entry.keys), partial(app.run_action, entry.action, entry.node)
        )
        yield command, english


def desk_bindings(base: type[DOMNode] = DOMNode) -> dict[str, Binding]:
    """Every binding the desk declares (its screens, dialogs and widgets, as loaded), by id.

    Textual's own widgets are left out: their bindings carry no ids, and are not the desk's to remap.
    """
    found: dict[str, Binding] = {}
    classes = [base]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if not cls.__module__.startswith(("lifer_desk.", "widgets.")):
            continue
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id is not None:
                found[binding.id] = binding
    return found


def checked_keymap(keymap: Mapping[str, str], known: Collection[str]) -> dict[str, str]:
    """`keymap` (LIFER_KEYMAP) for `App.set_keymap`, once every id in it is one of the desk's bindings."""
    for binding_id in keymap:
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(KEYMAP_KEY, f"no binding has the id {binding_id!r}{hint}; see README (Keys)")
    return dict(keymap)


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
        Binding("escape,q,question_mark,f1", "dismiss_help", N_("Close"), id="help.close"),
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

    def on_mount(self) -> None:
        # Laid out, footer and all: the app may draw it (`DeskApp.action_help` held the frames back).
        self.call_after_refresh(desk(self).release_frames)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
