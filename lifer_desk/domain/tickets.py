"""Ticket vocabulary and the table of allowed status transitions."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Category(StrEnum):
    ACCOUNT_RECOVERY = "account_recovery"
    DELETION = "deletion"
    CORRECTION = "correction"
    MINOR_DATA = "minor_data"
    IMAGE_DELETION = "image_deletion"
    PAYMENT = "payment"
    PRIVACY_QUESTION = "privacy_question"
    COMPLAINT = "complaint"
    FEEDBACK = "feedback"
    OTHER = "other"


class Priority(StrEnum):
    """Stored as text; `rank` gives the sort order (urgent first)."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class Channel(StrEnum):
    EMAIL = "email"
    WEB = "web"
    APP = "app"
    PHONE = "phone"


class EventKind(StrEnum):
    INBOUND = "inbound"
    REPLY = "reply"
    NOTE = "note"
    STATUS = "status"
    FIELD = "field"
    # A mail the desk sent did not arrive: a bounce, or the SMTP server's permanent refusal.
    DELIVERY = "delivery"


# Categories whose tickets carry the legal clocks of DESIGN section 1.
LEGAL_CATEGORIES = frozenset({Category.DELETION, Category.CORRECTION, Category.MINOR_DATA})

TICKET_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset({TicketStatus.OPEN, TicketStatus.PENDING_CUSTOMER, TicketStatus.RESOLVED}),
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING_CUSTOMER, TicketStatus.RESOLVED}),
    TicketStatus.PENDING_CUSTOMER: frozenset({TicketStatus.OPEN, TicketStatus.RESOLVED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}

OPEN_STATUSES = frozenset({TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING_CUSTOMER})


class TransitionRefused(ValueError):
    """A state change that the transition table does not allow."""


def allowed_next(status: TicketStatus) -> frozenset[TicketStatus]:
    return TICKET_TRANSITIONS[status]


def check_ticket_transition(current: TicketStatus, target: TicketStatus) -> None:
    if target not in TICKET_TRANSITIONS[current]:
        allowed = ", ".join(sorted(TICKET_TRANSITIONS[current])) or "none (final state)"
        raise TransitionRefused(f"a ticket cannot go from {current} to {target}; allowed: {allowed}")
