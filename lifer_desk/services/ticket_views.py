"""Plain frozen views of tickets for the UI: no ORM object ever leaves a service."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from lifer_desk.domain.legal_clocks import legal_deadlines
from lifer_desk.domain.masking import mask_contact
from lifer_desk.domain.tickets import LEGAL_CATEGORIES, Category
from lifer_desk.store.models import Ticket
from lifer_desk.store.tickets import ThreadEvent


@dataclass(frozen=True)
class TicketRow:
    """One line of a queue table."""

    id: int
    priority: str
    priority_rank: int
    resolution_due: datetime
    status: str
    category: str
    subject: str
    requester_masked: str
    assignee: str | None
    updated_at: datetime
    claim_expires_at: datetime | None
    # The resolution clock stands still while the ticket waits for its customer.
    sla_paused: bool = False


@dataclass(frozen=True)
class EventView:
    """One event of a thread. `body` is its start, as much as the read's window asked for; `length` is the whole
    body's length in characters."""

    id: int
    kind: str
    author: str
    body: str
    meta: dict[str, Any]
    created_at: datetime
    length: int

    @property
    def cut(self) -> int:
        """How many characters of the body this view leaves out."""
        return self.length - len(self.body)


@dataclass(frozen=True)
class ThreadWindow:
    """How much of a thread a ticket read returns: the newest `events`, each body cut at `chars` characters. A
    ticket opens with the default, whatever the size of its thread; each `wider()` shows more."""

    events: int = 10
    chars: int = 1_000

    # Each step shows this many more events and makes bodies this many times longer.
    MORE_EVENTS: ClassVar[int] = 10
    LONGER: ClassVar[int] = 10

    def wider(self) -> ThreadWindow:
        return ThreadWindow(self.events + self.MORE_EVENTS, self.chars * self.LONGER)


THREAD_WINDOW = ThreadWindow()


@dataclass(frozen=True)
class TicketDetail:
    id: int
    version: int
    status: str
    priority: str
    category: str
    channel: str
    subject: str
    requester: str
    requester_name: str
    account_id: str | None
    assignee: str | None
    claim_expires_at: datetime | None
    first_response_due: datetime
    resolution_due: datetime
    first_responded_at: datetime | None
    legal_reply_due: datetime | None
    legal_delete_due: datetime | None
    legal_warning: str | None
    created_at: datetime
    updated_at: datetime
    # The newest events, in the read's window, oldest first; `earlier` is how many older ones it left out.
    events: tuple[EventView, ...]
    earlier: int
    sla_paused: bool = False

    def claimed_by(self, agent: str, now: datetime) -> bool:
        return self.assignee == agent and self.claim_expires_at is not None and self.claim_expires_at >= now

    def held_by_other(self, agent: str, now: datetime) -> bool:
        return (
            self.assignee is not None
            and self.assignee != agent
            and self.claim_expires_at is not None
            and self.claim_expires_at >= now
        )


def row_view(row: Any) -> TicketRow:
    return TicketRow(
        id=row.id,
        priority=row.priority,
        priority_rank=row.priority_rank,
        resolution_due=row.resolution_due,
        status=row.status,
        category=row.category,
        subject=row.subject,
        requester_masked=mask_contact(row.requester),
        assignee=row.assignee,
        updated_at=row.updated_at,
        claim_expires_at=row.claim_expires_at,
        sla_paused=row.sla_paused_at is not None,
    )


def detail_view(ticket: Ticket, events: list[ThreadEvent], total: int) -> TicketDetail:
    assert ticket.id is not None
    warning = None
    if Category(ticket.category) in LEGAL_CATEGORIES:
        warning = legal_deadlines(ticket.created_at).warning
    return TicketDetail(
        id=ticket.id,
        version=ticket.version,
        status=ticket.status,
        priority=ticket.priority,
        category=ticket.category,
        channel=ticket.channel,
        subject=ticket.subject,
        requester=ticket.requester,
        requester_name=ticket.requester_name,
        account_id=ticket.account_id,
        assignee=ticket.assignee,
        claim_expires_at=ticket.claim_expires_at,
        first_response_due=ticket.first_response_due,
        resolution_due=ticket.resolution_due,
        first_responded_at=ticket.first_responded_at,
        legal_reply_due=ticket.legal_due_calendar,
        legal_delete_due=ticket.legal_due_working,
        legal_warning=warning,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        events=tuple(
            EventView(e.id, e.kind, e.author, e.body, json.loads(e.meta), e.created_at, e.length) for e in events
        ),
        earlier=total - len(events),
        sla_paused=ticket.sla_paused_at is not None,
    )
