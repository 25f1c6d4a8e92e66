"""Small modal dialogs: write a text (reply, note), pick one of a few choices (status, priority...), and the
base of the filter forms (queues, audit)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Label, OptionList, TextArea
from textual.widgets.option_list import Option

from lifer_desk.i18n import N_, _
from lifer_desk.services.errors import DeskError
from lifer_desk.services.tickets import MAX_TEXT
from lifer_desk.ui.desk_screen import DeskModal
from lifer_desk.ui.still_inputs import StillTextArea

Chosen = TypeVar("Chosen")


def filter_bindings(namespace: str) -> list[BindingType]:
    """A filter form's keys, under its own binding ids (`namespace.apply`, ...)."""
    return [
        Binding("ctrl+s", "apply", N_("Apply"), id=f"{namespace}.apply"),
        Binding("ctrl+r", "clear", N_("Clear"), id=f"{namespace}.clear"),
        Binding("escape", "cancel", N_("Cancel"), id=f"{namespace}.cancel"),
    ]


class FilterForm(DeskModal[Chosen | None], Generic[Chosen]):
    """A filter form: a title, the fields, and a hint line. ctrl+s (or enter in a field) applies what was typed,
    ctrl+r clears every filter, escape cancels (None).

    Subclasses give the title, the fields, the filter they read (`chosen`, raising the services' refusal for
    what cannot be a filter) and the empty filter (`cleared`).
    """

    TITLE_TEXT: ClassVar[str] = ""

    def fields(self) -> ComposeResult:
        raise NotImplementedError

    def chosen(self) -> Chosen:
        raise NotImplementedError

    def cleared(self) -> Chosen:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(_(self.TITLE_TEXT), classes="dialog-title", markup=False)
            yield from self.fields()
            yield Label(_("ctrl+s apply · ctrl+r clear · escape cancel"), classes="dialog-hint", markup=False)

    def action_apply(self) -> None:
        try:
            chosen = self.chosen()
        except DeskError as refusal:
            # Said where it was typed, and the form stays open with what was typed.
            self.query_one(".dialog-hint", Label).update(Text(str(refusal), style="bold yellow"))
            return
        self.dismiss(chosen)

    def on_input_submitted(self) -> None:
        self.action_apply()

    def action_clear(self) -> None:
        self.dismiss(self.cleared())

    def action_cancel(self) -> None:
        self.dismiss(None)


def say_in_dialog(dialog: DeskModal[Any], problem: str | Text) -> None:
    """Show why the dialog's input was refused in its `#dialog-error` line, where the agent is typing."""
    error = dialog.query_one("#dialog-error", Label)
    error.update(problem)
    error.remove_class("-empty")


class TextDialog(DeskModal[str | None]):
    """A multi-line text; ctrl+s sends it, escape cancels. Returns the text, or None.

    With `keep`, the dialog edits a draft: escape keeps what is written (`keep(text)`), ctrl+r discards it
    (`keep("")`), and `text` is where it starts. A paste that would go past `max_length` is refused in place.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", N_("Send"), id="text_dialog.send"),
        Binding("escape", "cancel", N_("Cancel"), id="text_dialog.cancel"),
        Binding("ctrl+r", "discard", N_("Discard draft"), id="text_dialog.discard"),
    ]

    # A draft is also kept this long after the last keystroke, so that a dropped SSH session loses little.
    KEEP_AFTER: ClassVar[float] = 2.0

    def __init__(
        self,
        title: str,
        text: str = "",
        *,
        keep: Callable[[str], None] | None = None,
        max_length: int = MAX_TEXT,
    ) -> None:
        super().__init__()
        self._title = title
        self._text = text
        self._keep = keep
        self._max_length = max_length
        self._pending: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield StillTextArea(
                self._text, id="body", soft_wrap=True, show_line_numbers=False, max_length=self._max_length
            )
            yield Label("", id="dialog-error", classes="-empty", markup=False)
            hint = (
                _("ctrl+s send · escape keep draft · ctrl+r discard")
                if self._keep
                else _("ctrl+s send · escape cancel")
            )
            yield Label(hint, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        # A draft is carried on from where it ends.
        self.query_one(TextArea).move_cursor(self.query_one(TextArea).document.end)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "discard" or self._keep is not None

    @on(TextArea.Changed)
    def _typed(self, event: TextArea.Changed) -> None:
        if self._keep is None:
            return
        if self._pending is not None:
            self._pending.stop()
        keep, text = self._keep, event.text_area.text
        self._pending = self.set_timer(self.KEEP_AFTER, lambda: keep(text))

    def _stop_pending(self) -> None:
        if self._pending is not None:
            self._pending.stop()

    @on(StillTextArea.PasteRefused)
    def _paste_refused(self, event: StillTextArea.PasteRefused) -> None:
        say_in_dialog(
            self,
            _("Nothing was pasted: {n:,} characters would take this past its limit of {limit:,}.").format(
                n=event.pasted, limit=event.limit
            ),
        )

    def action_send(self) -> None:
        self._stop_pending()
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self._stop_pending()
        if self._keep is not None:
            self._keep(self.query_one(TextArea).text)
        self.dismiss(None)

    def action_discard(self) -> None:
        self._stop_pending()
        if self._keep is not None:
            self._keep("")
        self.dismiss(None)


class ChoiceDialog(DeskModal[str | None]):
    """One value out of `choices` (label, value); enter picks, escape cancels. A label holding customer text is a
    `Text`, which is never read as markup."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), id="choice_dialog.cancel"),
        Binding("j", "move(1)", show=False, id="choice_dialog.down"),
        Binding("k", "move(-1)", show=False, id="choice_dialog.up"),
    ]

    def __init__(self, title: str, choices: Sequence[tuple[str | Text, str]], empty: str = "") -> None:
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
