"""An agent opens a ticket for a phone call or a walk-in (issue 13 item 5): the same checks, SLA and audit as
every other ticket, and one line naming what is missing or wrong."""

from __future__ import annotations

from dataclasses import dataclass

from lifer_desk.domain.text_safety import storable
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.i18n import _
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.queues import Choice, choice
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.services.writing import writing

# The ticket table's column sizes: a longer contact or name could not be stored.
MAX_CONTACT = 320
MAX_NAME = 128


@dataclass(frozen=True)
class TicketForm:
    """What the agent typed and chose, as text; `create_ticket` checks every part of it."""

    channel: str
    requester: str
    requester_name: str
    subject: str
    body: str
    category: str
    priority: str = Priority.NORMAL.value


def _required(kind: type[Choice], value: str, name: str) -> Choice:
    found = choice(kind, value, name)
    if found is None:
        raise Refused(_("choose the {name}").format(name=name))
    return found


def checked_draft(form: TicketForm) -> tickets.TicketDraft:
    requester = storable(form.requester).strip()
    name = storable(form.requester_name).strip()
    if not requester:
        raise Refused(_("enter the requester's contact (email, username or phone)"))
    if len(requester) > MAX_CONTACT:
        raise Refused(_("the requester's contact is longer than {n} characters").format(n=MAX_CONTACT))
    if len(name) > MAX_NAME:
        raise Refused(_("the requester's name is longer than {n} characters").format(n=MAX_NAME))
    if not storable(form.body).strip():
        raise Refused(_("write the customer's first message (what they said or wrote)"))
    if len(form.body) > tickets.MAX_TEXT:
        raise Refused(_("the first message is longer than {n} characters").format(n=tickets.MAX_TEXT))
    return tickets.TicketDraft(
        channel=_required(Channel, form.channel, _("channel")),
        subject=form.subject,
        body=form.body.strip(),
        requester=requester,
        requester_name=name,
        category=_required(Category, form.category, _("category")),
        priority=_required(Priority, form.priority, _("priority")),
    )


def create_ticket(ctx: DeskContext, form: TicketForm) -> TicketDetail:
    """Open the ticket the agent typed in; the audit event says the desk opened it, and which agent."""
    draft = checked_draft(form)
    with writing(ctx) as session:
        ticket_id = tickets.open_ticket_in(session, ctx, draft, opened_by="agent", channel=str(draft.channel))
    return tickets.get_ticket(ctx, ticket_id)
