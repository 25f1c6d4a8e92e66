"""The audit pane's two forms: the filter (actor, action, entity, time range, who viewed what) and the export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Select

from lifer_desk.domain.audit_filter import ENTITY_KINDS, AuditFilter
from lifer_desk.i18n import N_, _
from lifer_desk.services import audit_review
from lifer_desk.ui.desk_screen import DeskModal
from lifer_desk.ui.dialogs import FilterForm, filter_bindings
from lifer_desk.ui.still_inputs import StillInput
from lifer_desk.ui.text.cells import local_time
from widgets.marked_toggles import MarkedCheckbox


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else local_time(moment, zone)


class AuditFilterDialog(FilterForm[AuditFilter]):
    """Returns the filter for `services.audit_review.page`, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = filter_bindings("audit_filters")
    TITLE_TEXT: ClassVar[str] = N_("Audit filters")

    def __init__(self, current: AuditFilter) -> None:
        super().__init__()
        self._current = current

    def fields(self) -> ComposeResult:
        current = self._current
        zone = self.ctx.settings.timezone
        entity = ""
        if current.entity_id is not None:
            entity = f"{ENTITY_KINDS.get(current.entity_type or '', current.entity_type)}:{current.entity_id}"
        yield StillInput(current.actor or "", placeholder=_("actor (agent name)"), id="audit-actor")
        yield StillInput(
            current.action or "", placeholder=_("action, or a prefix such as verification."), id="audit-action"
        )
        yield StillInput(entity, placeholder=_("entity: ticket:12, request:3, account:u_0001"), id="audit-entity")
        yield StillInput(_local(current.since, zone), placeholder=_("from (2026-11-30 09:00)"), id="audit-since")
        yield StillInput(_local(current.until, zone), placeholder=_("before (2026-12-01)"), id="audit-until")
        yield MarkedCheckbox(_("only who viewed what (reveals and lookups)"), current.viewed, id="audit-viewed")

    def _typed(self, name: str) -> str:
        return self.query_one(f"#audit-{name}", Input).value

    def chosen(self) -> AuditFilter:
        zone = self.ctx.settings.timezone
        return audit_review.audit_filter(
            actor=self._typed("actor"),
            action=self._typed("action"),
            entity=self._typed("entity"),
            since=audit_review.parse_moment(self._typed("since"), zone, _("from")),
            until=audit_review.parse_moment(self._typed("until"), zone, _("before")),
            viewed=self.query_one("#audit-viewed", Checkbox).value,
        )

    def cleared(self) -> AuditFilter:
        return AuditFilter()


class ExportDialog(DeskModal[tuple[Path, str] | None]):
    """Returns (file, format) for the export of the filtered range, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "export", N_("Export"), id="audit_export.confirm"),
        Binding("escape", "cancel", N_("Cancel"), id="audit_export.cancel"),
    ]

    AUTO_FOCUS = "#export-path"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(_("Export the filtered events"), classes="dialog-title", markup=False)
            yield Select([("JSONL", "jsonl"), ("CSV", "csv")], value="jsonl", allow_blank=False, id="export-format")
            yield StillInput(placeholder=_("file to write (absolute path)"), id="export-path")
            yield Label(_("ctrl+s export · escape cancel"), classes="dialog-hint", markup=False)

    def action_export(self) -> None:
        typed = self.query_one("#export-path", Input).value.strip()
        path = Path(typed).expanduser()
        if not typed or not path.is_absolute():
            self.query_one(".dialog-hint", Label).update(
                Text(_("Give the file as an absolute path."), style="bold yellow")
            )
            return
        self.dismiss((path, str(self.query_one("#export-format", Select).value)))

    def on_input_submitted(self) -> None:
        self.action_export()

    def action_cancel(self) -> None:
        self.dismiss(None)
