"""The agents' queues, the filters narrowing one, and the orders a queue can be sorted in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lifer_desk.domain.tickets import Category, Priority, TicketStatus
from lifer_desk.i18n import _


class QueueName(StrEnum):
    MY_OPEN = "my_open"
    UNASSIGNED = "unassigned"
    DUE_24H = "due_24h"
    BREACHED = "breached"
    DELETION = "deletion"
    CORRECTION = "correction"
    MINORS = "minors"
    PENDING = "pending_customer"
    ALL = "all"

    @property
    def label(self) -> str:
        return _QUEUE_LABELS[self]


_QUEUE_LABELS = {
    QueueName.MY_OPEN: _("My open"),
    QueueName.UNASSIGNED: _("Unassigned"),
    QueueName.DUE_24H: _("Due in 24 h"),
    QueueName.BREACHED: _("Breached"),
    QueueName.DELETION: _("Deletion"),
    QueueName.CORRECTION: _("Correction"),
    QueueName.MINORS: _("Minors"),
    QueueName.PENDING: _("Pending customer"),
    QueueName.ALL: _("All"),
}


class SortKey(StrEnum):
    DUE = "due"
    PRIORITY = "priority"
    UPDATED = "updated"
    ID = "id"


@dataclass(frozen=True)
class QueueFilter:
    """What narrows a queue beyond its own rule; a field left None matches any ticket.

    `unassigned` asks for tickets nobody holds, so it and an `assignee` name exclude each other.
    """

    status: TicketStatus | None = None
    category: Category | None = None
    priority: Priority | None = None
    assignee: str | None = None
    unassigned: bool = False

    def __post_init__(self) -> None:
        if self.unassigned and self.assignee is not None:
            raise ValueError("a queue filter names an assignee or asks for unassigned tickets, not both")

    @property
    def empty(self) -> bool:
        return self == QueueFilter()


# A row's place in a sorted queue: the values of its sort columns, ticket id last. The store builds and reads
# it; services and the UI only hand it back to ask for the page after or before that row.
PageKey = tuple[Any, ...]
