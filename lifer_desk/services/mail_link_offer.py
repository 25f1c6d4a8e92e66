"""The link offer on a mail ticket (issue 14): an account whose email is the sender's address may be linked.

A From address is not identity, so nothing is linked or verified here: the ticket view offers the account, the
agent confirms it in the link dialog (`tickets.link_account`, audited), and the caller is still verified as any
caller is. The lookup itself is audited like every account lookup, with its own reason.
"""

from __future__ import annotations

import asyncio
import logging

from lifer_desk.admin_api import AdminApiError, NotFound
from lifer_desk.domain.tickets import Channel
from lifer_desk.services.accounts import FoundAccount, LookupKind, LookupReason, find_account
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.store import mail as store

log = logging.getLogger(__name__)


def may_offer(ticket: TicketDetail) -> bool:
    """Worth asking about: an email ticket with an address as requester and no account linked yet."""
    return ticket.channel == Channel.EMAIL and ticket.account_id is None and "@" in ticket.requester


def _came_by_mail(ctx: DeskContext, ticket_id: int) -> bool:
    with ctx.db.read() as session:
        return store.received_for(session, ticket_id)


async def account_to_offer(ctx: DeskContext, ticket: TicketDetail) -> FoundAccount | None:
    """The account that uses the sender's address of a ticket mail started or joined; None when there is none,
    or the ticket is not such a ticket (one an agent typed in has a contact, not a sender).

    An admin API that cannot answer now is no error to the agent: the offer is a help, and linking by hand
    (`l`) still works once it answers.
    """
    if not may_offer(ticket) or not await asyncio.to_thread(_came_by_mail, ctx, ticket.id):
        return None
    try:
        return await find_account(
            ctx, LookupKind.EMAIL, ticket.requester, reason=LookupReason.LINK_OFFER, ticket_id=ticket.id
        )
    except (NotFound, Refused):
        return None
    except AdminApiError as failure:
        log.warning("link offer for ticket %s: %s", ticket.id, failure)
        return None
