"""Short display names for ticket vocabulary, so table columns stay narrow and translatable."""

from __future__ import annotations

from lifer_desk.domain.tickets import Category, Priority, TicketStatus
from lifer_desk.i18n import _

STATUS_LABELS = {
    TicketStatus.NEW: _("new"),
    TicketStatus.OPEN: _("open"),
    TicketStatus.PENDING_CUSTOMER: _("pending"),
    TicketStatus.RESOLVED: _("resolved"),
    TicketStatus.CLOSED: _("closed"),
}

PRIORITY_LABELS = {
    Priority.URGENT: _("urgent"),
    Priority.HIGH: _("high"),
    Priority.NORMAL: _("normal"),
    Priority.LOW: _("low"),
}

CATEGORY_LABELS = {
    Category.ACCOUNT_RECOVERY: _("recovery"),
    Category.DELETION: _("deletion"),
    Category.CORRECTION: _("correction"),
    Category.MINOR_DATA: _("minors"),
    Category.IMAGE_DELETION: _("images"),
    Category.PAYMENT: _("payment"),
    Category.PRIVACY_QUESTION: _("privacy"),
    Category.COMPLAINT: _("complaint"),
    Category.FEEDBACK: _("feedback"),
    Category.OTHER: _("other"),
}


def status_label(value: str) -> str:
    return STATUS_LABELS.get(TicketStatus(value), value)


def priority_label(value: str) -> str:
    return PRIORITY_LABELS.get(Priority(value), value)


def category_label(value: str) -> str:
    return CATEGORY_LABELS.get(Category(value), value)
