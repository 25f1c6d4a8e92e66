"""Deletion and correction requests: kinds, states and allowed transitions (DESIGN section 3)."""

from __future__ import annotations

from enum import StrEnum

from lifer_desk.domain.tickets import TransitionRefused


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


_S = RequestState
REQUEST_TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    _S.DRAFT: frozenset({_S.AWAITING_VERIFICATION, _S.REJECTED}),
    _S.AWAITING_VERIFICATION: frozenset({_S.AWAITING_APPROVAL, _S.REJECTED}),
    _S.AWAITING_APPROVAL: frozenset({_S.APPROVED, _S.REJECTED, _S.EXPIRED}),
    _S.APPROVED: frozenset({_S.EXECUTING, _S.EXPIRED}),
    _S.EXECUTING: frozenset({_S.COMPLETED, _S.FAILED}),
    _S.FAILED: frozenset({_S.EXECUTING, _S.REJECTED}),
    _S.COMPLETED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.EXPIRED: frozenset({_S.AWAITING_APPROVAL}),
}


def check_request_transition(current: RequestState, target: RequestState) -> None:
    if target not in REQUEST_TRANSITIONS[current]:
        allowed = ", ".join(sorted(REQUEST_TRANSITIONS[current])) or "none (final state)"
        raise TransitionRefused(f"a request cannot go from {current} to {target}; allowed: {allowed}")
