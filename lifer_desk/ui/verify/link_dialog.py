"""Find an admin-API account by exact email, username or id, show its masked summary, and confirm the link."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label

from lifer_desk.admin_api import UserSummary
from lifer_desk.i18n import N_, _
from lifer_desk.services.accounts import LookupReason, prefilled_lookup
from lifer_desk.ui.desk_screen import DeskModal
from lifer_desk.ui.text.cells import customer_line, local_time
from lifer_desk.ui.verify.account_lookup import AccountLookup


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
    """Returns the account to link, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "link", N_("Link"), id="link.confirm"),
        Binding("escape", "cancel", N_("Cancel"), id="link.cancel"),
    ]

    AUTO_FOCUS = "#lookup"

    def __init__(self, requester: str = "") -> None:
        """`requester`: the ticket's requester contact, the lookup's first value (enter looks it up)."""
        super().__init__()
        self._requester = requester
        self._found: UserSummary | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(_("Link an account"), classes="dialog-title", markup=False)
            yield AccountLookup(LookupReason.LINK, *prefilled_lookup(self._requester))
            yield Label(_("enter look up · ctrl+s link · escape cancel"), classes="dialog-hint", markup=False)

    @on(AccountLookup.Started)
    def _forget(self) -> None:
        self._found = None

    @on(AccountLookup.Found)
    def _show(self, message: AccountLookup.Found) -> None:
        summary = message.account.summary
        self._found = summary
        text = summary_text(summary, local_time(summary.registered_at, self.ctx.settings.timezone))
        if message.account.in_process:
            text.append("\n" + _("(in-process sandbox, not the live service)"), style="italic")
        self.query_one(AccountLookup).show(text)

    def action_link(self) -> None:
        if self._found is None:
            self.notify(_("Look an account up first (enter)"), severity="warning")
            return
        self.dismiss(self._found)

    def action_cancel(self) -> None:
        self.dismiss(None)
