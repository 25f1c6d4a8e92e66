"""Feedback mode's dialogs: the filters, the bulk confirmation with the valid actions, and bulk progress."""

from __future__ import annotations

import threading
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, ProgressBar, Select
from textual.widgets.option_list import Option

from lifer_desk.domain.feedback import FeedbackChannel, FeedbackFilter, TriageAction
from lifer_desk.i18n import N_, _
from lifer_desk.services import feedback
from lifer_desk.services.feedback_bulk import BulkProgress
from lifer_desk.ui.desk_screen import DeskModal
from lifer_desk.ui.dialogs import FilterForm, filter_bindings
from lifer_desk.ui.still_inputs import StillInput


class FeedbackFilterDialog(FilterForm[FeedbackFilter]):
    """Tag, channel, app version, platform and date range; returns the new view (same mailbox and search)."""

    BINDINGS: ClassVar[list[BindingType]] = filter_bindings("feedback_filters")
    TITLE_TEXT: ClassVar[str] = N_("Feedback filters")

    def __init__(self, current: FeedbackFilter, tags: tuple[str, ...]) -> None:
        super().__init__()
        self._current = current
        self._tags = tags

    def fields(self) -> ComposeResult:
        current = self._current
        yield Select(
            [(tag, tag) for tag in self._tags],
            prompt=_("any tag"),
            value=current.tag or Select.NULL,
            id="filter-tag",
        )
        yield Select(
            [(channel.value, channel.value) for channel in FeedbackChannel],
            prompt=_("any channel"),
            value=current.channel.value if current.channel else Select.NULL,
            id="filter-channel",
        )
        yield StillInput(current.app_version or "", placeholder=_("app version (blank: any)"), id="filter-version")
        yield StillInput(current.platform or "", placeholder=_("platform: android, ios, web"), id="filter-platform")
        yield StillInput(
            current.since.isoformat() if current.since else "", placeholder=_("from 2025-03-01"), id="filter-since"
        )
        yield StillInput(
            current.until.isoformat() if current.until else "", placeholder=_("to 2025-03-31"), id="filter-until"
        )

    def _typed(self, name: str) -> str:
        return self.query_one(f"#filter-{name}", Input).value

    def _picked(self, name: str) -> str:
        value = self.query_one(f"#filter-{name}", Select).value
        return "" if value is Select.NULL else str(value)

    def chosen(self) -> FeedbackFilter:
        return feedback.feedback_filter(
            mailbox=self._current.mailbox,
            tag=self._picked("tag"),
            channel=self._picked("channel"),
            app_version=self._typed("version"),
            platform=self._typed("platform"),
            since=self._typed("since"),
            until=self._typed("until"),
            search=self._current.search,
            tags=self._tags,
        )

    def cleared(self) -> FeedbackFilter:
        return FeedbackFilter(mailbox=self._current.mailbox, search=self._current.search)


class BulkDialog(DeskModal[TriageAction | None]):
    """The confirmation of a bulk action: how many items, and only the actions valid for every one of them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), id="bulk.cancel"),
        Binding("j", "move(1)", show=False, id="bulk.down"),
        Binding("k", "move(-1)", show=False, id="bulk.up"),
    ]

    def __init__(self, title: str, count: int, actions: tuple[TriageAction, ...]) -> None:
        super().__init__()
        self._title = title
        self._count = count
        self._actions = actions

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Label(_("{n:,} items will change.").format(n=self._count), id="bulk-count", markup=False)
            if self._actions:
                yield OptionList(*(Option(action.label, id=action.value) for action in self._actions))
                hint = _("enter apply to all {n:,} · escape cancel").format(n=self._count)
            else:
                yield Label(_("No action applies to every selected item."), markup=False)
                hint = _("escape close")
            yield Label(hint, classes="dialog-hint", markup=False)

    def action_move(self, delta: int) -> None:
        for options in self.query(OptionList):
            options.action_cursor_down() if delta > 0 else options.action_cursor_up()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None  # every option is made with its action as id
        self.dismiss(TriageAction(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class BulkProgressDialog(DeskModal[None]):
    """Progress of a running bulk action; escape asks it to stop after the batch in hand."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", N_("Stop after this batch"), id="bulk_progress.stop"),
    ]

    def __init__(self, title: str, total: int, stop: threading.Event) -> None:
        super().__init__()
        self._title = title
        self._total = total
        self._stop = stop

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield ProgressBar(total=self._total, show_eta=False, id="bulk-bar")
            yield Label(_("escape stops after the batch in hand; done batches stay done"), classes="dialog-hint")

    def advance(self, step: BulkProgress) -> None:
        self.query_one(ProgressBar).update(progress=step.done, total=step.total)

    def action_stop(self) -> None:
        self._stop.set()
        self.query_one(".dialog-hint", Label).update(_("stopping after this batch…"))
