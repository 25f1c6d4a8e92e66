"""The agents' queues and the orders a queue can be sorted in."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

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


# A row's place in a sorted queue: the values of its sort columns, ticket id last. The store builds and reads
# it; services and the UI only hand it back to ask for the page after or before that row.
PageKey = tuple[Any, ...]
