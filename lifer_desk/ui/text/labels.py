"""Short display names for ticket vocabulary, so table columns stay narrow and translatable.

The tables hold msgids (`N_`): whoever shows one translates it, in the language of the session showing it.
"""

from __future__ import annotations

from lifer_desk.domain.tickets import Category, Priority, TicketStatus
from lifer_desk.i18n import N_, _

STATUS_LABELS = {
    TicketStatus.NEW: N_("new"),
    TicketStatus.OPEN: N_("open"),
    TicketStatus.PENDING_CUSTOMER: N_("pending"),
    TicketStatus.RESOLVED: N_("resolved"),
    TicketStatus.CLOSED: N_("closed"),
}

PRIORITY_LABELS = {
    Priority.URGENT: N_("urgent"),
    Priority.HIGH: N_("high"),
    Priority.NORMAL: N_("normal"),
    Priority.LOW: N_("low"),
}

CATEGORY_LABELS = {
    Category.ACCOUNT_RECOVERY: N_("recovery"),
    Category.DELETION: N_("deletion"),
    Category.CORRECTION: N_("correction"),
    Category.MINOR_DATA: N_("minors"),
    Category.IMAGE_DELETION: N_("images"),
    Category.PAYMENT: N_("payment"),
    Category.PRIVACY_QUESTION: N_("privacy"),
    Category.COMPLAINT: N_("complaint"),
    Category.FEEDBACK: N_("feedback"),
    Category.OTHER: N_("other"),
}


def status_label(value: str) -> str:
    return _(STATUS_LABELS[TicketStatus(value)])


def priority_label(value: str) -> str:
    return _(PRIORITY_LABELS[Priority(value)])


def category_label(value: str) -> str:
    return _(CATEGORY_LABELS[Category(value)])


# What a supervisor is told, on start and on the dashboard, while no audit checkpoint is under 24 h old.
CHECKPOINT_OVERDUE = N_("No audit checkpoint in the last 24 h.")
