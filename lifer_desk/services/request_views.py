"""Plain frozen views of deletion and correction requests, and the read-only use cases: list, show, counts.

`RequestView.to_json` is the stable form `lifer-desk requests ... --json` prints (documented in the README):
keys are only ever added, never renamed or removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lifer_desk.domain.request_payload import PayloadInvalid, RequestPayload
from lifer_desk.domain.requests import RequestKind, RequestState
from lifer_desk.i18n import _
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound
from lifer_desk.store import requests as store
from lifer_desk.store.models import AuditEvent, DataRequest

PAGE_SIZE = 200


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    details: dict[str, Any]


@dataclass(frozen=True)
class RequestView:
    id: int
    ticket_id: int | None
    kind: RequestKind
    state: RequestState
    state_since: datetime
    expires_at: datetime | None
    priority: str
    account_id: str
    # None only for a row whose stored payload no longer parses: shown as such, never executed.
    payload: RequestPayload | None
    payload_hash: str | None
    requested_by: str
    approved_by: str | None
    approved_at: datetime | None
    verification_id: int | None
    reject_reason: str | None
    cancelled_by: str | None
    due_calendar: datetime | None
    due_working: datetime | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        def at(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "kind": str(self.kind),
            "state": str(self.state),
            "state_since": at(self.state_since),
            "expires_at": at(self.expires_at),
            "priority": self.priority,
            "account_id": self.account_id,
            "ticket_id": self.ticket_id,
            "requested_by": self.requested_by,
            "approved_by": self.approved_by,
            "approved_at": at(self.approved_at),
            "verification_id": self.verification_id,
            "due_calendar": at(self.due_calendar),
            "due_working": at(self.due_working),
            "payload": self.payload.canonical() if self.payload else None,
            "payload_hash": self.payload_hash,
            "reject_reason": self.reject_reason,
            "cancelled_by": self.cancelled_by,
            "created_at": at(self.created_at),
        }


@dataclass(frozen=True)
class RequestDetail:
    request: RequestView
    history: tuple[HistoryEntry, ...]

    def to_json(self) -> dict[str, Any]:
        history = [
            {"at": entry.at.isoformat(), "actor": entry.actor, "action": entry.action, "details": entry.details}
            for entry in self.history
        ]
        return {**self.request.to_json(), "history": history}


@dataclass(frozen=True)
class RequestPage:
    rows: tuple[RequestView, ...]
    # Pass back as `after` for the next page; None on the last page.
    next_cursor: store.RequestCursor | None


def stored_payload(row: DataRequest) -> RequestPayload | None:
    return read_payload(row.payload)


def read_payload(text: str) -> RequestPayload | None:
    """A stored payload, or None where it no longer parses (shown as such, never executed)."""
    try:
        return RequestPayload.from_json(text)
    except PayloadInvalid:
        return None


def request_view(row: DataRequest) -> RequestView:
    assert row.id is not None
    return RequestView(
        id=row.id,
        ticket_id=row.ticket_id,
        kind=RequestKind(row.kind),
        state=RequestState(row.state),
        state_since=row.state_since,
        expires_at=row.expires_at,
        priority=row.priority,
        account_id=row.account_id,
        payload=stored_payload(row),
        payload_hash=row.payload_hash,
        requested_by=row.requested_by,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        verification_id=row.verification_id,
        reject_reason=row.reject_reason,
        cancelled_by=row.cancelled_by,
        due_calendar=row.due_calendar,
        due_working=row.due_working,
        created_at=row.created_at,
    )


def _history_entry(event: AuditEvent) -> HistoryEntry:
    return HistoryEntry(event.ts, event.actor, event.action, json.loads(event.details))


def get_request(ctx: DeskContext, request_id: int) -> RequestDetail:
    with ctx.db.read() as session:
        row = store.get(session, request_id)
        if row is None:
            raise NotFound(_("no request #{id}").format(id=request_id))
        events = store.history(session, request_id)
        return RequestDetail(request_view(row), tuple(_history_entry(event) for event in events))


def list_requests(
    ctx: DeskContext,
    *,
    state: RequestState | None = None,
    due_within: timedelta | None = None,
    after: store.RequestCursor | None = None,
    limit: int = PAGE_SIZE,
) -> RequestPage:
    """One page of requests, nearest deadline first; `due_within` keeps those due on either clock by then."""
    due_before = ctx.clock() + due_within if due_within is not None else None
    with ctx.db.read() as session:
        rows = store.page(session, limit=limit + 1, after=after, state=state, due_before=due_before)
    views = tuple(request_view(row) for row in rows[:limit])
    cursor = store.RequestCursor(views[-1].due_working, views[-1].id) if len(rows) > limit else None
    return RequestPage(views, cursor)


def counts_by_state(ctx: DeskContext) -> dict[RequestState, int]:
    with ctx.db.read() as session:
        counts = store.counts_by_state(session)
    return {state: counts.get(str(state), 0) for state in RequestState}
