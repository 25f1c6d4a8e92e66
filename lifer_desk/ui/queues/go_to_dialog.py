"""Go to a ticket by its number (ctrl+g, or the palette): from the queues or from another ticket."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label

from lifer_desk.domain.search_text import lookup_of
from lifer_desk.i18n import N_, _
from lifer_desk.services import tickets
from lifer_desk.services.errors import NotFound
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.ui.desk_screen import DeskModal
from lifer_desk.ui.dialogs import say_in_dialog
from lifer_desk.ui.still_inputs import StillInput


class GoToDialog(DeskModal[TicketDetail | None]):
    """Returns the ticket whose number was typed ("3913" or "#3913"), once it is known to exist, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), id="go_to.cancel"),
    ]

    AUTO_FOCUS = "#ticket-number"

    class Missing(Message):
        def __init__(self, problem: str) -> None:
            super().__init__()
            self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(_("Go to ticket"), classes="dialog-title", markup=False)
            yield StillInput(placeholder=_("ticket number, e.g. 3913 or #3913"), id="ticket-number", compact=True)
            yield Label("", id="dialog-error", classes="-empty", markup=False)
            yield Label(_("enter open · escape cancel"), classes="dialog-hint", markup=False)

    @on(Input.Submitted, "#ticket-number")
    def _submitted(self, event: Input.Submitted) -> None:
        ticket_id = lookup_of(event.value).ticket_id
        if ticket_id is None:
            say_in_dialog(self, _("Type a ticket number, such as 3913 or #3913."))
        else:
            self._open(ticket_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="go-to")
    def _open(self, ticket_id: int) -> None:
        try:
            detail = tickets.get_ticket(self.ctx, ticket_id)
        except NotFound as missing:
            self.post_message(self.Missing(str(missing)))
            return
        self.app.call_from_thread(self.dismiss, detail)

    @on(Missing)
    def _missing(self, message: Missing) -> None:
        say_in_dialog(self, message.problem)

    def action_cancel(self) -> None:
        self.dismiss(None)
