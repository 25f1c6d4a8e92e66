"""One request in full: what will run and its hash, the verification evidence, the history and the receipt; a
supervisor approves (`a`) or rejects (`x`) it here, or retries it once failed (`r`), and the requester or a
supervisor cancels it (`c`) or re-submits it once expired (`r`). It follows changes made elsewhere (another desk,
a deliverer) as Requests mode does, and says so.

The services decide who may do what; this screen only offers the keys that apply to the request as it stands (so
that the footer fits 80 columns), and shows a refusal where it happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Static

from lifer_desk.domain.requests import REQUEST_TRANSITIONS, RequestState
from lifer_desk.i18n import N_, _
from lifer_desk.services import request_queues, requests
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import DeskError
from lifer_desk.services.request_queues import RequestScreenDetail
from lifer_desk.services.request_views import RequestView
from lifer_desk.ui.desk_screen import PolledScreen, desk
from lifer_desk.ui.dialogs import ChoiceDialog, TextDialog
from lifer_desk.ui.requests.parts import POLL_EVERY, STATE_PHRASES, detail_text

Decide = Callable[[DeskContext, RequestScreenDetail], RequestView]

# The states each of the screen's decisions applies to (cancelling: wherever the state machine allows it).
_S = RequestState
_STATES_OF: dict[str, frozenset[RequestState]] = {
    "approve": frozenset({_S.AWAITING_APPROVAL}),
    "reject": frozenset({_S.AWAITING_APPROVAL}),
    "retry": frozenset({_S.FAILED}),
    "resubmit": frozenset({_S.EXPIRED}),
    "cancel": frozenset(state for state, targets in REQUEST_TRANSITIONS.items() if _S.CANCELLED in targets),
}
_SUPERVISORS_ONLY = frozenset({"approve", "reject", "retry"})


class RequestDetailScreen(PolledScreen):
    DEFAULT_CSS = """
    #request-notice {
        height: auto;
        padding: 0 1;
        &.-empty { display: none; }
    }
    #request-detail {
        height: 1fr;
        padding: 0 1;
    }
    """
    PALETTE_NAME: ClassVar[str] = N_("request")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back"), id="request.back"),
        # Short in the footer: a supervisor's keys on a request awaiting approval fill 80 columns.
        Binding("enter", "open_ticket", N_("Ticket"), tooltip=N_("Open ticket"), id="request.open_ticket"),
        Binding("a", "approve", N_("Approve"), id="request.approve"),
        Binding("x", "reject", N_("Reject"), id="request.reject"),
        Binding("c", "cancel", N_("Cancel request"), id="request.cancel"),
        # One key, two actions: at most one of them applies to a request's state (`check_action`).
        Binding("r", "retry", N_("Retry"), id="request.retry"),
        Binding("r", "resubmit", N_("Re-submit"), id="request.resubmit"),
        Binding("j,down", "scroll(1)", N_("Scroll down"), show=False, id="request.scroll_down"),
        Binding("k,up", "scroll(-1)", N_("Scroll up"), show=False, id="request.scroll_up"),
    ]

    class Loaded(Message):
        def __init__(self, shown: RequestScreenDetail, notice: Text | None = None) -> None:
            super().__init__()
            self.shown = shown
            self.notice = notice

    def __init__(self, request_id: int) -> None:
        super().__init__()
        self.request_id = request_id
        self.shown: RequestScreenDetail | None = None

    @property
    def title_text(self) -> str:
        return _("Request #{id}").format(id=self.request_id)

    def compose(self) -> ComposeResult:
        yield Static("", id="request-notice", classes="-empty", markup=False)
        with VerticalScroll(id="request-detail"):
            yield Static(Text(_("Loading…")), id="request-text", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        # The first poll reads and shows the request.
        self.start_polling(POLL_EVERY)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden where the request's state rules the action out, and a supervisor's decisions from agents (80
        # columns hold no more); cancelling is dimmed for an agent who did not raise the request. The services
        # refuse all the same, on the state as it is when the key is pressed.
        if action not in _STATES_OF:
            return True
        if self.shown is None or self.shown.detail.request.state not in _STATES_OF[action]:
            return False
        if action in _SUPERVISORS_ONLY:
            return self.ctx.is_supervisor
        mine = self.shown.detail.request.requested_by == self.ctx.agent
        return True if mine or self.ctx.is_supervisor else None

    # Workers ----------------------------------------------------------------------------------------------

    def read_marker(self) -> RequestScreenDetail:
        return request_queues.detail(self.ctx, self.request_id)

    def show_changes(self, marker: object, before: object) -> None:
        assert isinstance(marker, RequestScreenDetail)
        if marker == self.shown:
            # This desk's own decision, already shown with its notice.
            return
        before_state = None if self.shown is None else self.shown.detail.request.state
        self._paint(marker)
        if before_state is None:
            return
        state = marker.detail.request.state
        if state is not before_state:
            # Moved on elsewhere (another desk, the deliverer running an approval): say where it stands now.
            self._say(_now_in(self.request_id, state, style="bold yellow"))
        else:
            self._say(Text(_("Changed since you opened it; this is the latest."), style="bold yellow", end=""))

    @work(thread=True, exclusive=True, exit_on_error=False, group="request")
    def _decide(self, decide: Decide, seen: RequestScreenDetail) -> None:
        try:
            done = decide(self.ctx, seen)
        except DeskError as refusal:
            # Said here, on the request it concerns, with the request as it is now.
            notice = Text(str(refusal), style="bold yellow", end="")
        else:
            notice = _now_in(done.id, done.state)
        self.post_message(self.Loaded(request_queues.detail(self.ctx, self.request_id), notice))

    # Handlers ---------------------------------------------------------------------------------------------

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        self._paint(message.shown)
        self._say(message.notice)

    def _paint(self, shown: RequestScreenDetail) -> None:
        self.shown = shown
        now = self.ctx.clock()
        self.query_one("#request-text", Static).update(detail_text(shown, now, self.ctx.settings.timezone))
        # The keys offered follow the request's state.
        self.refresh_bindings()

    def _say(self, notice: Text | None) -> None:
        shown = self.query_one("#request-notice", Static)
        shown.update(notice or "")
        shown.set_class(notice is None, "-empty")

    # Actions ----------------------------------------------------------------------------------------------

    def _loaded(self) -> RequestScreenDetail | None:
        if self.shown is None:
            self.notify(_("The request is still loading"), severity="warning")
        return self.shown

    def action_back(self) -> None:
        self.dismiss()

    def action_open_ticket(self) -> None:
        if (seen := self._loaded()) is None:
            return
        ticket_id = seen.detail.request.ticket_id
        if ticket_id is None:
            self.notify(_("This request has no ticket"), severity="warning")
        else:
            desk(self).open_ticket(ticket_id)

    def action_approve(self) -> None:
        if (seen := self._loaded()) is not None:
            # The hash the supervisor was shown: a request that changed since is refused, not approved blind.
            self._decide(
                lambda ctx, s: requests.approve(ctx, s.detail.request.id, seen_hash=s.detail.request.payload_hash), seen
            )

    def action_retry(self) -> None:
        if (seen := self._loaded()) is not None:
            self._decide(lambda ctx, s: requests.retry(ctx, s.detail.request.id), seen)

    def action_resubmit(self) -> None:
        if (seen := self._loaded()) is not None:
            self._decide(lambda ctx, s: requests.resubmit(ctx, s.detail.request.id), seen)

    def action_reject(self) -> None:
        if (seen := self._loaded()) is None:
            return

        def given(reason: str | None) -> None:
            if reason is not None:
                self._decide(lambda ctx, s: requests.reject(ctx, s.detail.request.id, reason), seen)

        self.app.push_screen(TextDialog(_("Reason for rejecting (the requester reads it on the ticket)")), given)

    def action_cancel(self) -> None:
        if (seen := self._loaded()) is None:
            return

        def chosen(value: str | None) -> None:
            if value == "cancel":
                self._decide(lambda ctx, s: requests.cancel(ctx, s.detail.request.id), seen)

        choices = [(_("Cancel the request"), "cancel"), (_("Keep it"), "keep")]
        self.app.push_screen(ChoiceDialog(_("Cancel request #{id}?").format(id=self.request_id), choices), chosen)

    def action_scroll(self, delta: int) -> None:
        self.query_one("#request-detail", VerticalScroll).scroll_relative(y=delta * 3, animate=False)


def _now_in(request_id: int, state: RequestState, style: str = "") -> Text:
    return Text(
        _("Request #{id} is now {state}").format(id=request_id, state=_(STATE_PHRASES[state])), style=style, end=""
    )
