"""The queue list on the left of the queues screen, with each queue's live (capped) count."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from lifer_desk.domain.queues import QueueName
from lifer_desk.services.queues import COUNT_CAP


def count_label(count: int | None) -> str:
    if count is None:
        return "…"
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


LABEL_CELLS = 12
COUNT_CELLS = 6


class QueueList(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(*(Option(self._prompt(queue, None), id=queue.value) for queue in QueueName), id=id)
        self._counts: dict[QueueName, int] = {}

    @staticmethod
    def _prompt(queue: QueueName, count: int | None) -> Text:
        # One line each: the label cut to fit, the count right-aligned, so counts line up in a column.
        prompt = Text(queue.label, end="")
        prompt.truncate(LABEL_CELLS, overflow="ellipsis", pad=True)
        prompt.append(count_label(count).rjust(COUNT_CELLS), style="bold")
        return prompt

    @property
    def counts(self) -> dict[QueueName, int]:
        return dict(self._counts)

    @property
    def queue(self) -> QueueName:
        index = self.highlighted or 0
        return QueueName(self.get_option_at_index(index).id)

    def show_counts(self, counts: dict[QueueName, int]) -> None:
        """Update the prompts whose count moved; unchanged ones are not touched, so nothing repaints."""
        for queue, count in counts.items():
            if self._counts.get(queue) != count:
                self.replace_option_prompt(queue.value, self._prompt(queue, count))
        self._counts = dict(counts)
