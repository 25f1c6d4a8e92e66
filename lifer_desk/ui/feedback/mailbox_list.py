"""The mailbox list on the left of Feedback mode, with each mailbox's live (capped) count."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from lifer_desk.domain.feedback import Mailbox
from lifer_desk.i18n import _
from lifer_desk.ui.queues.queue_list import COUNT_CELLS, count_label

LABEL_CELLS = 10
ALL = "all"
# The border on the right and the list's padding around the prompts.
_CHROME = 4
WIDTH = LABEL_CELLS + COUNT_CELLS + _CHROME


def mailbox_of(option_id: str) -> Mailbox | None:
    return None if option_id == ALL else Mailbox(option_id)


def _label(mailbox: Mailbox | None) -> str:
    return _("All") if mailbox is None else mailbox.label


class MailboxList(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="mailbox_list.cursor_down"),
        Binding("k", "cursor_up", "Up", show=False, id="mailbox_list.cursor_up"),
    ]

    BOXES: ClassVar[tuple[Mailbox | None, ...]] = (*Mailbox, None)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(*(Option(self._prompt(box, None), id=box or ALL) for box in self.BOXES), id=id)
        self._counts: dict[Mailbox | None, int] = {}
        self.styles.width = WIDTH

    @staticmethod
    def _prompt(mailbox: Mailbox | None, count: int | None) -> Text:
        prompt = Text(_label(mailbox), end="")
        prompt.truncate(LABEL_CELLS, overflow="ellipsis", pad=True)
        prompt.append(count_label(count).rjust(COUNT_CELLS), style="bold")
        return prompt

    @property
    def counts(self) -> dict[Mailbox | None, int]:
        return dict(self._counts)

    def show_counts(self, counts: dict[Mailbox | None, int]) -> None:
        """Update the prompts whose count moved; unchanged ones are not touched, so nothing repaints."""
        for box, count in counts.items():
            if self._counts.get(box) != count:
                self.replace_option_prompt(box or ALL, self._prompt(box, count))
        self._counts = dict(counts)
