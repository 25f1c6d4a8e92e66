"""The queue filters: status, category, priority and assignee, in one small form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Select

from lifer_desk.domain.queues import QueueFilter
from lifer_desk.i18n import N_, _
from lifer_desk.services import queues
from lifer_desk.services.errors import DeskError
from lifer_desk.ui.desk_screen import DeskModal
from lifer_desk.ui.still_inputs import StillInput
from lifer_desk.ui.text.labels import CATEGORY_LABELS, PRIORITY_LABELS, STATUS_LABELS

UNASSIGNED = "-"
# Label by enum member; each mapping has its own enum, hence Any.
_CHOICES: dict[str, Mapping[Any, str]] = {
    "status": STATUS_LABELS,
    "category": CATEGORY_LABELS,
    "priority": PRIORITY_LABELS,
}


class FilterDialog(DeskModal[QueueFilter | None]):
    """Returns the filter for `services.queues.queue_query`, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", N_("Apply"), id="filters.apply"),
        Binding("ctrl+r", "clear", N_("Clear"), id="filters.clear"),
        Binding("escape", "cancel", N_("Cancel"), id="filters.cancel"),
    ]

    def __init__(self, current: QueueFilter) -> None:
        super().__init__()
        self._current = current

    def compose(self) -> ComposeResult:
        current = self._current
        chosen = {"status": current.status, "category": current.category, "priority": current.priority}
        with Vertical(classes="dialog"):
            yield Label(_("Filters"), classes="dialog-title", markup=False)
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
            yield Label(_("ctrl+s apply · ctrl+r clear · escape cancel"), classes="dialog-hint", markup=False)

    def _chosen(self, name: str) -> str:
        value = self.query_one(f"#filter-{name}", Select).value
        return "" if value is Select.NULL else str(value)

    def action_apply(self) -> None:
        typed = self.query_one("#filter-assignee", Input).value.strip()
        try:
            chosen = queues.queue_filter(
                status=self._chosen("status"),
                category=self._chosen("category"),
                priority=self._chosen("priority"),
                assignee="" if typed == UNASSIGNED else typed,
                unassigned=typed == UNASSIGNED,
            )
        except DeskError as refusal:
            # Said where it was typed, and the dialog stays open with the agent's choices.
            self.query_one(".dialog-hint", Label).update(Text(str(refusal), style="bold yellow"))
            return
        self.dismiss(chosen)

    def on_input_submitted(self) -> None:
        self.action_apply()

    def action_clear(self) -> None:
        self.dismiss(QueueFilter())

    def action_cancel(self) -> None:
        self.dismiss(None)
