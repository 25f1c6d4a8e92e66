"""What a deletion or correction would do, shown before it is raised (issue 9 item 1), and raising it from the desk.

A deletion preview counts what would go from what the admin API says now (the profile's counts and the image
list). A correction preview checks each new value as it is typed (email syntax, a real past date, the gender
values), pairs it with the masked old value, and asks whether a new username is already taken. Raising goes
through `request_intake`, which reads the account again: a preview is what the agent saw, never what is bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from lifer_desk.admin_api import AdminApi, Image, UserSummary
from lifer_desk.domain.identity import ClaimsInvalid, Field
from lifer_desk.domain.masking import MASK
from lifer_desk.domain.request_payload import parse_changes
from lifer_desk.domain.requests import DeletionScope, RequestKind, needs_approval
from lifer_desk.i18n import _
from lifer_desk.services import request_intake, tickets, verification
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.request_views import RequestView


@dataclass(frozen=True)
class Going:
    """One kind of thing a deletion removes, and how many of it."""

    label: str
    count: int


@dataclass(frozen=True)
class AccountState:
    """The ticket's account as the admin API sums it up, and the caller's standing verification of it."""

    summary: UserSummary
    # Who verified the caller as this account on this ticket, and when; None without a current verification,
    # and then a request waits in awaiting_verification.
    verified_by: str | None
    verified_at: datetime | None

    @property
    def verified(self) -> bool:
        return self.verified_by is not None

    @property
    def minor_without_consent(self) -> bool:
        return self.summary.under_14 and self.summary.guardian_consent is not True


@dataclass(frozen=True)
class DeletionPreview:
    account: AccountState
    images: tuple[Image, ...]
    diary_entries: int
    payment_links: int

    def going(self, scope: DeletionScope, image_ids: tuple[str, ...] = ()) -> tuple[Going, ...]:
        """What a deletion of `scope` removes, counted; an account erasure takes everything below it too."""
        images = Going(_("images"), len(self.images))
        diary = Going(_("diary entries"), self.diary_entries)
        links = Going(_("payment links"), self.payment_links)
        if scope is DeletionScope.ACCOUNT:
            return (Going(_("account"), 1), images, diary, links)
        if scope is DeletionScope.IMAGES:
            return (Going(_("images"), len(set(image_ids) & {image.id for image in self.images})),)
        return (diary,) if scope is DeletionScope.DIARY else (links,)

    @property
    def urgent(self) -> bool:
        """An under-14 account without guardian consent: its deletion is raised at urgent priority."""
        return self.account.minor_without_consent


@dataclass(frozen=True)
class ChangeLine:
    field: Field
    old_masked: str
    new_value: str


@dataclass(frozen=True)
class CorrectionPreview:
    account: AccountState
    changes: tuple[ChangeLine, ...]
    # One message per refused field, said where it was typed; nothing is raised while any is left.
    errors: Mapping[Field, str]
    needs_approval: bool

    @property
    def ready(self) -> bool:
        return bool(self.changes) and not self.errors


async def _account(ctx: DeskContext, api: AdminApi, ticket_id: int) -> AccountState:
    ticket = await asyncio.to_thread(tickets.get_ticket, ctx, ticket_id)
    if not ticket.account_id:
        raise Refused(_("link the caller's account to ticket #{id} first").format(id=ticket_id))
    summary = await api.lookup_user(id=ticket.account_id)
    current = await asyncio.to_thread(verification.current_verification, ctx, ticket_id)
    if current is None or current.account_id != summary.id:
        return AccountState(summary, None, None)
    return AccountState(summary, current.agent, current.verified_at)


async def preview_deletion(ctx: DeskContext, ticket_id: int) -> DeletionPreview:
    api = await ctx.admin.get()
    account = await _account(ctx, api, ticket_id)
    profile = await api.get_user(account.summary.id)
    images = sorted(await api.list_images(account.summary.id), key=lambda image: (image.uploaded_at, image.id))
    return DeletionPreview(account, tuple(images), profile.diary_entry_count, profile.payment_link_count)


def _old_masked(summary: UserSummary, name: Field) -> str:
    # The admin API never returns a stored birthday or gender, not even masked: the mask alone stands for them.
    return {Field.EMAIL: summary.email_masked, Field.USERNAME: summary.username_masked}.get(name, MASK)


async def preview_correction(ctx: DeskContext, ticket_id: int, new_values: Mapping[Field, str]) -> CorrectionPreview:
    api = await ctx.admin.get()
    account = await _account(ctx, api, ticket_id)
    today = ctx.clock().astimezone(ctx.settings.timezone).date()
    errors: dict[Field, str] = {}
    changes: dict[Field, str] = {}
    # Field by field, so that one refused value leaves the others' previews (and the username check) standing.
    for name, raw in new_values.items():
        if not raw.strip():
            continue
        try:
            changes.update(parse_changes({name: raw}, today=today))
        except ClaimsInvalid as exc:
            errors.update(exc.errors)
    username = changes.get(Field.USERNAME)
    if username is not None and await request_intake.username_taken(api, account.summary.id, username):
        errors[Field.USERNAME] = _(request_intake.USERNAME_TAKEN)
    lines = tuple(ChangeLine(name, _old_masked(account.summary, name), value) for name, value in changes.items())
    approval = needs_approval(RequestKind.CORRECT, frozenset(changes))
    return CorrectionPreview(account, lines, errors, approval)


async def raise_deletion(
    ctx: DeskContext, ticket_id: int, scope: DeletionScope, image_ids: tuple[str, ...] = ()
) -> RequestView:
    return await request_intake.raise_deletion(ctx, await ctx.admin.get(), ticket_id, scope, image_ids)


async def raise_correction(ctx: DeskContext, ticket_id: int, new_values: Mapping[Field, str]) -> RequestView:
    return await request_intake.raise_correction(ctx, await ctx.admin.get(), ticket_id, new_values)
