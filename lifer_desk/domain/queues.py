"""The agents' queues, the filters narrowing one, and the orders a queue can be sorted in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lifer_desk.domain.tickets import Category, Priority, TicketStatus
from lifer_desk.i18n import N_, _


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
        return _(_QUEUE_LABELS[self])


_QUEUE_LABELS = {
    QueueName.MY_OPEN: N_("My open"),
    QueueName.UNASSIGNED: N_("Unassigned"),
    QueueName.DUE_24H: N_("Due in 24 h"),
    QueueName.BREACHED: N_("Breached"),
    QueueName.DELETION: N_("Deletion"),
    QueueName.CORRECTION: N_("Correction"),
    QueueName.MINORS: N_("Minors"),
    QueueName.PENDING: N_("Pending customer"),
    QueueName.ALL: N_("All"),
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
