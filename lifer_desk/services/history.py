"""Requester history for the ticket view (issue 13 item 2): the same contact's other tickets and, once an
account is linked, that account's other tickets and its data requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lifer_desk.domain.request_payload import RequestPayload
from lifer_desk.domain.requests import RequestKind, RequestState
from lifer_desk.services.context import DeskContext
from lifer_desk.services.request_views import read_payload
from lifer_desk.services.tickets import get_ticket
from lifer_desk.store import history as store_history

# Shown in the ticket view's list; the count says "20+" past it, so a prolific requester costs one short read.
SHOWN = 20


@dataclass(frozen=True)
class PastTicket:
    id: int
    status: str
    subject: str
    created_at: datetime


@dataclass(frozen=True)
class PastRequest:
    id: int
    kind: RequestKind
    state: RequestState
    ticket_id: int | None
    # What it asks (scope or fields); None for a stored payload that no longer parses.
    payload: RequestPayload | None


@dataclass(frozen=True)
class RequesterHistory:
    """Each list holds at most `SHOWN` entries, newest first, and reads one more to tell whether there are more.

    `account_tickets` leaves out the requester's own tickets, which `tickets` already lists.
    """

    tickets: tuple[PastTicket, ...]
    more_tickets: bool
    account_tickets: tuple[PastTicket, ...] = ()
    more_account_tickets: bool = False
    requests: tuple[PastRequest, ...] = ()
    more_requests: bool = False


def _past(row: Any) -> PastTicket:
    return PastTicket(row.id, row.status, row.subject, row.created_at)


def requester_history(ctx: DeskContext, ticket_id: int) -> RequesterHistory:
    ticket = get_ticket(ctx, ticket_id)
    with ctx.db.read() as session:
        rows = store_history.requester_tickets(session, ticket.requester, ticket_id, SHOWN + 1)
        own = [_past(row) for row in rows]
        if ticket.account_id is None:
            return RequesterHistory(tuple(own[:SHOWN]), len(own) > SHOWN)
        seen = {past.id for past in own}
        rows = store_history.account_tickets(session, ticket.account_id, ticket_id, SHOWN + 1)
        linked = [_past(row) for row in rows if row.id not in seen]
        requests = [
            PastRequest(
                row.id, RequestKind(row.kind), RequestState(row.state), row.ticket_id, read_payload(row.payload)
            )
            for row in store_history.account_requests(session, ticket.account_id, SHOWN + 1)
        ]
    return RequesterHistory(
        tuple(own[:SHOWN]),
        len(own) > SHOWN,
        tuple(linked[:SHOWN]),
        len(rows) > SHOWN,
        tuple(requests[:SHOWN]),
        len(requests) > SHOWN,
    )
