"""Finding an admin-API account: the one lookup behind the verify dialog, the link dialog and the ticket header.

Every path normalises the value as verification does (an email is case-folded and NFKC-folded, spaces are
trimmed) and refuses a masked fragment before any call: `j***@qq.com` is what the desk shows, never proof and
never a key, so an agent who types it back gets told to ask for the full value instead of "no such account".
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from enum import StrEnum

from lifer_desk.admin_api import UserSummary
from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.identity import ClaimError, normalise_email, normalise_username
from lifer_desk.i18n import _
from lifer_desk.services import audit_trail
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.writing import writing


class LookupKind(StrEnum):
    """What an account can be looked up by: the admin API's exact lookups."""

    EMAIL = "email"
    USERNAME = "username"
    ID = "id"


class LookupReason(StrEnum):
    """Why an agent looked an account up: recorded with every lookup, for the supervisors' "who viewed what"."""

    VERIFY = "verify_identity"
    LINK = "link_account"
    TICKET = "ticket_header"
    MINOR_DATA = "minor_data_check"
    # A mail ticket's sender address, looked up to offer linking its account (services.mail_link_offer).
    LINK_OFFER = "link_offer"


@dataclass(frozen=True)
class FoundAccount:
    summary: UserSummary
    # The answer came from the in-process sandbox, not the live service; the desk says so next to it.
    in_process: bool


def lookup_value(kind: LookupKind, value: str) -> str:
    """The value as the admin API's exact lookup expects it, or `Refused` with what is wrong with it."""
    value = value.strip()
    if not value:
        raise Refused(_("enter the {kind} to look up").format(kind=kind.value))
    try:
        if kind is LookupKind.EMAIL:
            value = normalise_email(value)
        elif kind is LookupKind.USERNAME:
            value = normalise_username(value)
    except ClaimError as exc:
        raise Refused(_("{field} {problem}").format(field=kind.value, problem=exc.message)) from None
    if "*" in value:
        raise Refused(_("a masked value cannot find an account: ask for the full value"))
    return value


_PHONE = re.compile(r"\+?[\d\s().-]+")


def prefilled_lookup(contact: str) -> tuple[LookupKind, str]:
    """How a ticket's requester contact is looked up: an email by email, anything else as a username, and
    nothing prefilled when the contact cannot be a username either (a phone number with spaces, say)."""
    contact = contact.strip()
    if "@" in contact:
        return LookupKind.EMAIL, contact
    if not contact or _PHONE.fullmatch(contact) or any(ch.isspace() for ch in contact):
        # A phone number (the admin API looks up no account by it) or a name: the agent asks the caller.
        return LookupKind.EMAIL, ""
    try:
        return LookupKind.USERNAME, normalise_username(contact)
    except ClaimError:
        return LookupKind.EMAIL, ""


async def find_account(
    ctx: DeskContext, kind: LookupKind, value: str, *, reason: LookupReason, ticket_id: int | None = None
) -> FoundAccount:
    """The account with exactly this email, username or id; only its masked summary comes back.

    The lookup is audited (who, which account, why, on which ticket) before the summary is handed back: if
    the event cannot be written, the agent sees nothing (fail closed). The value typed is not recorded, since
    it may be an email address; the account id found is.
    """
    key = {kind.value: lookup_value(kind, value)}
    api = await ctx.admin.get()
    summary = await api.lookup_user(**key)
    await asyncio.to_thread(_audit_lookup, ctx, summary.id, kind, reason, ticket_id)
    return FoundAccount(summary, api.in_process)


def _audit_lookup(
    ctx: DeskContext, account_id: str, kind: LookupKind, reason: LookupReason, ticket_id: int | None
) -> None:
    details = {"reason": reason.value, "by": kind.value, "ticket_id": ticket_id}
    with writing(ctx) as session:
        audit_trail.record(session, ctx.agent, AuditAction.ACCOUNT_LOOKUP, "account", account_id, details)
