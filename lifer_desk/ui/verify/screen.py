"""Verify a caller's identity: pick the account, enter what the caller states, see per-field answers.

The account is found by the shared `AccountLookup`; the admin API calls run in async workers (httpx) and the
DB work in thread workers; each posts a typed message that a handler shows. Refused input is shown next to its
field and costs no attempt.
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
from textual.widgets import Input, Label, RadioSet, Static

from lifer_desk.admin_api import AdminApiError
from lifer_desk.domain.identity import MAX_FAILED, Field, Gender, Outcome, field_label
from lifer_desk.i18n import N_, _
from lifer_desk.services import minor_data, verification, verification_locks
from lifer_desk.services.accounts import FoundAccount, LookupKind, LookupReason, prefilled_lookup
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.services.verification import AccountCheck, AttemptUnderWay, ClaimsRefused, RateLimitedTryLater
from lifer_desk.services.verification_locks import LockState
from lifer_desk.ui.desk_screen import DeskModal
from lifer_desk.ui.dialogs import TextDialog
from lifer_desk.ui.still_inputs import StillInput
from lifer_desk.ui.verify.account_lookup import AccountLookup
from lifer_desk.ui.verify.parts import REMINDER, account_text, check_problem, result_text
from widgets.marked_toggles import MarkedRadioButton

TYPED_FIELDS = (Field.EMAIL, Field.USERNAME, Field.BIRTHDAY)
_PLACEHOLDERS = {
    Field.EMAIL: N_("as the caller states it"),
    Field.USERNAME: N_("as the caller states it"),
    Field.BIRTHDAY: "1990-05-17 · 1990/5/17 · 19900517 · 1990年5月17日",
}
GENDER_CHOICES = (
    (N_("male · 男"), Gender.MALE.value),
    (N_("female · 女"), Gender.FEMALE.value),
    (N_("other"), "other"),
)


class VerifyDialog(DeskModal[str | None]):
    """Opened from a ticket (`v`); prefilled with the ticket's linked account.

    Returns the id of an account the agent chose to link to the ticket (offered once a caller is verified
    against an account while the ticket has none linked), or None.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", N_("Verify"), id="verify.submit"),
        # Short in the footer, named in full (the tooltip) in help and the command palette.
        Binding("ctrl+o", "unlock", N_("Unlock"), tooltip=N_("Unlock verification"), id="verify.unlock"),
        Binding(
            "ctrl+t", "minor_ticket", N_("Minor ticket"), tooltip=N_("Open minor-data ticket"), id="verify.minor_ticket"
        ),
        Binding("ctrl+l", "link_account", N_("Link"), tooltip=N_("Link this account to the ticket"), id="verify.link"),
        Binding("escape", "close", N_("Close"), id="verify.close"),
    ]

    AUTO_FOCUS = "#lookup"

    class Checked(Message):
        def __init__(self, check: AccountCheck) -> None:
            super().__init__()
            self.check = check

    class Answered(Message):
        def __init__(self, result: verification.VerificationResult) -> None:
            super().__init__()
            self.result = result

    class Declined(Message):
        """No answer to show: `problem` says why, `errors` names the refused fields (may be empty)."""

        def __init__(self, problem: Text, errors: Mapping[Field, str]) -> None:
            super().__init__()
            self.problem = problem
            self.errors = errors

    class Unlocked(Message):
        def __init__(self, lock: LockState) -> None:
            super().__init__()
            self.lock = lock

    class TicketOpened(Message):
        def __init__(self, detail: TicketDetail) -> None:
            super().__init__()
            self.detail = detail

    def __init__(self, ticket: TicketDetail | None = None) -> None:
        super().__init__()
        self._ticket = ticket
        self._requester = ticket.requester if ticket else ""
        self._found: FoundAccount | None = None  # the account looked up, until its lock state is in
        self._check: AccountCheck | None = None
        self._verified: str | None = None  # the account the caller was just verified against

    @property
    def title_text(self) -> str:
        return _("Verify identity")

    def compose(self) -> ComposeResult:
        linked = self._ticket.account_id if self._ticket else None
        with VerticalScroll(classes="dialog verify"):
            yield Label(_("Verify identity"), classes="dialog-title", markup=False)
            # A linked ticket looks its account up at once; otherwise the requester's contact waits for enter.
            kind, value = (LookupKind.ID, linked) if linked else prefilled_lookup(self._requester)
            prompt = Text(_("Look the account up (enter)"), style="dim")
            ticket_id = self._ticket.id if self._ticket else None
            yield AccountLookup(LookupReason.VERIFY, kind, value, prompt, ticket_id=ticket_id)
            for name in TYPED_FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(field_label(name), classes="verify-label", markup=False)
                    yield StillInput(
                        placeholder=_(_PLACEHOLDERS[name]), id=f"claim-{name}", classes="claim", compact=True
                    )
                yield Static("", id=f"error-{name}", classes="verify-error -empty", markup=False)
            with Horizontal(classes="field-row"):
                yield Label(field_label(Field.GENDER), classes="verify-label", markup=False)
                # Buttons on one line, not a drop-down: at 80x24 the drop-down's list covered the dialog's text.
                with RadioSet(id="claim-gender", compact=True):
                    yield MarkedRadioButton(_("not stated"), value=True, id="gender-none", compact=True)
                    for label, value in GENDER_CHOICES:
                        yield MarkedRadioButton(_(label), id=f"gender-{value}", compact=True)
            yield Static("", id="error-gender", classes="verify-error -empty", markup=False)
            yield Static("", id="verify-result", classes="-empty", markup=False)
            yield Label(_(REMINDER), classes="verify-reminder", markup=False)
            yield Label(_("enter look up · ctrl+s verify · escape close"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        if self._ticket is not None and self._ticket.account_id:
            self.query_one(AccountLookup).look_up(LookupKind.ID, self._ticket.account_id)

    def _why_not(self, action: str) -> str | None:
        """Why `action` does not apply now, or None when it does. Its key says so instead of doing nothing."""
        check = self._check
        if action == "unlock":
            if not self.ctx.is_supervisor:
                return _("Only a supervisor can unlock verification.")
            if check is None or not check.lock.locked:
                return _("Nothing to unlock: this account is not locked for verification.")
        if action == "minor_ticket" and (check is None or not check.minor_ticket_offered):
            return _("A minor-data ticket is offered only for an account under 14 without guardian consent.")
        if action == "link_account" and not self._link_offered:
            if self._ticket is not None and self._ticket.account_id is not None:
                return _("This ticket already has an account linked.")
            return _("Verify the caller first: only an account verified here can be linked.")
        return None

    def _applies(self, action: str) -> bool:
        reason = self._why_not(action)
        if reason is not None:
            self.notify(reason, severity="warning")
        return reason is None

    @property
    def _link_offered(self) -> bool:
        return self._verified is not None and self._ticket is not None and self._ticket.account_id is None

    # Workers ----------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="verify-lock")
    def _load_lock(self, account: FoundAccount) -> None:
        self.post_message(self.Checked(verification.check_account(self.ctx, account)))

    @work(exclusive=True, exit_on_error=False, group="verify-submit")
    async def _submit(self, account_id: str, stated: dict[Field, str]) -> None:
        ticket_id = self._ticket.id if self._ticket else None
        try:
            result = await verification.submit(self.ctx, account_id, stated, ticket_id=ticket_id)
        except (ClaimsRefused, RateLimitedTryLater, AttemptUnderWay) as refusal:
            # Shown where it was typed, not as an error: the agent fixes the input or waits.
            errors = refusal.errors if isinstance(refusal, ClaimsRefused) else {}
            self.post_message(self.Declined(Text(str(refusal), style="bold yellow", end=""), errors))
            return
        except AdminApiError as error:
            self.post_message(self.Declined(check_problem(error), {}))
            return
        self.post_message(self.Answered(result))

    @work(thread=True, exclusive=True, exit_on_error=False, group="verify-unlock")
    def _unlock(self, account_id: str, reason: str) -> None:
        self.post_message(self.Unlocked(verification_locks.unlock(self.ctx, account_id, reason)))

    @work(exclusive=True, exit_on_error=False, group="verify-minor")
    async def _open_minor_ticket(self, account_id: str) -> None:
        opened = await minor_data.open_minor_data_ticket(self.ctx, account_id, self._ticket)
        self.post_message(self.TicketOpened(opened))

    # Handlers ---------------------------------------------------------------------------------------------

    @on(AccountLookup.Started)
    def _forget_account(self) -> None:
        self._found = None
        self._check = None
        self._verified = None
        self.refresh_bindings()

    @on(AccountLookup.Found)
    def _account_found(self, message: AccountLookup.Found) -> None:
        self._found = message.account
        self._load_lock(message.account)

    @on(Input.Submitted, ".claim")
    def _claim_submitted(self) -> None:
        self.action_submit()

    @on(Checked)
    def _show_account(self, message: Checked) -> None:
        if message.check.account is not self._found:
            return  # the lock state of an account the agent has since looked away from
        self._check = message.check
        self._verified = None
        self._paint_account()
        self._show_result(None)
        self.query_one(f"#claim-{Field.EMAIL}", Input).focus()

    @on(Answered)
    def _show_answer(self, message: Answered) -> None:
        result = message.result
        self._verified = result.account_id if result.outcome is Outcome.VERIFIED else None
        shown = result_text(result)
        if self._link_offered:
            shown.append("\n" + _("ctrl+l links this account to the ticket"), style="bold")
        self._show_result(shown)
        if self._check is not None:
            lock = LockState(self.ctx.clock() if result.locked else None, MAX_FAILED - result.attempts_left)
            self._check = AccountCheck(self._check.account, lock)
        self._paint_account()

    @on(Declined)
    def _show_refusal(self, message: Declined) -> None:
        for name in Field:
            self._field_error(name, message.errors.get(name))
        self._show_result(message.problem)

    @on(Unlocked)
    def _show_unlocked(self, message: Unlocked) -> None:
        if self._check is not None:
            self._check = AccountCheck(self._check.account, message.lock)
        self._paint_account()
        # The last outcome shown is LOCKED, which no longer holds.
        self._show_result(None)
        self.notify(_("Verification unlocked"), severity="information")

    @on(TicketOpened)
    def _show_ticket_opened(self, message: TicketOpened) -> None:
        self.notify(_("Urgent minor-data ticket #{id} is open").format(id=message.detail.id), severity="warning")

    def _paint_account(self) -> None:
        if self._check is not None:
            self.query_one(AccountLookup).show(account_text(self._check, self.ctx.is_supervisor))
        self.refresh_bindings()

    def _show_result(self, text: Text | None) -> None:
        shown = self.query_one("#verify-result", Static)
        shown.update(text or "")
        shown.set_class(text is None, "-empty")

    def _field_error(self, name: Field, message: str | None) -> None:
        error = self.query_one(f"#error-{name}", Static)
        error.update(Text(f"↑ {message}", style="bold yellow") if message else "")
        error.set_class(message is None, "-empty")

    # Actions ----------------------------------------------------------------------------------------------

    def action_submit(self) -> None:
        if self._check is None:
            self.notify(_("Look the account up first (enter)"), severity="warning")
            return
        stated = {name: self.query_one(f"#claim-{name}", Input).value for name in TYPED_FIELDS}
        gender = self.query_one("#claim-gender", RadioSet).pressed_button
        if gender is not None and gender.id != "gender-none":
            assert gender.id is not None  # every button is made with its gender as id
            stated[Field.GENDER] = gender.id.removeprefix("gender-")
        for name in Field:
            self._field_error(name, None)
        self._show_result(Text(_("Checking…"), style="dim"))
        self._submit(self._check.account.summary.id, stated)

    def action_unlock(self) -> None:
        check = self._check
        if not self._applies("unlock") or check is None:
            return

        def given(reason: str | None) -> None:
            if reason is not None:
                self._unlock(check.account.summary.id, reason)

        self.app.push_screen(TextDialog(_("Reason for unlocking verification (audited)")), given)

    def action_minor_ticket(self) -> None:
        if self._applies("minor_ticket") and self._check is not None:
            self._open_minor_ticket(self._check.account.summary.id)

    def action_link_account(self) -> None:
        if self._applies("link_account"):
            self.dismiss(self._verified)

    def action_close(self) -> None:
        self.dismiss(None)
