"""Raising a request from a ticket: `d` a deletion with its scope, `e` a correction, each with a preview.

The preview is read from the admin API when the dialog opens (and, for a correction, again as values are
typed): what would go, counted; the masked old value beside the new one; a refused value or a username already
taken, said next to its field. ctrl+s raises the request; the services check it all again and decide whether it
waits for verification, needs approval, or goes at urgent priority.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option

from lifer_desk.admin_api import AdminApiError
from lifer_desk.config import ConfigError
from lifer_desk.domain.identity import Field, field_label
from lifer_desk.domain.requests import DeletionScope, RequestState
from lifer_desk.i18n import N_, _
from lifer_desk.services import request_preview
from lifer_desk.services.errors import DeskError
from lifer_desk.services.request_preview import AccountState, CorrectionPreview, DeletionPreview
from lifer_desk.services.request_views import RequestView
from lifer_desk.services.verification import ClaimsRefused
from lifer_desk.ui.desk_screen import DeskModal
from lifer_desk.ui.requests.parts import SCOPE_LABELS, STATE_LABELS
from lifer_desk.ui.still_inputs import StillInput
from lifer_desk.ui.text.cells import customer_line, local_time
from lifer_desk.ui.text.errors import api_problem
from lifer_desk.ui.verify.parts import minor_text
from lifer_desk.ui.verify.screen import GENDER_CHOICES
from widgets.marked_toggles import MarkedSelectionList

# What the admin API or the desk can answer instead of a preview or a raised request.
_FAILURES = (DeskError, AdminApiError, ConfigError)
# Long enough to skip a call per keystroke, short enough to read as checking while typing.
CHECK_AFTER = 0.4


def _problem(error: Exception) -> Text:
    message = api_problem(error) if isinstance(error, AdminApiError) else str(error)
    return Text(message, style="bold yellow", end="")


def account_lines(state: AccountState) -> Text:
    """The account (masked), its minor flag, and whether the caller is verified as it on this ticket."""
    summary = state.summary
    text = Text(_("account "), style="dim", end="")
    text.append_text(customer_line(summary.id))
    for masked in (summary.email_masked, summary.username_masked):
        text.append(" · ")
        text.append_text(customer_line(masked))
    if (minor := minor_text(summary)) is not None:
        text.append("\n")
        text.append_text(minor)
    text.append("\n")
    if state.verified:
        text.append(_("caller verified by {agent}").format(agent=state.verified_by), style="green")
    else:
        text.append(
            _("caller not verified on this ticket: the request waits in awaiting verification until verified"),
            style="bold yellow",
        )
    return text


class _RequestDialog(DeskModal[RequestView | None]):
    """What both dialogs share: the ticket, the preview worker's result, and raising with ctrl+s."""

    class Failed(Message):
        """No preview, or no request: `problem` says why; `errors` names refused fields (may be empty)."""

        def __init__(self, problem: Text, errors: Mapping[Field, str] | None = None) -> None:
            super().__init__()
            self.problem = problem
            self.errors = dict(errors or {})

    class Raised(Message):
        def __init__(self, request: RequestView) -> None:
            super().__init__()
            self.request = request

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self._account_read = False

    def _show_account(self, state: AccountState) -> None:
        self._account_read = True
        self.query_one("#request-account", Static).update(account_lines(state))

    def _say(self, text: Text | None) -> None:
        shown = self.query_one("#request-problem", Static)
        shown.update(text or "")
        shown.set_class(text is None, "-empty")

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._say(message.problem)
        if not self._account_read:
            # "Reading the account…" would otherwise stay, promising what the problem line says will not come.
            self.query_one("#request-account", Static).update(Text(_("No account read."), style="dim"))

    @on(Raised)
    def _raised(self, message: Raised) -> None:
        self.dismiss(message.request)

    def action_close(self) -> None:
        self.dismiss(None)


class DeletionDialog(_RequestDialog):
    """`d` on a ticket: the scope (the whole account, selected images, the diary or payment links), what it
    would delete, counted by the admin API, and ctrl+s to raise it."""

    DEFAULT_CSS = """
    DeletionDialog SelectionList { height: auto; max-height: 6; }
    DeletionDialog .-empty { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", N_("Raise request"), id="deletion.submit"),
        Binding("escape", "close", N_("Cancel"), id="deletion.close"),
    ]

    class Previewed(Message):
        def __init__(self, preview: DeletionPreview) -> None:
            super().__init__()
            self.preview = preview

    def __init__(self, ticket_id: int) -> None:
        super().__init__(ticket_id)
        self._preview: DeletionPreview | None = None
        self._scope = DeletionScope.ACCOUNT

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog request-dialog"):
            yield Label(
                _("Deletion request · ticket #{id}").format(id=self.ticket_id), classes="dialog-title", markup=False
            )
            yield Static(Text(_("Reading the account…"), style="dim"), id="request-account", markup=False)
            yield OptionList(*(Option(_(SCOPE_LABELS[scope]), id=scope.value) for scope in DeletionScope), id="scope")
            yield MarkedSelectionList[str](id="images", classes="-empty")
            yield Static("", id="request-preview", markup=False)
            yield Static("", id="request-problem", classes="-empty", markup=False)
            yield Label(
                _("↑↓ scope · tab, space picks images · ctrl+s raise · escape cancel"),
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#scope", OptionList).focus()
        self._load()

    @work(exclusive=True, exit_on_error=False, group="request-preview")
    async def _load(self) -> None:
        try:
            preview = await request_preview.preview_deletion(self.ctx, self.ticket_id)
        except _FAILURES as error:
            self.post_message(self.Failed(_problem(error)))
            return
        self.post_message(self.Previewed(preview))

    @work(exclusive=True, exit_on_error=False, group="request-raise")
    async def _raise(self, scope: DeletionScope, image_ids: tuple[str, ...]) -> None:
        try:
            raised = await request_preview.raise_deletion(self.ctx, self.ticket_id, scope, image_ids)
        except _FAILURES as error:
            self.post_message(self.Failed(_problem(error)))
            return
        self.post_message(self.Raised(raised))

    @on(Previewed)
    def _previewed(self, message: Previewed) -> None:
        self._preview = message.preview
        self._show_account(message.preview.account)
        images = self.query_one("#images", SelectionList)
        zone = self.ctx.settings.timezone
        images.clear_options()
        for image in message.preview.images:
            label = customer_line(image.id)
            label.append(f"  {local_time(image.uploaded_at, zone)}  {image.bytes:,} B", style="dim")
            images.add_option((label, image.id))
        if message.preview.images:
            # So that the first space picks the first image, rather than nothing.
            images.highlighted = 0
        self._paint()

    @on(OptionList.OptionHighlighted, "#scope")
    def _scope_chosen(self, event: OptionList.OptionHighlighted) -> None:
        assert event.option.id is not None  # every option is made with its scope as id
        self._scope = DeletionScope(event.option.id)
        self.query_one("#images").set_class(self._scope is not DeletionScope.IMAGES, "-empty")
        self._paint()

    @on(SelectionList.SelectedChanged, "#images")
    def _images_picked(self) -> None:
        self._paint()

    def _chosen_images(self) -> tuple[str, ...]:
        if self._scope is not DeletionScope.IMAGES:
            return ()
        return tuple(self.query_one("#images", SelectionList).selected)

    def _paint(self) -> None:
        preview = self._preview
        if preview is None:
            return
        text = Text(_("Will delete: "), style="bold", end="")
        going = preview.going(self._scope, self._chosen_images())
        text.append(" · ".join(f"{item.label} {item.count}" for item in going))
        if self._scope is DeletionScope.IMAGES and not preview.images:
            text.append("\n" + _("The account has no images."), style="bold yellow")
        elif self._scope is DeletionScope.IMAGES and not self._chosen_images():
            text.append("\n" + _("Pick the images to delete (space)."), style="dim")
        if preview.urgent:
            text.append("\n" + _("Raised at URGENT priority: under 14 without guardian consent."), style="bold red")
        text.append("\n" + _("Needs approval by a supervisor other than you."), style="dim")
        self.query_one("#request-preview", Static).update(text)

    def action_submit(self) -> None:
        if self._preview is None:
            # Still on its way, or it failed (an outage, no linked account): ask again, and raise nothing unseen.
            self._say(Text(_("Reading the account again…"), style="dim"))
            self._load()
            return
        if self._scope is DeletionScope.IMAGES and not self._chosen_images():
            self._say(Text(_("Pick at least one image (space)"), style="bold yellow"))
            return
        self._say(Text(_("Raising…"), style="dim"))
        self._raise(self._scope, self._chosen_images())


class CorrectionDialog(_RequestDialog):
    """`e` on a ticket: new values for email, username, birthday or gender, each checked as it is typed; the
    preview pairs the masked old value with the new one."""

    DEFAULT_CSS = """
    CorrectionDialog .-empty { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", N_("Raise request"), id="correction.submit"),
        Binding("escape", "close", N_("Cancel"), id="correction.close"),
    ]

    TYPED: ClassVar[tuple[Field, ...]] = (Field.EMAIL, Field.USERNAME, Field.BIRTHDAY)

    class Previewed(Message):
        def __init__(self, preview: CorrectionPreview) -> None:
            super().__init__()
            self.preview = preview

    def __init__(self, ticket_id: int) -> None:
        super().__init__(ticket_id)
        self._check: Timer | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog request-dialog"):
            yield Label(
                _("Correction request · ticket #{id}").format(id=self.ticket_id), classes="dialog-title", markup=False
            )
            yield Static(Text(_("Reading the account…"), style="dim"), id="request-account", markup=False)
            for name in self.TYPED:
                with Horizontal(classes="field-row"):
                    yield Label(field_label(name), classes="verify-label", markup=False)
                    yield StillInput(placeholder=_("new value, blank to keep"), id=f"new-{name}", compact=True)
                yield Static("", id=f"error-{name}", classes="verify-error -empty", markup=False)
            with Horizontal(classes="field-row"):
                yield Label(field_label(Field.GENDER), classes="verify-label", markup=False)
                yield Select(
                    [(_(label), value) for label, value in GENDER_CHOICES],
                    prompt=_("unchanged"),
                    id="new-gender",
                    compact=True,
                )
            yield Static("", id="error-gender", classes="verify-error -empty", markup=False)
            yield Static("", id="request-preview", markup=False)
            yield Static("", id="request-problem", classes="-empty", markup=False)
            yield Label(_("enter check · ctrl+s raise · escape cancel"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(f"#new-{Field.EMAIL}", Input).focus()
        self._preview_now()

    def _values(self) -> dict[Field, str]:
        values = {name: self.query_one(f"#new-{name}", Input).value for name in self.TYPED}
        gender = self.query_one("#new-gender", Select).value
        if isinstance(gender, str):
            values[Field.GENDER] = gender
        return values

    @work(exclusive=True, exit_on_error=False, group="request-preview")
    async def _load(self, values: dict[Field, str], then_raise: bool = False) -> None:
        try:
            preview = await request_preview.preview_correction(self.ctx, self.ticket_id, values)
        except _FAILURES as error:
            self.post_message(self.Failed(_problem(error)))
            return
        self.post_message(self.Previewed(preview))
        if not then_raise or not preview.ready:
            return
        try:
            raised = await request_preview.raise_correction(self.ctx, self.ticket_id, values)
        except ClaimsRefused as refusal:
            self.post_message(self.Failed(_problem(refusal), refusal.errors))
            return
        except _FAILURES as error:
            self.post_message(self.Failed(_problem(error)))
            return
        self.post_message(self.Raised(raised))

    def _preview_now(self, then_raise: bool = False) -> None:
        if self._check is not None:
            self._check.stop()
        self._load(self._values(), then_raise)

    @on(Input.Changed)
    @on(Select.Changed)
    def _typed(self) -> None:
        if self._check is not None:
            self._check.stop()
        self._check = self.set_timer(CHECK_AFTER, self._preview_now)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self._preview_now()

    @on(Previewed)
    def _previewed(self, message: Previewed) -> None:
        preview = message.preview
        self._show_account(preview.account)
        self._show_errors(preview.errors)
        text = Text(end="")
        if not preview.changes:
            text.append(_("Type at least one new value."), style="dim")
        for line in preview.changes:
            if text.plain:
                text.append("\n")
            text.append(f"{field_label(line.field)}: ", style="bold")
            text.append_text(customer_line(line.old_masked))
            text.append(" → ")
            text.append_text(customer_line(line.new_value))
        if preview.changes:
            needs = _("Needs approval by a supervisor other than you.") if preview.needs_approval else None
            text.append(
                "\n" + (needs or _("Runs without approval once the caller is verified (audited).")), style="dim"
            )
        self.query_one("#request-preview", Static).update(text)
        self._say(None)

    @on(_RequestDialog.Failed)
    def _failed_fields(self, message: _RequestDialog.Failed) -> None:
        if message.errors:
            self._show_errors(message.errors)

    def _show_errors(self, errors: Mapping[Field, str]) -> None:
        for name in Field:
            shown = self.query_one(f"#error-{name}", Static)
            error = errors.get(name)
            shown.update(Text(f"↑ {error}", style="bold yellow") if error else "")
            shown.set_class(error is None, "-empty")

    def action_submit(self) -> None:
        self._say(Text(_("Checking…"), style="dim"))
        self._preview_now(then_raise=True)


# Where a request just raised stands, said in full: the table's one-word state labels read as orders here
# ("raised: approve").
_RAISED_STATES = {
    RequestState.AWAITING_VERIFICATION: N_("it waits until the caller is verified on this ticket"),
    RequestState.AWAITING_APPROVAL: N_("it waits for a supervisor other than you to approve it"),
    RequestState.APPROVED: N_("it needs no approval and runs shortly"),
}


def raised_notice(request: RequestView) -> str:
    """What the agent is told once a request is raised: its number and where it stands."""
    state = _RAISED_STATES.get(request.state, STATE_LABELS[request.state])
    return _("Request #{id} raised: {state}").format(id=request.id, state=_(state))
