"""Deletion and correction requests: kinds, states, allowed transitions and who must approve (DESIGN 3 and 4).

The transition table is the whole state machine: a service moves a request only along an edge listed here,
and refuses anything else with the reason `check_request_transition` gives. Edges beyond DESIGN's straight
line, each for a reason:
- `awaiting_verification`/`draft` -> `approved`: username and gender corrections need no second pair of eyes,
  so once the caller is verified they are ready to execute;
- `executing` -> `awaiting_approval`: the account changed since it was read (a 412), so what was approved no
  longer describes what would run, and a supervisor approves the fresh read;
- `expired` -> `awaiting_approval` / `awaiting_verification`: an expired request can be submitted again;
- `cancelled`: the agent who raised it (or a supervisor) withdraws it before anything ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from lifer_desk.domain.identity import Field
from lifer_desk.domain.tickets import TransitionRefused
from lifer_desk.domain.timeutil import require_aware
from lifer_desk.i18n import _

# Defaults of the two expiries (settings override them): an approval not given within 72 h, and an approval
# not acted on within 24 h, both go stale; four-eyes is about what a supervisor saw, and that ages.
APPROVAL_WAIT = timedelta(hours=72)
EXECUTION_WINDOW = timedelta(hours=24)


class RequestKind(StrEnum):
    DELETE = "delete"
    CORRECT = "correct"


class RequestState(StrEnum):
    DRAFT = "draft"
    AWAITING_VERIFICATION = "awaiting_verification"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    EXECUTING = "executing"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


_S = RequestState
REQUEST_TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    _S.DRAFT: frozenset({_S.AWAITING_VERIFICATION, _S.AWAITING_APPROVAL, _S.APPROVED, _S.CANCELLED}),
    _S.AWAITING_VERIFICATION: frozenset({_S.AWAITING_APPROVAL, _S.APPROVED, _S.EXPIRED, _S.CANCELLED}),
    _S.AWAITING_APPROVAL: frozenset({_S.APPROVED, _S.REJECTED, _S.EXPIRED, _S.CANCELLED}),
    _S.APPROVED: frozenset({_S.EXECUTING, _S.EXPIRED, _S.CANCELLED}),
    _S.EXECUTING: frozenset({_S.COMPLETED, _S.FAILED, _S.AWAITING_APPROVAL}),
    _S.FAILED: frozenset({_S.EXECUTING, _S.CANCELLED}),
    _S.COMPLETED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.EXPIRED: frozenset({_S.AWAITING_VERIFICATION, _S.AWAITING_APPROVAL}),
    _S.CANCELLED: frozenset(),
}

FINAL_STATES = frozenset(state for state, targets in REQUEST_TRANSITIONS.items() if not targets)


def check_request_transition(current: RequestState, target: RequestState) -> None:
    if target not in REQUEST_TRANSITIONS[current]:
        allowed = ", ".join(sorted(REQUEST_TRANSITIONS[current])) or "none (final state)"
        raise TransitionRefused(f"a request cannot go from {current} to {target}; allowed: {allowed}")


class DeletionScope(StrEnum):
    """What a deletion removes; `ACCOUNT` is the whole person (erasure of everything below it too)."""

    ACCOUNT = "account"
    IMAGES = "images"
    DIARY = "diary"
    PAYMENT_LINKS = "payment_links"


# Corrections of these fields change how the person is reached or identified, so they need four-eyes;
# a username or gender correction is audited but runs once the caller is verified.
APPROVAL_FIELDS = frozenset({Field.EMAIL, Field.BIRTHDAY})


def needs_approval(kind: RequestKind, changed: frozenset[Field] = frozenset()) -> bool:
    return kind is RequestKind.DELETE or bool(changed & APPROVAL_FIELDS)


def may_approve(*, approver: str, approver_is_supervisor: bool, requested_by: str) -> str | None:
    """Why `approver` may not approve a request raised by `requested_by`, or None when they may."""
    if not approver_is_supervisor:
        return _("only a supervisor can approve a request")
    if approver == requested_by:
        return _("a request needs a supervisor other than the agent who raised it")
    return None


@dataclass(frozen=True)
class Expiry:
    """When a request in `state` goes stale, given when it entered that state; None means it does not."""

    approval_wait: timedelta = APPROVAL_WAIT
    execution_window: timedelta = EXECUTION_WINDOW

    def expires_at(self, state: RequestState, since: datetime) -> datetime | None:
        since = require_aware(since, "since")
        if state in (RequestState.AWAITING_VERIFICATION, RequestState.AWAITING_APPROVAL):
            return since + self.approval_wait
        if state is RequestState.APPROVED:
            return since + self.execution_window
        return None

    def is_expired(self, state: RequestState, since: datetime, now: datetime) -> bool:
        at = self.expires_at(state, since)
        return at is not None and require_aware(now, "now") >= at
