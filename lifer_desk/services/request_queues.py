"""Requests mode's use cases: the queues by state with their counts, keyset pages of each, and the detail view
(payload, hash, verification evidence, history, receipt and the problem of a failed request).

Evidence names who verified the caller, when, and which fields matched, never the values stated or stored.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from lifer_desk.domain.outbox import ReceiptItem
from lifer_desk.domain.requests import RequestState
from lifer_desk.i18n import N_, _
from lifer_desk.services import outbox
from lifer_desk.services.context import DeskContext
from lifer_desk.services.request_views import RequestDetail, RequestView, get_request, request_view
from lifer_desk.store import outbox as outbox_store
from lifer_desk.store import request_queues as store

# Re-exported: the UI's table hands keys back without importing the store.
from lifer_desk.store.request_queues import RequestKey as RequestKey

_S = RequestState


class RequestQueue(StrEnum):
    """Requests mode's queues; "to approve" holds the requests awaiting *this* supervisor's approval."""

    ALL = "all"
    AWAITING_VERIFICATION = "awaiting_verification"
    AWAITING_MY_APPROVAL = "awaiting_my_approval"
    APPROVED = "approved"
    EXECUTING = "executing"
    FAILED = "failed"
    COMPLETED_TODAY = "completed_today"

    @property
    def label(self) -> str:
        return _(_QUEUE_LABELS[self])


_QUEUE_LABELS = {
    # Ten cells at most, so that the narrow queue list shows them whole.
    RequestQueue.ALL: N_("All"),
    RequestQueue.AWAITING_VERIFICATION: N_("To verify"),
    RequestQueue.AWAITING_MY_APPROVAL: N_("To approve"),
    RequestQueue.APPROVED: N_("Approved"),
    RequestQueue.EXECUTING: N_("Executing"),
    RequestQueue.FAILED: N_("Failed"),
    RequestQueue.COMPLETED_TODAY: N_("Done today"),
}

_STATES = {
    RequestQueue.AWAITING_VERIFICATION: _S.AWAITING_VERIFICATION,
    RequestQueue.APPROVED: _S.APPROVED,
    RequestQueue.EXECUTING: _S.EXECUTING,
    RequestQueue.FAILED: _S.FAILED,
}


def _filter(ctx: DeskContext, queue: RequestQueue) -> store.RequestFilter:
    if queue is RequestQueue.ALL:
        return store.RequestFilter()
    if queue is RequestQueue.AWAITING_MY_APPROVAL:
        # Four-eyes: a supervisor's own requests are never theirs to approve, and an agent approves none.
        return store.RequestFilter((_S.AWAITING_APPROVAL,), not_requested_by=ctx.agent, nothing=not ctx.is_supervisor)
    if queue is RequestQueue.COMPLETED_TODAY:
        zone = ctx.settings.timezone
        midnight = datetime.combine(ctx.clock().astimezone(zone).date(), time(), tzinfo=zone)
        return store.RequestFilter((_S.COMPLETED,), since=midnight)
    return store.RequestFilter((_STATES[queue],))


def counts(ctx: DeskContext) -> dict[RequestQueue, int]:
    with ctx.db.read() as session:
        return {queue: store.count(session, _filter(ctx, queue)) for queue in RequestQueue}


def page(
    ctx: DeskContext,
    queue: RequestQueue,
    *,
    limit: int,
    after: RequestKey | None = None,
    before: RequestKey | None = None,
    last: bool = False,
) -> list[tuple[RequestKey, RequestView]]:
    """One page of `queue`, nearest legal deadline first (requests whose clock has not started last)."""
    with ctx.db.read() as session:
        rows = store.page(session, _filter(ctx, queue), limit=limit, after=after, before=before, last=last)
        return [(store.key_of(row), request_view(row)) for row in rows]


@dataclass(frozen=True)
class Evidence:
    """The verification that let a request on: who, when, and the fields that matched (never their values)."""

    agent: str
    at: datetime
    matched: tuple[str, ...]


@dataclass(frozen=True)
class RequestScreenDetail:
    detail: RequestDetail
    evidence: Evidence | None
    # What was removed or changed, object by object: the stored receipt once completed, what is done so far
    # before (as `lifer-desk requests receipt` prints it).
    receipt: tuple[ReceiptItem, ...]
    # What the admin API answered when the request failed (its problem detail), as the deliverer recorded it.
    problem: str | None


def _receipt(text: str) -> tuple[ReceiptItem, ...]:
    """A stored receipt's items; a row edited outside the desk into something else shows what still reads."""
    try:
        body = json.loads(text)
    except ValueError:
        return ()
    items = []
    for item in body if isinstance(body, list) else ():
        with suppress(KeyError, TypeError, ValueError):
            items.append(ReceiptItem.from_json(item))
    return tuple(items)


def detail(ctx: DeskContext, request_id: int) -> RequestScreenDetail:
    shown = get_request(ctx, request_id)
    request = shown.request
    with ctx.db.read() as session:
        evidence = None
        if request.verification_id is not None and (row := store.verification(session, request.verification_id)):
            results = json.loads(row.results)
            matched = tuple(sorted(name for name, answer in results.items() if answer == "match"))
            evidence = Evidence(row.agent, row.created_at, matched)
        problem = store.last_problem(session, request_id) if request.state is _S.FAILED else None
        stored = store.receipt(session, request_id)
        receipt = _receipt(stored) if stored else outbox.items_of(outbox_store.for_request(session, request_id))
    return RequestScreenDetail(shown, evidence, receipt, problem)


def changed_since(ctx: DeskContext) -> tuple[datetime | None, int]:
    """A marker that moves whenever a request is raised or changes state (the poll reloads on a new one)."""
    with ctx.db.read() as session:
        return store.latest_change(session)
