"""`N` in the queues: open a ticket for a phone call or a walk-in, in one small form."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, TextArea

from lifer_desk.domain.tickets import Channel, Priority
from lifer_desk.i18n import N_, _
from lifer_desk.services import ticket_create
from lifer_desk.services.errors import DeskError
from lifer_desk.services.ticket_create import TicketForm
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.ui.desk_screen import DeskModal
from lifer_desk.ui.dialogs import say_in_dialog
from lifer_desk.ui.still_inputs import StillInput, StillTextArea
from lifer_desk.ui.text.labels import CATEGORY_LABELS, PRIORITY_LABELS

CHANNEL_LABELS = {
    Channel.PHONE: N_("phone"),
    Channel.EMAIL: N_("email"),
    Channel.WEB: N_("web"),
    Channel.APP: N_("app"),
}


class CreateTicketDialog(DeskModal[TicketDetail | None]):
    """Returns the ticket opened, or None when cancelled. What was typed stays in the form after a refusal."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "create", N_("Create"), id="create_ticket.create"),
        Binding("escape", "cancel", N_("Cancel"), id="create_ticket.cancel"),
    ]

    AUTO_FOCUS = "#new-requester"

    class Refused(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog create-ticket"):
            yield Label(_("New ticket (phone call, walk-in)"), classes="dialog-title", markup=False)
            with Horizontal(classes="field-row"):
                yield Label(_("channel"), classes="verify-label", markup=False)
                channels = [(_(label), channel.value) for channel, label in CHANNEL_LABELS.items()]
                yield Select(channels, value=Channel.PHONE.value, allow_blank=False, id="new-channel", compact=True)
            for name, label, placeholder in (
                ("requester", _("contact"), _("email, username or phone number")),
                ("name", _("name"), _("the requester's name")),
                ("subject", _("subject"), _("what it is about, in a few words")),
            ):
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="verify-label", markup=False)
                    yield StillInput(placeholder=placeholder, id=f"new-{name}", compact=True)
            yield StillTextArea(id="new-body", soft_wrap=True, show_line_numbers=False, compact=True)
            with Horizontal(classes="field-row"):
                yield Label(_("category"), classes="verify-label", markup=False)
                categories = [(_(label), category.value) for category, label in CATEGORY_LABELS.items()]
                yield Select(categories, prompt=_("choose"), id="new-category", compact=True)
            with Horizontal(classes="field-row"):
                yield Label(_("priority"), classes="verify-label", markup=False)
                priorities = [(_(label), priority.value) for priority, label in PRIORITY_LABELS.items()]
                yield Select(
                    priorities, value=Priority.NORMAL.value, allow_blank=False, id="new-priority", compact=True
                )
            yield Label("", id="dialog-error", classes="-empty", markup=False)
            yield Label(_("tab next field · ctrl+s create · escape cancel"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#new-body", TextArea).border_title = _("first message")

    def _form(self) -> TicketForm:
        def chosen(name: str) -> str:
            value = self.query_one(f"#new-{name}", Select).value
            return "" if value is Select.NULL else str(value)

        def typed(name: str) -> str:
            return self.query_one(f"#new-{name}", Input).value

        return TicketForm(
            channel=chosen("channel"),
            requester=typed("requester"),
            requester_name=typed("name"),
            subject=typed("subject"),
            body=self.query_one("#new-body", TextArea).text,
            category=chosen("category"),
            priority=chosen("priority"),
        )

    def action_create(self) -> None:
        self._create(self._form())

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    @work(thread=True, exclusive=True, exit_on_error=False, group="create-ticket")
    def _create(self, form: TicketForm) -> None:
        try:
            detail = ticket_create.create_ticket(self.ctx, form)
        except DeskError as refusal:
            self.post_message(self.Refused(str(refusal)))
            return
        self.app.call_from_thread(self.dismiss, detail)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        say_in_dialog(self, Text(message.reason))

    def action_cancel(self) -> None:
        self.dismiss(None)
