"""Everything that happens when a request completes, in one place and in the caller's transaction: the request
moves to `completed` with its per-object receipt, the audit trail records it, and the ticket thread gets an
internal note summarising what was done and when, and the person's confirmation is queued to the account's
address of record (`services.outbox.enqueue_notice`; an account erasure's own call carries it). An account
erasure also cancels the account's other open requests (with a reason, audited) and makes the desk forget the
person (`services.person_purge.forget_people`), in this same transaction, before the notes: they hold ids and
counts only, and are kept.

Once a request completed, the agent on its ticket is offered a reply to the customer saying what was done and
when (`reply_offer`): a text made of the receipt alone (kinds, counts, field names, the time, the request's
number; never a value, a name or an address), in the language the customer wrote in. That language is read when
the request completes, before a purge can take the words it is read from, and kept on the completion note, which
the purge keeps. The offer is only ever a draft: nothing is sent until the agent sends it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.mail import looks_chinese
from lifer_desk.domain.outbox import ReceiptItem
from lifer_desk.domain.requests import DeletionScope, RequestKind, RequestState, check_request_transition
from lifer_desk.domain.tickets import EventKind
from lifer_desk.i18n import _
from lifer_desk.services import audit_trail, mail_outbox, outbox, requests
from lifer_desk.services.context import DeskContext
from lifer_desk.services.person_purge import forget_people
from lifer_desk.services.request_views import stored_payload
from lifer_desk.store import outbox as outbox_store
from lifer_desk.store import requests as request_store
from lifer_desk.store import tickets as ticket_store
from lifer_desk.store.models import DataRequest, Ticket, TicketEvent


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
    complete_many(session, ctx, [(row, items)], now)


def complete_many(
    session: Session, ctx: DeskContext, done: Sequence[tuple[DataRequest, tuple[ReceiptItem, ...]]], now: datetime
) -> None:
    """Complete each (executing) row with its receipt items, in the caller's write transaction, as `complete`
    does one, in as few statements as the batch allows: the rows in one flush, their audit events in one append,
    their confirmations in one, their tickets' languages in one read, every note in one and the tickets touched
    in one. The outbox deliverer completes every request a round finished this way; statement by statement that
    was most of its database time (issue 9's bench). The erasures' purges, all at once, likewise."""
    if not done:
        return
    events: list[tuple[AuditAction, str, str | int, dict[str, Any]]] = []
    for row, items in done:
        assert row.id is not None
        current = RequestState(row.state)
        check_request_transition(current, RequestState.COMPLETED)
        row.receipt = json.dumps([item.to_json() for item in items], ensure_ascii=False)
        row.state, row.state_since, row.updated_at, row.expires_at = RequestState.COMPLETED, now, now, None
        row.version += 1
        session.add(row)
        details = {
            "from": str(current),
            "to": str(RequestState.COMPLETED),
            "items": len(items),
            "absent": sum(item.absent for item in items),
            "idempotency_keys": sorted({item.idempotency_key for item in items}),
        }
        events.append((AuditAction.REQUEST_COMPLETE, request_store.ENTITY, row.id, details))
    session.flush()
    audit_trail.record_many(session, ctx.agent, events)
    payloads = [(row, stored_payload(row)) for row, _items in done]
    notices = [notice for row, payload in payloads if payload and (notice := outbox.notice_row(row, payload, now))]
    outbox_store.add_many(session, notices)
    # Read before any purge below takes the words they are read from.
    openings = request_store.ticket_openings(session, (row.ticket_id for row, _ in done if row.ticket_id is not None))
    notes: list[TicketEvent] = []
    erased: list[tuple[str, int]] = []
    for row, payload in payloads:
        if payload is not None and payload.kind is RequestKind.DELETE and payload.scope is DeletionScope.ACCOUNT:
            assert row.id is not None
            cancelled = requests.cancel_after_erasure(session, ctx, row, now)
            erased.append((row.account_id, row.id))
            notes += [
                ticket_store.new_event(
                    other.ticket_id,
                    EventKind.NOTE,
                    ctx.agent,
                    _cancelled_note(other, row),
                    now,
                    {"request_id": other.id},
                )
                for other in cancelled
                if other.ticket_id is not None
            ]
    # Every erased person of the batch forgotten at once (`forget_people` says why).
    forget_people(session, ctx, erased)
    for row, items in done:
        if row.ticket_id is not None:
            assert row.id is not None
            language = _language_of(openings.get(row.ticket_id, ""))
            meta = {"request_id": row.id, "reply_language": language}
            notes.append(
                ticket_store.new_event(row.ticket_id, EventKind.NOTE, ctx.agent, summary(row.id, items, now), now, meta)
            )
    ticket_store.add_events(session, notes)
    ticket_store.touch_many(session, (note.ticket_id for note in notes), now)


def _cancelled_note(other: DataRequest, erasure: DataRequest) -> str:
    return _("Request #{id} ({kind}) cancelled: the account was erased by request #{erasure}.").format(
        id=other.id, kind=other.kind, erasure=erasure.id
    )


def _language(session: Session, ticket_id: int | None) -> str:
    """The language the customer wrote the ticket in: "zh" or "en" (as the mail acknowledgement tells them)."""
    opening = request_store.ticket_opening(session, ticket_id) if ticket_id is not None else ""
    return _language_of(opening)


def _language_of(opening: str) -> str:
    return "zh" if looks_chinese(opening) else "en"


# Customer-facing, in the customer's language rather than the agent's (as the mail acknowledgement is).
_REPLY = {
    "en": "Hello,\n\nyour request has been carried out: on {at:%Y-%m-%d} at {at:%H:%M} UTC we {what}.\n\n"
    "Reference: request #{id}.\n\nKind regards",
    "zh": "您好：\n\n您的请求已处理完毕：我们已于 {at:%Y-%m-%d} {at:%H:%M}（UTC）{what}。\n\n"
    "参考编号：请求 #{id}。\n\n此致",
}
_DELETED = {
    "en": {
        DeletionScope.ACCOUNT: "deleted your account, with its images, diary and payment links",
        DeletionScope.IMAGES: "deleted {count} of your images",
        DeletionScope.DIARY: "deleted your diary",
        DeletionScope.PAYMENT_LINKS: "removed your payment links",
    },
    "zh": {
        DeletionScope.ACCOUNT: "删除了您的账号及其图片、日记和支付关联",
        DeletionScope.IMAGES: "删除了您的 {count} 张图片",
        DeletionScope.DIARY: "删除了您的日记",
        DeletionScope.PAYMENT_LINKS: "解除了您的支付关联",
    },
}
_CORRECTED = {"en": "corrected the {fields} of your account", "zh": "更正了您账号的{fields}"}
_FIELDS = {
    "en": {"email": "email address", "username": "username", "birthday": "birthday", "gender": "gender"},
    "zh": {"email": "邮箱地址", "username": "用户名", "birthday": "生日", "gender": "性别"},
}
_AND = {"en": " and ", "zh": "和"}


@dataclass(frozen=True)
class ReplyOffer:
    """A reply the agent may send about a completed request: its text, in the customer's language."""

    request_id: int
    language: str
    text: str


def _reply_text(row: DataRequest, language: str) -> str:
    payload = stored_payload(row)
    assert payload is not None and row.id is not None
    items = [ReceiptItem.from_json(item) for item in json.loads(row.receipt or "[]")]
    if payload.kind is RequestKind.CORRECT:
        names = [_FIELDS[language].get(str(name), str(name)) for name in payload.changes]
        what = _CORRECTED[language].format(fields=_AND[language].join(names))
    else:
        assert payload.scope is not None
        what = _DELETED[language][payload.scope].format(count=len(items) or len(payload.image_ids))
    return _REPLY[language].format(at=row.state_since, what=what, id=row.id)


def reply_offer(ctx: DeskContext, ticket_id: int) -> ReplyOffer | None:
    """The reply to offer on `ticket_id`: about its latest completed request, unless a reply went out since."""
    with ctx.db.read() as session:
        row = request_store.latest_completed(session, ticket_id)
        if row is None or row.id is None or request_store.replied_since(session, ticket_id, row.state_since):
            return None
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or mail_outbox.reply_cannot_be_mailed(session, ctx, ticket):
            # An erasure's ticket that came by mail: its address went with the account, and the confirmation
            # went to the address of record through the admin API.
            return None
        metas = [json.loads(note.meta) for note in request_store.notes_since(session, ticket_id, row.state_since)]
        kept = [meta.get("reply_language") for meta in metas if meta.get("request_id") == row.id]
        language = kept[0] if kept and kept[0] in _REPLY else _language(session, ticket_id)
        return ReplyOffer(row.id, language, _reply_text(row, language))
