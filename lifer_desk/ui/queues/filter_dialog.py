"""The queue filters: status, category, priority and assignee, in one small form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Select

from lifer_desk.i18n import _
from lifer_desk.ui.desk_screen import DeskModal
from lifer_desk.ui.still_inputs import StillInput
from lifer_desk.ui.text.labels import CATEGORY_LABELS, PRIORITY_LABELS, STATUS_LABELS

UNASSIGNED = "-"


class FilterDialog(DeskModal[dict[str, str] | None]):
    """Returns the filters for `services.queues.queue_query` (assignee "" means unassigned), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", _("Apply"), id="filters.apply"),
        Binding("ctrl+r", "clear", _("Clear"), id="filters.clear"),
        Binding("escape", "cancel", _("Cancel"), id="filters.cancel"),
    ]

    def __init__(self, current: Mapping[str, str]) -> None:
        super().__init__()
        self._current = current

    def compose(self) -> ComposeResult:
        current = self._current
        labels: dict[str, Mapping[Any, str]] = {
            "status": STATUS_LABELS,
            "category": CATEGORY_LABELS,
            "priority": PRIORITY_LABELS,
        }
        with Vertical(classes="dialog"):
            yield Label(_("Filters"), classes="dialog-title", markup=False)
            for name, choices in labels.items():
                yield Select(
                    [(label, value.value) for value, label in choices.items()],
                    prompt=_("any {name}").format(name=_(name)),
                    value=current.get(name, Select.NULL),
                    id=f"filter-{name}",
                )
            assignee = current.get("assignee")
            yield StillInput(
                value=UNASSIGNED if assignee == "" else assignee or "",
                placeholder=_("agent (blank: any, -: unassigned)"),
                id="filter-assignee",
            )
            yield Label(_("ctrl+s apply · ctrl+r clear · escape cancel"), classes="dialog-hint", markup=False)

    def _filters(self) -> dict[str, str]:
        filters = {
            name: str(select.value)
            for name in ("status", "category", "priority")
            if (select := self.query_one(f"#filter-{name}", Select)).value is not Select.NULL
        }
        assignee = self.query_one("#filter-assignee", Input).value.strip()
        if assignee:
            filters["assignee"] = "" if assignee == UNASSIGNED else assignee
        return filters

    def action_apply(self) -> None:
        self.dismiss(self._filters())

    def on_input_submitted(self) -> None:
        self.action_apply()

    def action_clear(self) -> None:
        self.dismiss({})

    def action_cancel(self) -> None:
        self.dismiss(None)
