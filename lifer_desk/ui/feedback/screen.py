"""Feedback mode: the mailboxes with live counts, the feedback table with search and filters, selection and bulk
actions, and the sync's health ("last synced HH:MM, admin API unreachable since HH:MM")."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Input, OptionList, Static

from lifer_desk.domain.feedback import FeedbackFilter, Mailbox, TriageAction
from lifer_desk.i18n import N_, _, format_clock
from lifer_desk.services import feedback, feedback_sync
from lifer_desk.services.errors import Refused
from lifer_desk.services.feedback_bulk import BulkProgress, BulkResult, Selection, SelectionSummary, run_bulk, summarise
from lifer_desk.services.feedback_sync import SyncStatus
from lifer_desk.services.queues import check_search
from lifer_desk.ui.desk_screen import PolledScreen, desk
from lifer_desk.ui.desk_table import DeskTable
from lifer_desk.ui.dialogs import ChoiceDialog
from lifer_desk.ui.feedback.detail import FeedbackDetailScreen
from lifer_desk.ui.feedback.dialogs import BulkDialog, BulkProgressDialog, FeedbackFilterDialog
from lifer_desk.ui.feedback.mailbox_list import MailboxList, mailbox_of
from lifer_desk.ui.feedback.source import FeedbackSource, Picked, feedback_columns
from lifer_desk.ui.search_as_you_type import SearchAsYouType
from lifer_desk.ui.still_inputs import StillInput
from widgets.table_messages import LoadFailed, RowSelected
from widgets.virtual_table import VirtualTable

POLL_EVERY = 1.0
# How often the opening sync looks again for the first page to have landed in the table.
LANDING_RECHECK_SECONDS = 0.02


def sync_line(status: SyncStatus, zone: object) -> Text:
    def hhmm(moment: datetime) -> str:
        return format_clock(moment, zone)  # type: ignore[arg-type]  # a ZoneInfo

    if status.last_synced is None and status.failing_since is None:
        return Text(_("feedback not synced yet"), style="dim", no_wrap=True, end="")
    shown = _("last synced {at}").format(at=hhmm(status.last_synced)) if status.last_synced else _("never synced")
    line = Text(shown, style="dim", no_wrap=True, overflow="ellipsis", end="")
    if status.failing_since is not None:
        since = _("admin API unreachable since {at}").format(at=hhmm(status.failing_since))
        line.append(", ")
        line.append(since, style="bold yellow")
    return line


def filter_text(view: FeedbackFilter) -> str:
    shown = [
        (_("tag"), view.tag),
        (_("channel"), view.channel and view.channel.value),
        (_("version"), view.app_version),
        (_("platform"), view.platform),
        (_("from"), view.since and view.since.isoformat()),
        (_("to"), view.until and view.until.isoformat()),
    ]
    return " · ".join(f"{name}={value}" for name, value in shown if value)


FeedbackMarker = tuple[tuple[int | None, ...], SyncStatus]


class FeedbackScreen(PolledScreen, SearchAsYouType):
    PALETTE_NAME: ClassVar[str] = N_("feedback")
    DEFAULT_CSS = """
    #mailboxes { height: 1fr; border: none; border-right: vkey $panel; }
    #feedback-pane { width: 1fr; }
    #feedback-search { height: 1; border: none; padding: 0 1; }
    #feedback-view, #feedback-sync { height: 1; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", N_("Search"), id="feedback.search"),
        Binding("f", "filters", N_("Filter"), id="feedback.filters"),
        Binding("space", "pick", N_("Select"), id="feedback.pick"),
        Binding("a", "pick_all", N_("Select all matching"), id="feedback.pick_all"),
        Binding("b", "bulk", N_("Bulk"), id="feedback.bulk"),
        Binding("r", "triage('review')", N_("Reviewed"), id="feedback.review"),
        Binding("x", "spam", N_("Spam/not spam"), id="feedback.spam"),
        Binding("t", "tag", N_("Tag"), show=False, id="feedback.tag"),
        Binding("c", "triage('convert')", N_("To ticket"), show=False, id="feedback.convert"),
        Binding("s", "sync", N_("Sync now"), show=False, id="feedback.sync"),
        Binding("tab", "switch_pane", N_("Mailboxes/items"), show=False, id="feedback.switch_pane"),
        Binding("escape", "clear", N_("Clear selection/search"), show=False, id="feedback.clear"),
    ]

    SEARCH_BOX: ClassVar[str] = "feedback-search"

    class CountsLoaded(Message):
        def __init__(self, counts: dict[Mailbox | None, int]) -> None:
            super().__init__()
            self.counts = counts

    class Summarised(Message):
        def __init__(self, selection: Selection, summary: SelectionSummary, action: TriageAction | None) -> None:
            super().__init__()
            self.selection = selection
            self.summary = summary
            self.action = action

    class BulkStep(Message):
        def __init__(self, step: BulkProgress) -> None:
            super().__init__()
            self.step = step

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, FeedbackScreen.BulkStep)

    class BulkDone(Message):
        def __init__(self, action: TriageAction, result: BulkResult) -> None:
            super().__init__()
            self.action = action
            self.result = result

    class Changed(Message):
        """One item changed from this screen: reload what shows it."""

    class FirstPageRead(Message):
        """The table's first page has been read: the opening sync may start."""

    def __init__(self) -> None:
        super().__init__()
        self.view = FeedbackFilter()
        self.picked = Picked()
        self._progress: BulkProgressDialog | None = None

    @property
    def title_text(self) -> str:
        return _("Feedback")

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#feedback", VirtualTable)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield MailboxList(id="mailboxes")
            with Vertical(id="feedback-pane"):
                yield StillInput(placeholder=_("/ search: words, 中文"), id="feedback-search")
                yield Static("", id="feedback-view", markup=False)
                yield DeskTable(
                    FeedbackSource(
                        self.ctx, self.view, self.picked, first_read=lambda: self.post_message(self.FirstPageRead())
                    ),
                    feedback_columns(),
                    id="feedback",
                    empty_message=_("No feedback here"),
                    loading_message=_("Loading…"),
                )
                yield Static(Text(""), id="feedback-sync", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._describe_view()
        self.table.focus()
        self.start_polling(POLL_EVERY)

    # Workers ----------------------------------------------------------------------------------------------

    def read_marker(self) -> FeedbackMarker:
        """The items' change marker and the sync's health (for the sync line): both move only with a commit."""
        return feedback.changed_since(self.ctx), feedback_sync.sync_status(self.ctx)

    def show_changes(self, marker: object, before: object) -> None:
        items, status = cast(FeedbackMarker, marker)
        shown = cast(FeedbackMarker | None, before)
        if shown is None or items != shown[0]:
            self.table.reload()
            self.reload_counts()
        if shown is None or status != shown[1]:
            self.query_one("#feedback-sync", Static).update(sync_line(status, self.ctx.settings.timezone))

    @work(thread=True, exclusive=True, exit_on_error=False, group="feedback-counts")
    def reload_counts(self) -> None:
        """Read the mailboxes' capped counts and post them."""
        self.post_message(self.CountsLoaded(feedback.counts(self.ctx)))

    @work(exclusive=True, exit_on_error=False, group="feedback-sync")
    async def sync_now(self, quiet: bool = False) -> None:
        """Import new feedback now; `quiet` (on opening) leaves an outage to the sync line rather than a notice."""
        try:
            await feedback_sync.sync_feedback(self.ctx)
        except Exception:
            if not quiet:
                raise
        self.poll_changes()

    @work(thread=True, exclusive=True, exit_on_error=False, group="feedback-change")
    def change(self, item_id: int, action: TriageAction, tag: str | None = None) -> None:
        """Apply one triage action to one item."""
        feedback.triage(self.ctx, item_id, action, tag)
        self.post_message(self.Changed())

    @work(thread=True, exclusive=True, exit_on_error=False, group="feedback-change")
    def summarise(self, selection: Selection, action: TriageAction | None) -> None:
        """Count the selection and find the actions valid for all of it, for the confirmation."""
        self.post_message(self.Summarised(selection, summarise(self.ctx, selection), action))

    @work(thread=True, exclusive=True, exit_on_error=False, group="feedback-bulk")
    def run_bulk(self, selection: Selection, action: TriageAction, tag: str | None, stop: threading.Event) -> None:
        """Apply `action` to the selection in batches, posting progress, until done or stopped between batches."""
        result = run_bulk(
            self.ctx,
            selection,
            action,
            tag=tag,
            progress=lambda step: self.post_message(self.BulkStep(step)),
            cancelled=stop.is_set,
        )
        self.post_message(self.BulkDone(action, result))

    # Handlers ---------------------------------------------------------------------------------------------

    @on(FirstPageRead)
    def _sync_once_shown(self) -> None:
        # Opening the admin API (importing httpx, building its TLS context) and the sync's work compete with the
        # first page for the CPU: on a loaded host they held the rows back for seconds, during which the desk
        # showed nothing new. So the opening sync starts once the first page has been painted.
        self._sync_once_landed()

    def _sync_once_landed(self) -> None:
        # The page was read in the table's thread, which posts the rows to the table after this message: on a
        # busy host they may land frames later. Until they have, look again shortly.
        if self.table.is_loading:
            self.set_timer(LANDING_RECHECK_SECONDS, self._sync_once_landed)
            return
        self.call_after_refresh(self.sync_now, quiet=True)

    @on(CountsLoaded)
    def _show_counts(self, message: CountsLoaded) -> None:
        self.query_one(MailboxList).show_counts(message.counts)

    @on(Changed)
    def _changed(self) -> None:
        self.poll_changes()

    @on(OptionList.OptionHighlighted, "#mailboxes")
    def _mailbox_chosen(self, event: OptionList.OptionHighlighted) -> None:
        assert event.option.id is not None  # every option is made with its mailbox as id
        mailbox = mailbox_of(event.option.id)
        if mailbox != self.view.mailbox:
            self._show_view(replace(self.view, mailbox=mailbox))

    @on(OptionList.OptionSelected, "#mailboxes")
    def _mailbox_opened(self) -> None:
        self.table.focus()

    @on(VirtualTable.RowSelected, "#feedback")
    def _open(self, event: RowSelected) -> None:
        item_id = int(event.row_id)  # type: ignore[call-overload]  # rows are keyed by item id
        self.app.push_screen(FeedbackDetailScreen(item_id), self._back_from_item)

    def _back_from_item(self, _result: None) -> None:
        self.poll_changes()

    @on(VirtualTable.LoadFailed)
    def _load_failed(self, event: LoadFailed) -> None:
        desk(self).show_error(event.error)

    def search_table(self) -> VirtualTable:
        return self.table

    def run_search(self, typed: str) -> None:
        try:
            typed = check_search(typed)
        except Refused as refusal:
            self._describe_view(refusal=str(refusal))
            return
        if typed != self.view.search:
            self._show_view(replace(self.view, search=typed))

    @on(Summarised)
    def _confirm(self, message: Summarised) -> None:
        summary = message.summary
        if message.action is not None and message.action not in summary.actions:
            desk(self).show_error(
                Refused(_("{action} does not apply to every selected item.").format(action=message.action.label))
            )
            return
        title = (
            _("All {n:,} items matching this view").format(n=summary.count)
            if message.selection.matching is not None
            else _("{n:,} selected items").format(n=summary.count)
        )
        offered = (message.action,) if message.action is not None else summary.actions

        def chosen(action: TriageAction | None) -> None:
            if action is not None:
                self._with_tag(action, lambda tag: self._start_bulk(message.selection, summary.count, action, tag))

        self.app.push_screen(BulkDialog(title, summary.count, offered), chosen)

    @on(BulkStep)
    def _bulk_step(self, message: BulkStep) -> None:
        if self._progress is not None:
            self._progress.advance(message.step)

    @on(BulkDone)
    def _bulk_done(self, message: BulkDone) -> None:
        if self._progress is not None:
            self._progress.dismiss()
            self._progress = None
        result = message.result
        if result.cancelled:
            text = _("{action}: stopped after {n:,} items; every finished batch stays applied.")
        else:
            text = _("{action}: {n:,} items changed.")
        self.notify(text.format(action=message.action.label, n=result.changed), markup=False)
        self.picked.ids.clear()
        self.picked.all_matching = False
        self._describe_view()
        self.poll_changes()

    # Helpers ----------------------------------------------------------------------------------------------

    def _show_view(self, view: FeedbackFilter) -> None:
        self.view = view
        # A new view is a new selection: "all matching" meant the old view.
        self.picked.ids.clear()
        self.picked.all_matching = False
        self.table.set_source(FeedbackSource(self.ctx, view, self.picked))
        self._describe_view()

    def _describe_view(self, refusal: str | None = None) -> None:
        parts = [_("All") if self.view.mailbox is None else self.view.mailbox.label]
        if self.view.search:
            parts.append(_("search: {text}").format(text=self.view.search))
        if filters := filter_text(self.view):
            parts.append(filters)
        if self.picked.all_matching:
            parts.append(_("all matching selected"))
        elif self.picked.ids:
            parts.append(_("{n} selected").format(n=len(self.picked.ids)))
        line = Text(" · ".join(parts), style="dim", no_wrap=True, overflow="ellipsis")
        if refusal is not None:
            line = Text.assemble((refusal, "bold yellow"), " · ", line, no_wrap=True)
        self.query_one("#feedback-view", Static).update(line)

    def _selection(self) -> Selection | None:
        if self.picked.all_matching:
            return Selection(matching=self.view)
        if self.picked.ids:
            return Selection(ids=tuple(sorted(self.picked.ids, reverse=True)))
        return None

    def _cursor_id(self) -> int | None:
        row = self.table.cursor_row
        return None if row is None else int(row.id)  # type: ignore[call-overload]  # rows are keyed by item id

    def _act(self, action: TriageAction, tag: str | None = None) -> None:
        selection = self._selection()
        if selection is not None:
            self.summarise(selection, action)
        elif (item_id := self._cursor_id()) is not None:
            self._with_tag(action, lambda chosen: self.change(item_id, action, chosen), tag)

    def _with_tag(self, action: TriageAction, then: Callable[[str | None], object], tag: str | None = None) -> None:
        """Run `then(tag)`, first asking for the tag when the action needs one."""
        if action not in (TriageAction.TAG, TriageAction.UNTAG) or tag is not None:
            then(tag)
            return

        def picked(chosen: str | None) -> None:
            if chosen is not None:
                then(chosen)

        tags = [(tag, tag) for tag in self.ctx.settings.feedback_tags]
        title = _("Add a tag") if action is TriageAction.TAG else _("Remove a tag")
        self.app.push_screen(ChoiceDialog(title, tags), picked)

    def _start_bulk(self, selection: Selection, total: int, action: TriageAction, tag: str | None) -> None:
        stop = threading.Event()
        self._progress = BulkProgressDialog(
            _("{action}: {n:,} items").format(action=action.label, n=total), total, stop
        )
        self.app.push_screen(self._progress)
        self.run_bulk(selection, action, tag, stop)

    # Actions ----------------------------------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_one("#feedback-search", Input).focus()

    def action_clear(self) -> None:
        search = self.query_one("#feedback-search", Input)
        if search.has_focus and search.value:
            search.value = ""
            self.run_search("")
        elif not self.picked.empty:
            self.picked.ids.clear()
            self.picked.all_matching = False
            self.table.reload()
            self._describe_view()
        self.table.focus()

    def action_filters(self) -> None:
        def chosen(view: FeedbackFilter | None) -> None:
            if view is not None:
                self._show_view(view)

        self.app.push_screen(FeedbackFilterDialog(self.view, self.ctx.settings.feedback_tags), chosen)

    def action_pick(self) -> None:
        item_id = self._cursor_id()
        if item_id is None:
            return
        self.picked.all_matching = False
        if item_id in self.picked.ids:
            self.picked.ids.discard(item_id)
        else:
            self.picked.ids.add(item_id)
        self.table.reload()
        self.table.action_cursor_down()
        self._describe_view()

    def action_pick_all(self) -> None:
        self.picked.ids.clear()
        self.picked.all_matching = not self.picked.all_matching
        self.table.reload()
        self._describe_view()
        if self.picked.all_matching:
            self.summarise(Selection(matching=self.view), None)

    def action_bulk(self) -> None:
        selection = self._selection()
        if selection is None:
            self.notify(_("Select items first: space picks one, a picks all matching."), markup=False)
            return
        self.summarise(selection, None)

    def action_triage(self, action: str) -> None:
        self._act(TriageAction(action))

    def action_spam(self) -> None:
        self._act(TriageAction.NOT_SPAM if self.view.mailbox is Mailbox.SPAM else TriageAction.SPAM)

    def action_tag(self) -> None:
        self._act(TriageAction.TAG)

    def action_sync(self) -> None:
        self.sync_now()

    def action_switch_pane(self) -> None:
        mailboxes = self.query_one(MailboxList)
        if mailboxes.has_focus:
            self.table.focus()
        else:
            mailboxes.focus()
