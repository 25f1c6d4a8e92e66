"""The outbox (DESIGN 6): the rows an approval writes, the delivery health Requests mode shows, and receipts.

`enqueue` runs inside the approval's transaction, so an approved request always has its rows and no row exists
for a request that was not approved. The deliverer that sends them is `services.outbox_deliverer`.

Confirmations (issue 14 item 5) go to the account's address of record, never to an address an agent typed: the
desk asks lifer to mail it (`POST /v1/users/{id}/notify`) and never sees it. A deletion of images, diary or
payment links and a correction are confirmed by a notify row (`notice_row`) written in the transaction
completing the request, delivered like every other row. An account erasure cannot be confirmed that way: before
it completes the confirmation would be untrue, after it there is no address left. So its erasure call carries
the confirmation (`notify` in the body) and lifer mails it when the erasure completes, just before it erases the
address. Parameters are ids, dates, kinds and field names, never a value.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlmodel import Session

from lifer_desk.admin_api import NotifyTemplate
from lifer_desk.domain.outbox import Operation, OutboxState, ReceiptItem
from lifer_desk.domain.request_payload import RequestPayload
from lifer_desk.domain.requests import DeletionScope, RequestKind, RequestState
from lifer_desk.i18n import _
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound
from lifer_desk.store import outbox as store
from lifer_desk.store import requests as request_store
from lifer_desk.store.models import DataRequest, Outbox


@dataclass(frozen=True)
class DeliveryHealth:
    """What Requests mode says about delivery: since when the admin API keeps failing (None when it is not),
    rows waiting, rows a deliverer holds right now, and requests failed for good (a supervisor may retry)."""

    failing_since: datetime | None
    pending: int
    in_flight: int
    failed: int

    def to_json(self) -> dict[str, Any]:
        since = self.failing_since.isoformat() if self.failing_since else None
        return {"failing_since": since, "pending": self.pending, "in_flight": self.in_flight, "failed": self.failed}


@dataclass(frozen=True)
class Receipt:
    request_id: int
    state: RequestState
    items: tuple[ReceiptItem, ...]

    def to_json(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "state": str(self.state), "items": [i.to_json() for i in self.items]}


def _user(account_id: str) -> str:
    return f"/v1/users/{quote(account_id, safe='')}"


def _rows(row: DataRequest, payload: RequestPayload, now: datetime) -> list[Outbox]:
    """The admin-API calls that carry out `payload`: one erasure, one DELETE per image, or one PATCH."""
    account = payload.account_id
    if payload.kind is RequestKind.CORRECT:
        body: dict[str, Any] = {"changes": {str(name): value for name, value in payload.changes.items()}}
        calls = [(Operation.CORRECTION, "PATCH", _user(account), body)]
    elif payload.scope is DeletionScope.IMAGES:
        calls = [
            (Operation.IMAGE_DELETE, "DELETE", f"{_user(account)}/images/{quote(image, safe='')}", {"image_id": image})
            for image in payload.image_ids
        ]
    else:
        assert row.id is not None
        notice = {"template": str(NotifyTemplate.DELETION_DONE), "params": _params(row, payload)}
        calls = [
            (Operation.ERASURE, "POST", f"{_user(account)}/erasure", {"scope": [str(payload.scope)], "notify": notice})
        ]
    assert row.id is not None
    return [
        _new_row(
            row.id, kind, method, path, json.dumps({"account_id": account, **body}, sort_keys=True), payload.etag, now
        )
        for kind, method, path, body in calls
    ]


def _params(row: DataRequest, payload: RequestPayload) -> dict[str, str]:
    """What a confirmation's template is filled with: ids, the kind and the fields named, never a value."""
    params = {"request_id": str(row.id)}
    if row.ticket_id is not None:
        params["ticket_id"] = str(row.ticket_id)
    if payload.kind is RequestKind.CORRECT:
        params["fields"] = ",".join(sorted(str(name) for name in payload.changes))
    else:
        params["scope"] = str(payload.scope)
    return params


def notice_row(row: DataRequest, payload: RequestPayload, now: datetime) -> Outbox | None:
    """The notify row confirming `row` to the account's address of record, for the transaction completing it
    (None for an account erasure, which its erasure call confirms; see the module docstring). Not yet added:
    the deliverer completes a batch of requests and adds their rows at once."""
    if payload.kind is RequestKind.DELETE and payload.scope is DeletionScope.ACCOUNT:
        return None
    assert row.id is not None
    template = NotifyTemplate.CORRECTION_DONE if payload.kind is RequestKind.CORRECT else NotifyTemplate.DELETION_DONE
    params = {**_params(row, payload), "completed_at": now.isoformat(timespec="seconds")}
    body = {"account_id": payload.account_id, "template": str(template), "params": params}
    path = f"{_user(payload.account_id)}/notify"
    return _new_row(row.id, Operation.NOTIFY, "POST", path, json.dumps(body, sort_keys=True), None, now)


def _new_row(request_id: int, kind: str, method: str, path: str, body: str, etag: str | None, now: datetime) -> Outbox:
    """A row to send now; a fresh id, so a fresh Idempotency-Key."""
    return Outbox(
        id=str(uuid.uuid4()), kind=kind, method=method, path=path, payload=body, etag=etag,
        state=OutboxState.PENDING, next_attempt_at=now, request_id=request_id, created_at=now,
    )  # fmt: skip


def resend(session: Session, old: Outbox, etag: str | None, now: datetime) -> str:
    """Replace a row the admin API refused by the same call under a fresh key (the old key would replay the
    refusal); returns the new row's id."""
    assert old.request_id is not None
    old.state = OutboxState.SUPERSEDED
    session.add(old)
    return store.add(session, _new_row(old.request_id, old.kind, old.method, old.path, old.payload, etag, now)).id


def enqueue(session: Session, row: DataRequest, payload: RequestPayload, now: datetime) -> list[str]:
    """Write the outbox rows of an approved request in the caller's transaction; returns their ids (the keys)."""
    return [store.add(session, outbox).id for outbox in _rows(row, payload, now)]


def items_of(rows: list[Outbox]) -> tuple[ReceiptItem, ...]:
    """The receipt items stored on done rows, in the order the rows were written."""
    items: list[ReceiptItem] = []
    for outbox in rows:
        if outbox.state == OutboxState.DONE and outbox.result:
            items.extend(ReceiptItem.from_json(item) for item in json.loads(outbox.result).get("items", []))
    return tuple(items)


def delivery_health(ctx: DeskContext) -> DeliveryHealth:
    with ctx.db.read() as session:
        counts = store.counts(session, ctx.clock())
    return DeliveryHealth(counts.failing_since, counts.pending, counts.in_flight, counts.failed_requests)


def next_due(ctx: DeskContext) -> datetime | None:
    """When the earliest row still to deliver is due; None when nothing is pending or in flight."""
    with ctx.db.read() as session:
        return store.next_due(session)


def receipt(ctx: DeskContext, request_id: int) -> Receipt:
    """What a request removed or changed: the stored receipt once completed, the items done so far before."""
    with ctx.db.read() as session:
        row = request_store.get(session, request_id)
        if row is None:
            raise NotFound(_("no request #{id}").format(id=request_id))
        if row.receipt:
            items = tuple(ReceiptItem.from_json(item) for item in json.loads(row.receipt))
        else:
            assert row.id is not None
            items = items_of(store.for_request(session, row.id))
        assert row.id is not None
        return Receipt(row.id, RequestState(row.state), items)
