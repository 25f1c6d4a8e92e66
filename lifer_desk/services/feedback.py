"""Feedback review: pages and counts for Feedback mode, the detail of an item, triage, and revealing masked text.

Texts leave this module with their personal data masked (domain.feedback_masking); only `reveal_text` hands
out the text as written, after an audited reason. Every triage change is one transaction with its audit event
and a line in the item's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row
from sqlmodel import Session

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.feedback import (
    SOURCES,
    TARGETS,
    FeedbackChannel,
    FeedbackFilter,
    Mailbox,
    TriageAction,
    check_tag,
    mask_account,
    valid_actions,
)
from lifer_desk.domain.feedback_masking import has_personal_data, mask_free_text
from lifer_desk.domain.text_safety import one_line
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.i18n import _
from lifer_desk.services.audit_trail import record
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound, Refused
from lifer_desk.services.queues import check_search
from lifer_desk.services.tickets import TicketDraft, open_ticket_in
from lifer_desk.services.writing import writing
from lifer_desk.store import feedback as store

COUNT_CAP = 9_999
OTHERS_SHOWN = 5
SUBJECT_CHARS = 60
MAX_REASON = 200

ACTION_AUDIT = {
    TriageAction.REVIEW: AuditAction.FEEDBACK_REVIEW,
    TriageAction.SPAM: AuditAction.FEEDBACK_SPAM,
    TriageAction.NOT_SPAM: AuditAction.FEEDBACK_NOT_SPAM,
    TriageAction.TAG: AuditAction.FEEDBACK_TAG,
    TriageAction.UNTAG: AuditAction.FEEDBACK_UNTAG,
    TriageAction.CONVERT: AuditAction.FEEDBACK_CONVERT,
    TriageAction.UNCONVERT: AuditAction.FEEDBACK_UNCONVERT,
}


@dataclass(frozen=True)
class FeedbackRow:
    """One line of the feedback table; `text` is the start of the item's text, personal data masked."""

    id: int
    mailbox: Mailbox
    channel: str
    submitted_at: datetime
    account_masked: str
    text: str
    app_version: str | None
    platform: str | None
    ticket_id: int | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    detail: str


@dataclass(frozen=True)
class FeedbackDetail:
    id: int
    external_id: str
    mailbox: Mailbox
    channel: str
    submitted_at: datetime
    received_at: datetime
    account_masked: str
    has_account: bool
    # Personal data masked; `has_personal_data` says whether there is anything to reveal.
    text: str
    has_personal_data: bool
    app_version: str | None
    platform: str | None
    ticket_id: int | None
    reviewed_by: str | None
    tags: tuple[str, ...]
    history: tuple[HistoryEntry, ...]
    same_account: tuple[FeedbackRow, ...]
    actions: tuple[TriageAction, ...]


def feedback_filter(
    *,
    mailbox: Mailbox | None = Mailbox.INBOX,
    tag: str = "",
    channel: str = "",
    app_version: str = "",
    platform: str = "",
    since: str = "",
    until: str = "",
    search: str = "",
    tags: Sequence[str] = (),
) -> FeedbackFilter:
    """The filter for what an agent typed (blank: any); an unknown value is refused, naming it."""
    try:
        chosen_tag = check_tag(tag, tags) if tag.strip() else None
    except ValueError as exc:
        raise Refused(str(exc)) from None
    chosen_channel: FeedbackChannel | None = None
    if channel.strip():
        try:
            chosen_channel = FeedbackChannel(channel.strip().lower())
        except ValueError:
            raise Refused(_("There is no channel {value!r}; choose app or web.").format(value=channel)) from None
    first, last = _day(since, _("from")), _day(until, _("to"))
    if first is not None and last is not None and first > last:
        raise Refused(_("The date range ends before it starts."))
    return FeedbackFilter(
        mailbox=mailbox,
        tag=chosen_tag,
        channel=chosen_channel,
        app_version=app_version.strip() or None,
        platform=platform.strip().lower() or None,
        since=first,
        until=last,
        search=check_search(search),
    )


def _day(value: str, name: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Refused(
            _("The {name} date must be written as 2025-03-01; got {value!r}.").format(name=name, value=value)
        ) from None


def _row(row: Row[Any], tags: Sequence[str]) -> FeedbackRow:
    return FeedbackRow(
        id=row.id,
        mailbox=Mailbox(row.mailbox),
        channel=row.channel,
        submitted_at=row.submitted_at,
        account_masked=mask_account(row.account_id),
        text=mask_free_text(row.preview),
        app_version=row.app_version,
        platform=row.platform,
        ticket_id=row.ticket_id,
        tags=tuple(tags),
    )


def _rows(session: Session, rows: Sequence[Row[Any]]) -> list[FeedbackRow]:
    tags = store.tags_of(session, (row.id for row in rows))
    return [_row(row, tags[row.id]) for row in rows]


def page(
    ctx: DeskContext,
    chosen: FeedbackFilter,
    *,
    limit: int,
    after: int | None = None,
    before: int | None = None,
    last: bool = False,
) -> list[FeedbackRow]:
    """Newest first, by keyset on the id (a row's id is its key)."""
    check_search(chosen.search)
    with ctx.db.read() as session:
        return _rows(session, store.page(session, chosen, limit=limit, after=after, before=before, last=last))


def counts(ctx: DeskContext, cap: int = COUNT_CAP) -> dict[Mailbox | None, int]:
    """Each mailbox's size and All's (under None), capped: above `cap` comes back as `cap + 1`."""
    boxes: list[Mailbox | None] = [*Mailbox, None]
    with ctx.db.read() as session:
        return {box: store.capped_count(session, FeedbackFilter(mailbox=box), cap) for box in boxes}


def get_detail(ctx: DeskContext, item_id: int) -> FeedbackDetail:
    with ctx.db.read() as session:
        return _detail(session, item_id)


def _detail(session: Session, item_id: int) -> FeedbackDetail:
    item = store.get_item(session, item_id)
    if item is None or item.id is None:
        raise NotFound(_("There is no feedback item {id}.").format(id=item_id))
    history = [HistoryEntry(item.received_at, "sync", "received", "")]
    history += [HistoryEntry(e.at, e.actor, e.action, e.detail) for e in reversed(store.history(session, item.id))]
    others = store.same_account(session, item.account_id, item.id, OTHERS_SHOWN) if item.account_id else []
    mailbox = Mailbox(item.mailbox)
    return FeedbackDetail(
        id=item.id,
        external_id=item.external_id,
        mailbox=mailbox,
        channel=item.channel,
        submitted_at=item.submitted_at,
        received_at=item.received_at,
        account_masked=mask_account(item.account_id),
        has_account=item.account_id is not None,
        text=mask_free_text(item.body),
        has_personal_data=has_personal_data(item.body),
        app_version=item.app_version,
        platform=item.platform,
        ticket_id=item.ticket_id,
        reviewed_by=item.reviewed_by,
        tags=tuple(store.tags_of(session, [item.id])[item.id]),
        history=tuple(history),
        same_account=tuple(_rows(session, others)),
        actions=valid_actions([mailbox], bulk=False),
    )


def apply_in(
    session: Session, ctx: DeskContext, action: TriageAction, item_ids: Sequence[int], tag: str | None = None
) -> list[int]:
    """One triage action on the items of `item_ids` it applies to, in the caller's write transaction: moved or
    (un)tagged, a history line each, one audit event. The ids that changed."""
    now = ctx.clock()
    eligible = store.in_mailboxes(session, item_ids, SOURCES[action])
    if action in (TriageAction.TAG, TriageAction.UNTAG):
        assert tag is not None  # the callers check the tag first
        changed = (store.add_tag if action is TriageAction.TAG else store.remove_tag)(session, eligible, tag)
        detail = tag
    else:
        target = TARGETS[action]
        assert target is not None  # every other bulk action moves the item
        store.move(session, eligible, target, ctx.agent, now)
        changed, detail = eligible, ""
    store.add_events(session, changed, action.value, ctx.agent, now, detail)
    if changed:
        details: dict[str, Any] = {"tag": tag} if tag is not None else {}
        if len(changed) == 1:
            record(session, ctx.agent, ACTION_AUDIT[action], "feedback", changed[0], details)
        else:
            record(session, ctx.agent, ACTION_AUDIT[action], "feedback_batch", f"{len(changed)} items",
                   {**details, "ids": changed})  # fmt: skip
    return changed


def checked_tag(ctx: DeskContext, action: TriageAction, tag: str | None) -> str | None:
    """The tag a tag action needs, checked against the configured list; None for the other actions."""
    if action not in (TriageAction.TAG, TriageAction.UNTAG):
        return None
    try:
        return check_tag(tag or "", ctx.settings.feedback_tags)
    except ValueError as exc:
        raise Refused(str(exc)) from None


def triage(ctx: DeskContext, item_id: int, action: TriageAction, tag: str | None = None) -> FeedbackDetail:
    """Apply `action` to one item, refused with the reason when it does not apply to it."""
    if action in (TriageAction.CONVERT, TriageAction.UNCONVERT):
        return convert(ctx, item_id) if action is TriageAction.CONVERT else unconvert(ctx, item_id)
    chosen = checked_tag(ctx, action, tag)
    with writing(ctx) as session:
        item = store.get_item(session, item_id, for_update=True)
        if item is None:
            raise NotFound(_("There is no feedback item {id}.").format(id=item_id))
        if Mailbox(item.mailbox) not in SOURCES[action]:
            raise Refused(
                _("{action} does not apply to an item in {mailbox}.").format(
                    action=action.label, mailbox=Mailbox(item.mailbox).label
                )
            )
        apply_in(session, ctx, action, [item_id], chosen)
        return _detail(session, item_id)


def convert(ctx: DeskContext, item_id: int) -> FeedbackDetail:
    """A ticket from the item (category feedback), linked both ways, in one transaction with the move."""
    with writing(ctx) as session:
        item = store.get_item(session, item_id, for_update=True)
        if item is None or item.id is None:
            raise NotFound(_("There is no feedback item {id}.").format(id=item_id))
        if Mailbox(item.mailbox) not in SOURCES[TriageAction.CONVERT]:
            raise Refused(_("Only feedback in the inbox or reviewed can become a ticket."))
        subject = _("Feedback: {text}").format(text=one_line(mask_free_text(item.body))[:SUBJECT_CHARS])
        draft = TicketDraft(
            channel=Channel(item.channel),
            subject=subject,
            body=item.body,
            requester=item.account_id or _("feedback {id}").format(id=item.external_id),
            requester_name="",
            category=Category.FEEDBACK,
            priority=Priority.NORMAL,
            account_id=item.account_id,
        )
        ticket_id = open_ticket_in(session, ctx, draft, feedback_item=item.id)
        store.move(session, [item.id], Mailbox.CONVERTED, ctx.agent, ctx.clock())
        store.link_ticket(session, item.id, ticket_id)
        store.add_events(session, [item.id], TriageAction.CONVERT.value, ctx.agent, ctx.clock(), f"#{ticket_id}")
        record(session, ctx.agent, AuditAction.FEEDBACK_CONVERT, "feedback", item.id, {"ticket_id": ticket_id})
        return _detail(session, item.id)


def unconvert(ctx: DeskContext, item_id: int) -> FeedbackDetail:
    """Undo a conversion while nobody has touched the ticket: the ticket goes, the item returns to reviewed."""
    with writing(ctx) as session:
        item = store.get_item(session, item_id, for_update=True)
        if item is None or item.id is None:
            raise NotFound(_("There is no feedback item {id}.").format(id=item_id))
        ticket_id = item.ticket_id
        if Mailbox(item.mailbox) is not Mailbox.CONVERTED or ticket_id is None:
            raise Refused(_("This feedback was not converted to a ticket."))
        if not store.ticket_untouched(session, ticket_id):
            raise Refused(
                _("Ticket #{id} has been worked on since; it stays, and so does the link.").format(id=ticket_id)
            )
        store.link_ticket(session, item.id, None)
        store.delete_ticket(session, ticket_id)
        store.move(session, [item.id], Mailbox.REVIEWED, ctx.agent, ctx.clock())
        store.add_events(session, [item.id], TriageAction.UNCONVERT.value, ctx.agent, ctx.clock(), f"#{ticket_id}")
        record(session, ctx.agent, AuditAction.FEEDBACK_UNCONVERT, "feedback", item.id, {"ticket_id": ticket_id})
        return _detail(session, item.id)


def reveal_text(ctx: DeskContext, item_id: int, reason: str) -> str:
    """The item's text as written, personal data included: only with a reason, which the audit chain keeps."""
    reason = one_line(reason).strip()
    if not reason:
        raise Refused(_("Say why you need to see the personal data; the reason is audited."))
    if len(reason) > MAX_REASON:
        raise Refused(_("A reason can be at most {n} characters.").format(n=MAX_REASON))
    with writing(ctx) as session:
        item = store.get_item(session, item_id)
        if item is None:
            raise NotFound(_("There is no feedback item {id}.").format(id=item_id))
        record(session, ctx.agent, AuditAction.FEEDBACK_REVEAL, "feedback", item_id,
               {"field": "text", "reason": reason})  # fmt: skip
        return item.body


def changed_since(ctx: DeskContext) -> tuple[int | None, ...]:
    """A marker that moves with every import and triage change; Feedback mode polls it and reloads on a move."""
    with ctx.db.read() as session:
        return store.last_change(session)
