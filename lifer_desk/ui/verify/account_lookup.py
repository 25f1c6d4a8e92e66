"""The one account lookup of the desk: what to look up by, the exact value, and the place where the account found
(or why none was) is shown. The verify dialog and the link dialog both use it.

Its worker only calls the service (`accounts.find_account`, which normalises the value and refuses a masked one)
and posts `Found` or `Failed`; handlers change the widgets. The dialog that holds it paints the account in its
own words with `show`, since verifying and linking need different things said about it.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Select, Static

from lifer_desk.admin_api import AdminApiError
from lifer_desk.config import ConfigError
from lifer_desk.i18n import N_, _
from lifer_desk.services import accounts
from lifer_desk.services.accounts import FoundAccount, LookupKind, LookupReason
from lifer_desk.services.errors import Refused
from lifer_desk.ui.desk_screen import desk
from lifer_desk.ui.still_inputs import StillInput
from lifer_desk.ui.text.errors import lookup_problem

LOOKUP_LABELS = {LookupKind.EMAIL: N_("email"), LookupKind.USERNAME: N_("username"), LookupKind.ID: N_("account id")}


class AccountLookup(Vertical):
    DEFAULT_CSS = """
    AccountLookup {
        height: auto;
    }
    AccountLookup #account {
        height: auto;
        margin-top: 1;
    }
    """

    class Started(Message):
        """A new lookup is on its way: what was found before no longer stands."""

    class Found(Message):
        def __init__(self, account: FoundAccount) -> None:
            super().__init__()
            self.account = account

    class Failed(Message):
        """No account: `problem` says why (a bad value, no such account, an outage, a bad setting)."""

        def __init__(self, problem: Text) -> None:
            super().__init__()
            self.problem = problem

    def __init__(
        self,
        reason: LookupReason,
        kind: LookupKind = LookupKind.EMAIL,
        value: str = "",
        prompt: Text | None = None,
        ticket_id: int | None = None,
    ) -> None:
        super().__init__()
        # Recorded with every lookup made here (the supervisors' "who viewed what").
        self._reason = reason
        self._ticket_id = ticket_id
        self._kind = kind
        self._value = value
        self._prompt = prompt

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            options = [(_(label), kind.value) for kind, label in LOOKUP_LABELS.items()]
            yield Select(options, value=self._kind.value, allow_blank=False, compact=True)
            yield StillInput(self._value, placeholder=_("exact email, username or id"), id="lookup", compact=True)
        yield Static(self._prompt or "", id="account", markup=False)

    def look_up(self, kind: LookupKind, value: str) -> None:
        self.post_message(self.Started())
        self.show(Text(_("Looking up…"), style="dim"))
        self._find(kind, value)

    def show(self, text: Text) -> None:
        self.query_one("#account", Static).update(text)

    @work(exclusive=True, exit_on_error=False, group="account-lookup")
    async def _find(self, kind: LookupKind, value: str) -> None:
        try:
            account = await accounts.find_account(
                desk(self).ctx, kind, value, reason=self._reason, ticket_id=self._ticket_id
            )
        except (AdminApiError, Refused, ConfigError) as error:
            # Said in place: "no such account" and "the API is down" call for different things.
            self.post_message(self.Failed(lookup_problem(error, _(LOOKUP_LABELS[kind]))))
            return
        self.post_message(self.Found(account))

    @on(Input.Submitted, "#lookup")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.look_up(LookupKind(str(self.query_one(Select).value)), event.value)

    @on(Failed)
    def _show_problem(self, message: Failed) -> None:
        self.show(message.problem)
