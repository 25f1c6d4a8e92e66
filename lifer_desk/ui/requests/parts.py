"""Screen text for requests: state and kind labels, the legal clocks as days left, and the detail view's sections.

The account id, payload values and problem details come from the admin API or the agent's typing: they go
through `customer_line`/`customer_text`, never markup.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.text import Text

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.identity import Field, field_label
from lifer_desk.domain.request_payload import RequestPayload
from lifer_desk.domain.requests import DeletionScope, RequestKind, RequestState
from lifer_desk.domain.tickets import Priority
from lifer_desk.i18n import N_, _, format_units
from lifer_desk.services.request_queues import RequestScreenDetail
from lifer_desk.services.request_views import RequestView
from lifer_desk.ui.text.cells import customer_line, customer_text, local_time

# How often Requests mode and a request's detail look for other desks' changes (a look reads no table when
# nothing was committed).
POLL_EVERY = 2.0

STATE_LABELS = {
    RequestState.DRAFT: N_("draft"),
    RequestState.AWAITING_VERIFICATION: N_("verify"),
    RequestState.AWAITING_APPROVAL: N_("approve"),
    RequestState.APPROVED: N_("approved"),
    RequestState.EXECUTING: N_("running"),
    RequestState.COMPLETED: N_("done"),
    RequestState.REJECTED: N_("rejected"),
    RequestState.FAILED: N_("FAILED"),
    RequestState.EXPIRED: N_("expired"),
    RequestState.CANCELLED: N_("cancelled"),
}
# Where a request stands, in words, where there is room for them (the ticket's header).
STATE_PHRASES = {
    RequestState.DRAFT: N_("being raised"),
    RequestState.AWAITING_VERIFICATION: N_("awaiting verification"),
    RequestState.AWAITING_APPROVAL: N_("awaiting approval"),
    RequestState.APPROVED: N_("approved"),
    RequestState.EXECUTING: N_("running"),
    RequestState.COMPLETED: N_("done"),
    RequestState.REJECTED: N_("rejected"),
    RequestState.FAILED: N_("failed"),
    RequestState.EXPIRED: N_("expired"),
    RequestState.CANCELLED: N_("cancelled"),
}
# The request's history, from its audit events, in words; an action not named here shows as recorded. Keyed
# by the action's text, as the audit trail holds it.
_A = AuditAction
HISTORY_WORDS: dict[str, str] = {
    _A.REQUEST_RAISE: N_("raised"),
    _A.REQUEST_AWAIT_VERIFICATION: N_("waits for verification"),
    _A.REQUEST_SUBMIT: N_("submitted"),
    _A.REQUEST_APPROVE: N_("approved"),
    _A.REQUEST_REJECT: N_("rejected"),
    _A.REQUEST_CANCEL: N_("cancelled"),
    _A.REQUEST_EXPIRE: N_("expired"),
    _A.REQUEST_RESUBMIT: N_("re-submitted"),
    _A.REQUEST_EXECUTE: N_("execution began"),
    _A.REQUEST_FAIL: N_("failed"),
    _A.REQUEST_STALE: N_("the account changed: back for approval"),
    _A.REQUEST_COMPLETE: N_("completed"),
    _A.REQUEST_RETRY: N_("retried"),
}
_STATES = frozenset(RequestState)
_FIELDS = frozenset(Field)
# What a receipt item is, as the admin API names it; a corrected field is named by `field_label`.
_RECEIPT_KINDS = {
    "account": N_("account"),
    "user": N_("account"),
    "image": N_("image"),
    "diary_entry": N_("diary entry"),
    "payment_link": N_("payment link"),
}
# Actions whose words already say the state they lead to ("approved", not "approved → approved"); the others
# (submitted, re-submitted, retried) show where they led.
_SAYS_ITS_STATE = frozenset(
    {
        _A.REQUEST_AWAIT_VERIFICATION, _A.REQUEST_APPROVE, _A.REQUEST_REJECT, _A.REQUEST_CANCEL, _A.REQUEST_EXPIRE,
        _A.REQUEST_EXECUTE, _A.REQUEST_FAIL, _A.REQUEST_STALE, _A.REQUEST_COMPLETE,
    }
)  # fmt: skip
_STATE_STYLES = {RequestState.FAILED: "bold red", RequestState.AWAITING_APPROVAL: "bold", RequestState.COMPLETED: "dim"}

KIND_LABELS = {RequestKind.DELETE: N_("delete"), RequestKind.CORRECT: N_("correct")}
SCOPE_LABELS = {
    DeletionScope.ACCOUNT: N_("the whole account (images, diary and payment links too)"),
    DeletionScope.IMAGES: N_("selected images only"),
    DeletionScope.DIARY: N_("the diary"),
    DeletionScope.PAYMENT_LINKS: N_("payment links"),
}
_SHORT_SCOPES = {
    DeletionScope.ACCOUNT: N_("account"),
    DeletionScope.IMAGES: N_("images"),
    DeletionScope.DIARY: N_("diary"),
    DeletionScope.PAYMENT_LINKS: N_("payment"),
}
OVERDUE_MARK = "!"
_OPEN_CLOCKS = frozenset(
    {
        RequestState.AWAITING_VERIFICATION,
        RequestState.AWAITING_APPROVAL,
        RequestState.APPROVED,
        RequestState.EXECUTING,
        RequestState.FAILED,
    }
)


def _receipt_kind(kind: str) -> str:
    return _(_RECEIPT_KINDS[kind]) if kind in _RECEIPT_KINDS else _field_name(kind)


def _field_name(name: str) -> str:
    """A field named in a stored row, in words; a name that is not one of the fields (a row edited outside the
    desk) as it is."""
    return field_label(Field(name)) if name in _FIELDS else name


def state_text(state: RequestState) -> Text:
    return Text(_(STATE_LABELS[state]), style=_STATE_STYLES.get(state, ""), end="")


def what_text(request: RequestView) -> Text:
    """The kind and what it touches: "delete account", "correct email, birthday"."""
    return asked_text(request.kind, request.payload)


def asked_text(kind: RequestKind, payload: RequestPayload | None) -> Text:
    text = Text(_(KIND_LABELS[kind]), end="")
    if payload is None:
        text.append(" " + _("(unreadable payload)"), style="bold red")
    elif payload.scope is not None:
        text.append(" " + _(_SHORT_SCOPES[payload.scope]))
    else:
        text.append(" " + ", ".join(field_label(name) for name in sorted(payload.changes)))
    return text


def account_cell(account_id: str) -> Text:
    """The account id, shortened in lists: the detail view shows it whole."""
    shown = account_id if len(account_id) <= 6 else account_id[:5] + "…"
    return customer_line(shown)


def overdue(request: RequestView, now: datetime) -> bool:
    """An open request past either legal deadline."""
    if request.state not in _OPEN_CLOCKS:
        return False
    return any(due is not None and due <= now for due in (request.due_calendar, request.due_working))


def days_left(due: datetime | None, now: datetime, *, running: bool) -> Text:
    """Whole days left on a legal clock ("12d", "0d" on its last day, "!-3d" overdue: marked and bold, so that it
    reads without colour too)."""
    if due is None or not running:
        return Text("—", style="dim", end="")
    days = math.floor((due - now) / timedelta(days=1))
    if due <= now:
        # Past due is always at least a day late, so that the sign shows at once.
        return Text(f"{OVERDUE_MARK}-{format_units(max(-days, 1), 'day')}", style="bold red reverse", end="")
    return Text(format_units(days, "day"), style="yellow" if days < 3 else "", end="")


def days_cells() -> int:
    """How wide a column of `days_left` must be in the agent's language: "!-99d" is 5 cells, "!-99天" 6."""
    return cell_len(f"{OVERDUE_MARK}-{format_units(99, 'day')}")


def age_text(created: datetime, now: datetime) -> Text:
    hours = max(0, math.floor((now - created) / timedelta(hours=1)))
    return Text(format_units(hours // 24, "day") if hours >= 48 else format_units(hours, "hour"), end="")


def clocks_running(request: RequestView) -> bool:
    return request.state in _OPEN_CLOCKS


def _section(title: str) -> Text:
    return Text("\n" + title, style="bold", end="")


def detail_text(shown: RequestScreenDetail, now: datetime, zone: ZoneInfo) -> Text:
    """Everything a supervisor reads before approving: what will run, bound by its hash, and why it may."""
    request = shown.detail.request
    lines: list[Text] = []
    head = Text(_("Request #{id} · ").format(id=request.id), style="bold", end="")
    head.append_text(state_text(request.state))
    head.append(" · " + what_text(request).plain)
    if request.priority == Priority.URGENT:
        head.append(" · " + _("URGENT"), style="bold red")
    lines.append(head)
    meta = Text(
        _("raised by {agent} at {at}").format(agent=request.requested_by, at=local_time(request.created_at, zone))
    )
    if request.ticket_id is not None:
        meta.append(_(" · ticket #{id} (enter opens it)").format(id=request.ticket_id))
    lines.append(meta)
    if request.approved_by and request.approved_at:
        at = local_time(request.approved_at, zone)
        lines.append(Text(_("approved by {agent} at {at}").format(agent=request.approved_by, at=at)))
    if request.reject_reason:
        reason = Text(_("rejected: "), style="bold", end="")
        reason.append_text(customer_text(request.reject_reason))
        lines.append(reason)
    if shown.problem:
        problem = Text(_("problem: "), style="bold red", end="")
        problem.append_text(customer_text(shown.problem))
        lines.append(problem)
    running = clocks_running(request)
    clocks = Text(_("legal clocks: reply "), end="")
    clocks.append_text(days_left(request.due_calendar, now, running=running))
    clocks.append(_(" · delete "))
    clocks.append_text(days_left(request.due_working, now, running=running))
    if request.due_working is None:
        clocks.append(_(" (start at verification)"), style="dim")
    lines.append(clocks)
    lines.append(_section(_("Payload")))
    account = Text(_("account "), end="")
    account.append_text(customer_line(request.account_id))
    lines.append(account)
    payload = request.payload
    if payload is not None and payload.scope is not None:
        lines.append(Text(_("scope: {scope}").format(scope=_(SCOPE_LABELS[payload.scope]))))
        for image_id in payload.image_ids:
            image = Text("  " + _("image "), end="")
            image.append_text(customer_line(image_id))
            lines.append(image)
    elif payload is not None:
        for name, value in payload.changes.items():
            change = Text(f"{field_label(name)} → ", end="")
            change.append_text(customer_line(value))
            lines.append(change)
    lines.append(Text(_("hash {hash}").format(hash=request.payload_hash or "—"), style="dim"))
    lines.append(_section(_("Verification")))
    evidence = shown.evidence
    if evidence is None:
        lines.append(Text(_("not verified yet: the request waits for a verification on its ticket")))
    else:
        matched = ", ".join(_field_name(name) for name in evidence.matched) or "—"
        lines.append(
            Text(
                _("verified by {agent} at {at}; matched: {fields}").format(
                    agent=evidence.agent, at=local_time(evidence.at, zone), fields=matched
                )
            )
        )
    lines.append(_section(_("History")))
    for entry in shown.detail.history:
        words = HISTORY_WORDS.get(entry.action)
        line = Text(f"{local_time(entry.at, zone)}  {entry.actor}  {_(words) if words else entry.action}", end="")
        moved = None if entry.action in _SAYS_ITS_STATE else entry.details.get("to")
        if isinstance(moved, str) and moved in _STATES:
            line.append(f" → {_(STATE_PHRASES[RequestState(moved)])}", style="dim")
        elif moved:
            line.append(f" → {moved}", style="dim")
        lines.append(line)
    if shown.receipt:
        lines.append(_section(_("Receipt")))
        for item in shown.receipt:
            line = Text(f"{_receipt_kind(item.kind)} ", end="")
            line.append_text(customer_line(item.id))
            line.append(f"  {local_time(item.at, zone)}", style="dim")
            if item.absent:
                # Nothing was left to remove or change: done all the same (issue 9).
                line.append("  " + _("already absent"), style="italic")
            lines.append(line)
    return Text("\n", end="").join(lines)
