"""Find an admin-API account by exact email, username or id, show its masked summary, and confirm the link."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from lifer_desk.admin_api import AdminApiError, UserSummary
from lifer_desk.config import ConfigError
from lifer_desk.i18n import _
from lifer_desk.ui.desk_screen import DeskModal, desk
from lifer_desk.ui.still_inputs import StillInput
from lifer_desk.ui.text.cells import customer_line, local_time
from lifer_desk.ui.text.errors import lookup_problem

# What an account can be looked up by, with its label: the admin API's exact lookups.
LOOKUP_LABELS = {"email": _("email"), "username": _("username"), "id": _("account id")}


def summary_text(summary: UserSummary, zone_time: str) -> Text:
    """The masked summary as the admin API gave it; every value is untrusted text."""
    text = Text(end="")
    rows = (
        (_("account"), summary.id),
        (_("email"), summary.email_masked),
        (_("username"), summary.username_masked),
        (_("registered"), zone_time),
        (_("status"), str(summary.status)),
        (_("minor"), _("yes") if summary.minor else _("no")),
    )
    for index, (label, value) in enumerate(rows):
        if index:
            text.append("\n")
        text.append(f"{label}: ", style="dim")
        text.append_text(customer_line(value))
    return text


class LinkAccountDialog(DeskModal[UserSummary | None]):
    """Returns the account to link, or None. The lookup runs in an async worker (httpx)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "link", _("Link"), id="link.confirm"),
        Binding("escape", "cancel", _("Cancel"), id="link.cancel"),
    ]

    AUTO_FOCUS = "#lookup"

    class Found(Message):
        def __init__(self, summary: UserSummary, in_process: bool) -> None:
            super().__init__()
            self.summary = summary
            self.in_process = in_process

    def __init__(self) -> None:
        super().__init__()
        self._found: UserSummary | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(_("Link an account"), classes="dialog-title", markup=False)
            with Horizontal(classes="field-row"):
                options = [(label, kind) for kind, label in LOOKUP_LABELS.items()]
                yield Select(options, value="email", allow_blank=False, compact=True)
                yield StillInput(placeholder=_("exact email, username or id"), id="lookup", compact=True)
            yield Static(id="summary", markup=False)
            yield Label(_("enter look up · ctrl+s link · escape cancel"), classes="dialog-hint", markup=False)

    @on(Input.Submitted, "#lookup")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            self._found = None
            self.query_one("#summary", Static).update(Text(_("Looking up…"), style="dim"))
            self._lookup(str(self.query_one(Select).value), value)

    @work(exclusive=True, exit_on_error=False)
    async def _lookup(self, kind: str, value: str) -> None:
        try:
            client = await desk(self).admin_client()
            summary = await client.lookup_user(**{kind: value})
        except (AdminApiError, ConfigError) as error:
            # Said in place: "no such account" and "the API is down" call for different things.
            self.query_one("#summary", Static).update(lookup_problem(error, LOOKUP_LABELS[kind]))
            return
        self.post_message(self.Found(summary, client.in_process))

    @on(Found)
    def _show(self, message: Found) -> None:
        self._found = message.summary
        text = summary_text(message.summary, local_time(message.summary.registered_at, self.ctx.settings.timezone))
        if message.in_process:
            text.append("\n" + _("(in-process sandbox, not the live service)"), style="italic")
        self.query_one("#summary", Static).update(text)

    def action_link(self) -> None:
        if self._found is None:
            self.notify(_("Look an account up first (enter)"), severity="warning")
            return
        self.dismiss(self._found)

    def action_cancel(self) -> None:
        self.dismiss(None)
