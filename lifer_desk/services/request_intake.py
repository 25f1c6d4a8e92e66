"""Raising a request from a ticket with what the admin API says now: the account's ETag (which the approval
binds), whether it is an under-14 account without guardian consent, which images it has, and whether a new
username is already another account's (an exact lookup by it answers that honestly, changing nothing).

The flags are read here, at raising time, never taken from what a screen showed earlier.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Protocol

from lifer_desk.admin_api import Image, NotFound, UserSummary
from lifer_desk.domain.identity import ClaimError, Field, normalise_username
from lifer_desk.domain.requests import DeletionScope
from lifer_desk.i18n import N_, _
from lifer_desk.services import requests, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.request_views import RequestView
from lifer_desk.services.verification import ClaimsRefused

USERNAME_TAKEN = N_("already taken by another account")


class RequestApi(Protocol):
    """The admin-API reads a request needs (an `AdminClient` is one)."""

    async def lookup_user(
        self, *, email: str | None = None, username: str | None = None, id: str | None = None
    ) -> UserSummary: ...

    async def list_images(self, user_id: str) -> list[Image]: ...


async def _account(ctx: DeskContext, api: RequestApi, ticket_id: int) -> UserSummary:
    ticket = await asyncio.to_thread(tickets.get_ticket, ctx, ticket_id)
    if not ticket.account_id:
        raise Refused(_("link the caller's account to ticket #{id} first").format(id=ticket_id))
    return await api.lookup_user(id=ticket.account_id)


async def username_taken(api: RequestApi, account_id: str, raw: str) -> bool:
    """Whether another account already has the username `raw` (as typed; one that is not a valid username is
    left for the correction's own checks to refuse)."""
    try:
        holder = await api.lookup_user(username=normalise_username(raw))
    except (ClaimError, NotFound):
        return False
    return holder.id != account_id


async def raise_deletion(
    ctx: DeskContext, api: RequestApi, ticket_id: int, scope: DeletionScope, image_ids: tuple[str, ...] = ()
) -> RequestView:
    summary = await _account(ctx, api, ticket_id)
    if scope is DeletionScope.IMAGES:
        known = {image.id for image in await api.list_images(summary.id)}
        unknown = sorted(set(image_ids) - known)
        if unknown:
            raise Refused(_("account {account} has no image {ids}").format(account=summary.id, ids=", ".join(unknown)))
    minor = summary.under_14 and summary.guardian_consent is not True
    return await asyncio.to_thread(
        requests.raise_deletion,
        ctx,
        ticket_id,
        scope,
        etag=summary.etag,
        image_ids=image_ids,
        minor_without_consent=minor,
    )


async def raise_correction(
    ctx: DeskContext, api: RequestApi, ticket_id: int, new_values: Mapping[Field, str]
) -> RequestView:
    summary = await _account(ctx, api, ticket_id)
    username = new_values.get(Field.USERNAME, "")
    if username.strip() and await username_taken(api, summary.id, username):
        # Said before approval: a PATCH to a taken username would only fail with 409 once approved.
        raise ClaimsRefused(_("Check the highlighted fields."), {Field.USERNAME: _(USERNAME_TAKEN)})
    return await asyncio.to_thread(requests.raise_correction, ctx, ticket_id, new_values, etag=summary.etag)
