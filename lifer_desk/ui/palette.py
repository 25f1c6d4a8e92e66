"""The command palette in the agent's language, where English names still match (issue 15).

A Chinese desk shows "工单: 回复"; an agent who learnt the desk in English types "reply" and finds it too.
Every command is offered with its English name, and a command matches if either name does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol, cast

from textual.app import SystemCommand
from textual.command import Hit, Hits
from textual.screen import Screen
from textual.system_commands import SystemCommandsProvider

from lifer_desk.i18n import _


class BilingualCommands(Protocol):
    def bilingual_commands(self, screen: Screen[Any]) -> Iterable[tuple[SystemCommand, str]]: ...


def translated_system_commands(commands: Iterable[SystemCommand]) -> Iterator[tuple[SystemCommand, str]]:
    """Textual's own commands (Theme, Quit, Keys...), translated (`ui.textual_strings`), with their English."""
    for command in commands:
        yield command._replace(title=_(command.title), help=_(command.help)), command.title


class DeskCommands(SystemCommandsProvider):
    """`SystemCommandsProvider`, searching the English names as well as the shown ones."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app = cast(BilingualCommands, self.app)
        for command, english in app.bilingual_commands(self.screen):
            shown = matcher.match(command.title)
            in_english = matcher.match(english) if english != command.title else 0
            if shown > 0 or in_english > 0:
                # Named in the agent's language whichever matched; the English name joins the help line, so
                # that the agent sees why a Chinese command answered an English word.
                title = matcher.highlight(command.title) if shown >= in_english else command.title
                help_text = command.help if shown >= in_english else f"{command.help} · {english}"
                yield Hit(max(shown, in_english), title, command.callback, help=help_text)
