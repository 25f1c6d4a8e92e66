"""Small modal dialogs: write a text (reply, note) and pick one of a few choices (status, priority...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList, TextArea
from textual.widgets.option_list import Option

from lifer_desk.i18n import _
from lifer_desk.ui.desk_screen import DeskModal
from lifer_desk.ui.still_inputs import StillTextArea


class TextDialog(DeskModal[str | None]):
    """A multi-line text; ctrl+s sends it, escape cancels. Returns the text, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", _("Send"), id="text_dialog.send"),
        Binding("escape", "cancel", _("Cancel"), id="text_dialog.cancel"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield StillTextArea(id="body", soft_wrap=True, show_line_numbers=False)
            yield Label(_("ctrl+s send · escape cancel"), classes="dialog-hint", markup=False)

    def action_send(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(DeskModal[str | None]):
    """One value out of `choices` (label, value); enter picks, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), id="choice_dialog.cancel"),
        Binding("j", "move(1)", show=False, id="choice_dialog.down"),
        Binding("k", "move(-1)", show=False, id="choice_dialog.up"),
    ]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], empty: str = "") -> None:
        super().__init__()
        self._title = title
        self._choices = choices
        self._empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            if self._choices:
                yield OptionList(*(Option(label, id=value) for label, value in self._choices))
            else:
                yield Label(self._empty, markup=False)

    def action_move(self, delta: int) -> None:
        for options in self.query(OptionList):
            options.action_cursor_down() if delta > 0 else options.action_cursor_up()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
