"""Everything that happens when a request completes, in one place and in the caller's transaction: the request
moves to `completed` with its per-object receipt, the audit trail records it, and the ticket thread gets an
internal note summarising what was done and when, and the person's confirmation is queued to the account's
address of record (`services.outbox.enqueue_notice`; an account erasure's own call carries it). An account
erasure also cancels the account's other open requests (with a reason, audited) and makes the desk forget the
person (`services.person_purge.forget_person`), in this same transaction, before the notes: they hold ids and
counts only, and are kept.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from sqlmodel import Session

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.outbox import ReceiptItem
from lifer_desk.domain.requests import DeletionScope, RequestKind, RequestState, check_request_transition
from lifer_desk.domain.tickets import EventKind
from lifer_desk.i18n import _
from lifer_desk.services import audit_trail, outbox, requests
from lifer_desk.services.context import DeskContext
from lifer_desk.services.person_purge import forget_person
from lifer_desk.services.request_views import stored_payload
from lifer_desk.store import requests as request_store
from lifer_desk.store import tickets as ticket_store
from lifer_desk.store.models import DataRequest


def summary(request_id: int, items: tuple[ReceiptItem, ...], at: datetime) -> str:
    """One line per kind: how many objects went (or were already gone); ids and counts only, never values."""
    done = Counter(item.kind for item in items if not item.absent)
    absent = Counter(item.kind for item in items if item.absent)
    parts = [f"{kind} ×{count}" for kind, count in sorted(done.items())]
    parts += [
        _("{kind} ×{count} already absent").format(kind=kind, count=count) for kind, count in sorted(absent.items())
    ]
    return _("Request #{id} completed at {at:%Y-%m-%d %H:%M} UTC: {what}.").format(
        id=request_id, at=at, what=", ".join(parts) or _("nothing to do")
    )


def complete(
    session: Session, ctx: DeskContext, row: DataRequest, items: tuple[ReceiptItem, ...], now: datetime
) -> None:
    """Complete `row` (executing) with its receipt `items`, in the caller's write transaction."""
    assert row.id is not None
    current = RequestState(row.state)
    check_request_transition(current, RequestState.COMPLETED)
    row.receipt = json.dumps([item.to_json() for item in items], ensure_ascii=False)
    row.state, row.state_since, row.updated_at, row.expires_at = RequestState.COMPLETED, now, now, None
    row.version += 1
    session.add(row)
    session.flush()
    audit_trail.record(
        session,
        ctx.agent,
        AuditAction.REQUEST_COMPLETE,
        request_store.ENTITY,
        row.id,
        {
            "from": str(current),
            "to": str(RequestState.COMPLETED),
            "items": len(items),
            "absent": sum(item.absent for item in items),
            "idempotency_keys": sorted({item.idempotency_key for item in items}),
        },
    )
    payload = stored_payload(row)
    if payload is not None:
        outbox.enqueue_notice(session, row, payload, now)
    cancelled: list[DataRequest] = []
    if payload is not None and payload.kind is RequestKind.DELETE and payload.scope is DeletionScope.ACCOUNT:
        cancelled = requests.cancel_after_erasure(session, ctx, row, now)
        forget_person(session, ctx, account_id=row.account_id, request_id=row.id)
    for other in cancelled:
        if other.ticket_id is not None:
            note = _("Request #{id} ({kind}) cancelled: the account was erased by request #{erasure}.").format(
                id=other.id, kind=other.kind, erasure=row.id
            )
            ticket_store.add_event(
                session, other.ticket_id, EventKind.NOTE, ctx.agent, note, now, {"request_id": other.id}
            )
            ticket_store.touch(session, other.ticket_id, now)
    if row.ticket_id is not None:
        ticket_store.add_event(
            session, row.ticket_id, EventKind.NOTE, ctx.agent, summary(row.id, items, now), now, {"request_id": row.id}
        )
        ticket_store.touch(session, row.ticket_id, now)
