"""The queue list on the left of the queues screen (and of requests mode), with each queue's live (capped) count."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import ClassVar, Generic, Protocol, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from lifer_desk.domain.queues import QueueName
from lifer_desk.i18n import N_, _
from lifer_desk.services.queues import COUNT_CAP


class Queue(Hashable, Protocol):
    """A queue as the list shows it: an enum member with a value (its option id) and a label."""

    @property
    def value(self) -> str: ...

    @property
    def label(self) -> str: ...


Q = TypeVar("Q", bound=Queue)


def count_label(count: int | None) -> str:
    if count is None:
        return "…"
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


# Shorter names for the queues whose full name does not fit the list, which would cut it ("Due in 24…").
_SHORT_LABELS = {QueueName.DUE_24H.value: N_("Due 24 h"), QueueName.PENDING.value: N_("Pending")}

# Label cells in the wide and the narrow layout; the count column ("9999+" and a space) is the same in both.
WIDE_LABEL_CELLS = 12
NARROW_LABEL_CELLS = 10
COUNT_CELLS = 6
# The border on the right and the list's padding around the prompts.
_CHROME = 4


class QueueList(OptionList, Generic[Q]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="queue_list.cursor_down"),
        Binding("k", "cursor_up", "Up", show=False, id="queue_list.cursor_up"),
    ]

    def __init__(self, queues: Sequence[Q], *, narrow: bool = False, id: str | None = None) -> None:
        self._label_cells = NARROW_LABEL_CELLS if narrow else WIDE_LABEL_CELLS
        self._queues = {queue.value: queue for queue in queues}
        super().__init__(*(Option(self._prompt(queue, None), id=queue.value) for queue in queues), id=id)
        self._counts: dict[Q, int] = {}
        self.styles.width = self.width_for(narrow)

    @staticmethod
    def width_for(narrow: bool) -> int:
        """The list's width in cells, in the narrow or the wide layout."""
        return (NARROW_LABEL_CELLS if narrow else WIDE_LABEL_CELLS) + COUNT_CELLS + _CHROME

    def _prompt(self, queue: Q, count: int | None) -> Text:
        # One line each: the label cut to fit, the count right-aligned, so counts line up in a column.
        label = queue.label
        if cell_len(label) > self._label_cells:
            label = _(_SHORT_LABELS[queue.value]) if queue.value in _SHORT_LABELS else label
        prompt = Text(label, end="")
        prompt.truncate(self._label_cells, overflow="ellipsis", pad=True)
        prompt.append(count_label(count).rjust(COUNT_CELLS), style="bold")
        return prompt

    @property
    def counts(self) -> dict[Q, int]:
        return dict(self._counts)

    @property
    def queue(self) -> Q:
        index = self.highlighted or 0
        queue = self.get_option_at_index(index).id
        assert queue is not None  # every option is made with its queue as id
        return self._queues[queue]

    @property
    def narrow(self) -> bool:
        return self._label_cells == NARROW_LABEL_CELLS

    def set_narrow(self, narrow: bool) -> None:
        """Switch layout: shorter labels, same counts."""
        if narrow == self.narrow:
            return
        self._label_cells = NARROW_LABEL_CELLS if narrow else WIDE_LABEL_CELLS
        for queue in self._queues.values():
            self.replace_option_prompt(queue.value, self._prompt(queue, self._counts.get(queue)))
        self.styles.width = self.width_for(narrow)

    def show_counts(self, counts: dict[Q, int]) -> None:
        """Update the prompts whose count moved; unchanged ones are not touched, so nothing repaints."""
        for queue, count in counts.items():
            if self._counts.get(queue) != count:
                self.replace_option_prompt(queue.value, self._prompt(queue, count))
        self._counts = dict(counts)
