"""Finding an admin-API account: the one lookup behind the verify dialog, the link dialog and the ticket header.

Every path normalises the value as verification does (an email is case-folded and NFKC-folded, spaces are
trimmed) and refuses a masked fragment before any call: `j***@qq.com` is what the desk shows, never proof and
never a key, so an agent who types it back gets told to ask for the full value instead of "no such account".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from lifer_desk.admin_api import UserSummary
from lifer_desk.domain.identity import ClaimError, normalise_email, normalise_username
from lifer_desk.i18n import _
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused


class LookupKind(StrEnum):
    """What an account can be looked up by: the admin API's exact lookups."""

    EMAIL = "email"
    USERNAME = "username"
    ID = "id"


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


async def find_account(ctx: DeskContext, kind: LookupKind, value: str) -> FoundAccount:
    """The account with exactly this email, username or id; only its masked summary comes back."""
    key = {kind.value: lookup_value(kind, value)}
    api = await ctx.admin.get()
    return FoundAccount(await api.lookup_user(**key), api.in_process)
