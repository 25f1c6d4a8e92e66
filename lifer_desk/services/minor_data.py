"""Under-14 accounts without guardian consent: their information is sensitive (PIPL), and the desk opens an
urgent `minor_data` ticket for one when an agent meets it during verification."""

from __future__ import annotations

import asyncio

from lifer_desk.admin_api import UserSummary
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.i18n import _
from lifer_desk.services import tickets
from lifer_desk.services.accounts import LookupKind, LookupReason, find_account
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.services.writing import writing
from lifer_desk.store import verifications as store


def minor_ticket_offered(summary: UserSummary) -> bool:
    """Under 14 without guardian consent: its data is sensitive, and the desk offers an urgent ticket."""
    return summary.under_14 and summary.guardian_consent is not True


async def open_minor_data_ticket(ctx: DeskContext, account_id: str, source: TicketDetail | None = None) -> TicketDetail:
    """Open an urgent `minor_data` ticket for an under-14 account without guardian consent.

    The flags are read again from the admin API: what the screen showed earlier is not trusted here.
    """
    ticket_id = source.id if source else None
    summary = (
        await find_account(ctx, LookupKind.ID, account_id, reason=LookupReason.MINOR_DATA, ticket_id=ticket_id)
    ).summary
    if not minor_ticket_offered(summary):
        raise Refused(_("account {id} is not an under-14 account without guardian consent").format(id=account_id))
    return await asyncio.to_thread(_open_minor_ticket, ctx, summary, source)


def _open_minor_ticket(ctx: DeskContext, summary: UserSummary, source: TicketDetail | None) -> TicketDetail:
    origin = _(" on ticket #{id}").format(id=source.id) if source else ""
    draft = tickets.TicketDraft(
        channel=Channel(source.channel) if source else Channel.PHONE,
        subject=_("Under-14 account without guardian consent ({id})").format(id=summary.id),
        body=_(
            "Opened during identity verification{origin}. The admin API flags account {id} as under 14 with no "
            "guardian consent on record: its information is sensitive and needs guardian consent."
        ).format(origin=origin, id=summary.id),
        requester=source.requester if source else summary.email_masked,
        requester_name=source.requester_name if source else "",
        category=Category.MINOR_DATA,
        priority=Priority.URGENT,
        account_id=summary.id,
    )
    # One write transaction: two agents pressing the key at once get the same ticket, never two.
    with writing(ctx) as session:
        ticket_id = store.open_ticket_id(session, summary.id, Category.MINOR_DATA)
        if ticket_id is None:
            ticket_id = tickets.open_ticket_in(
                session,
                ctx,
                draft,
                via="verification",
                account_id=summary.id,
                source_ticket_id=source.id if source else None,
            )
    return tickets.get_ticket(ctx, ticket_id)
