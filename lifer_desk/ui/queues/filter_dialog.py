"""The queue filters: status, category, priority and assignee, in one small form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Input, Select

from lifer_desk.domain.queues import QueueFilter
from lifer_desk.i18n import N_, _
from lifer_desk.services import queues
from lifer_desk.ui.dialogs import FilterForm, filter_bindings
from lifer_desk.ui.still_inputs import StillInput
from lifer_desk.ui.text.labels import CATEGORY_LABELS, PRIORITY_LABELS, STATUS_LABELS

UNASSIGNED = "-"
# Label by enum member; each mapping has its own enum, hence Any.
_CHOICES: dict[str, Mapping[Any, str]] = {
    "status": STATUS_LABELS,
    "category": CATEGORY_LABELS,
    "priority": PRIORITY_LABELS,
}


class FilterDialog(FilterForm[QueueFilter]):
    """Returns the filter for `services.queues.queue_query`, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = filter_bindings("filters")
    TITLE_TEXT: ClassVar[str] = N_("Filters")

    def __init__(self, current: QueueFilter) -> None:
        super().__init__()
        self._current = current

    def fields(self) -> ComposeResult:
        current = self._current
        chosen = {"status": current.status, "category": current.category, "priority": current.priority}
        for name, choices in _CHOICES.items():
            value = chosen[name]
            yield Select(
                [(_(label), choice.value) for choice, label in choices.items()],
                prompt=_("any {name}").format(name=_(name)),
                value=Select.NULL if value is None else value.value,
                id=f"filter-{name}",
            )
        yield StillInput(
            value=UNASSIGNED if current.unassigned else current.assignee or "",
            placeholder=_("agent (blank: any, -: unassigned)"),
            id="filter-assignee",
        )

    def _chosen(self, name: str) -> str:
        value = self.query_one(f"#filter-{name}", Select).value
        return "" if value is Select.NULL else str(value)

    def chosen(self) -> QueueFilter:
        typed = self.query_one("#filter-assignee", Input).value.strip()
        return queues.queue_filter(
            status=self._chosen("status"),
            category=self._chosen("category"),
            priority=self._chosen("priority"),
            assignee="" if typed == UNASSIGNED else typed,
            unassigned=typed == UNASSIGNED,
        )

    def cleared(self) -> QueueFilter:
        return QueueFilter()
