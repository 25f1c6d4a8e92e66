"""The desk forgets the person (issue 9 item 6): once the admin API has erased an account, the desk removes
its own copies of that person's data in the same transaction that completes the erasure.

What goes: the requester contact and name on every ticket of the account (and on unlinked tickets written
from the same contacts), the subject and every message body (a redaction marker instead), the inbound
messages' authors, unsent drafts, what callers stated in verification rows, the account's feedback text,
the new values of its corrections (in the requests and in their outbox rows, with any problem detail the admin
API sent about them), and the full-text index entries. What stays: ids, states, outcomes and
times, so that deadlines, counts and the audit trail still add up. A suppression (keyed hashes of the account
id and each contact) keeps feedback sync from importing them again, and one audit event records the purge
with ids and masked values only.

On SQLite the words must not survive in the file either: every connection deletes securely
(`secure_delete`, see store.db), the index is compacted here, and once the caller commits, the WAL is
checkpointed and truncated (`store.db.scrub_after_commit`). PostgreSQL: docs/security.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.forgetting import REDACTED, SuppressedKind, normalise
from lifer_desk.domain.masking import mask_contact
from lifer_desk.domain.requests import DeletionScope, RequestKind, RequestState
from lifer_desk.i18n import _
from lifer_desk.services import audit_trail
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound, Refused
from lifer_desk.services.request_views import stored_payload
from lifer_desk.services.suppression import suppress
from lifer_desk.store import forgetting as store
from lifer_desk.store import mail as mail_store
from lifer_desk.store import requests as request_store
from lifer_desk.store.db import scrub_after_commit
from lifer_desk.store.search import compact


@dataclass(frozen=True)
class PurgeSummary:
    """What was forgotten, as counts and ids: what the audit event records."""

    account_id: str
    request_id: int
    ticket_ids: tuple[int, ...]
    messages: int
    drafts: int
    verifications: int
    feedback: int
    corrections: int
    outbox: int
    suppressions: int
    mail: int


def _check_erasure(session: Session, account_id: str, request_id: int) -> None:
    row = request_store.get(session, request_id)
    if row is None:
        raise NotFound(_("no request #{id}").format(id=request_id))
    payload = stored_payload(row)
    is_erasure = (
        payload is not None
        and payload.kind is RequestKind.DELETE
        and payload.scope is DeletionScope.ACCOUNT
        and row.account_id == payload.account_id == account_id
    )
    if not is_erasure:
        raise Refused(
            _("request #{id} is not an erasure of account {account}").format(id=request_id, account=account_id)
        )
    if row.state != RequestState.COMPLETED:
        raise Refused(
            _("request #{id} is {state}: the desk forgets the person only once the erasure completed").format(
                id=request_id, state=row.state
            )
        )


def forget_person(session: Session, ctx: DeskContext, *, account_id: str, request_id: int) -> PurgeSummary:
    """Inside the caller's write transaction, after it moved the account erasure `request_id` to completed:
    remove the desk's copies of that person's data, suppress them, and audit it (see the module docstring).
    Raises NotFound or Refused, changing nothing, unless `request_id` is that erasure and completed."""
    _check_erasure(session, account_id, request_id)
    now = ctx.clock()
    tickets = store.tickets_of(session, account_id)
    ticket_ids = [ticket.id for ticket in tickets if ticket.id is not None]
    # Read before they are overwritten: the suppression is made of them, the audit keeps them masked.
    contacts = sorted(
        {normalise(SuppressedKind.CONTACT, ticket.requester) for ticket in tickets if ticket.requester != REDACTED}
        - {""}
    )
    messages = drafts = mail = 0
    if ticket_ids:
        store.redact_tickets(session, ticket_ids, now)
        messages = store.redact_thread(session, ticket_ids)
        drafts = store.drop_drafts(session, ticket_ids)
        mail = mail_store.forget_ticket_mail(session, ticket_ids)
        store.reindex(session, ticket_ids)
        compact(session)
    feedback = store.redact_feedback(session, account_id)
    if feedback:
        # Rewriting a million-item index costs seconds: only when her words were in it.
        compact(session, "feedback_fts")
    summary = PurgeSummary(
        account_id=account_id,
        request_id=request_id,
        ticket_ids=tuple(ticket_ids),
        messages=messages,
        drafts=drafts,
        verifications=store.clear_claims(session, account_id),
        feedback=feedback,
        corrections=store.redact_corrections(session, account_id),
        outbox=store.redact_outbox(session, account_id),
        suppressions=suppress(session, account_id=account_id, contacts=contacts, request_id=request_id, at=now),
        mail=mail,
    )
    audit_trail.record(
        session,
        ctx.agent,
        AuditAction.PERSON_FORGET,
        request_store.ENTITY,
        request_id,
        {
            "account_id": account_id,
            "tickets": list(summary.ticket_ids),
            "contacts": [mask_contact(contact) for contact in contacts],
            "messages": summary.messages,
            "drafts": summary.drafts,
            "verifications": summary.verifications,
            "feedback": summary.feedback,
            "corrections": summary.corrections,
            "outbox": summary.outbox,
            "suppressions": summary.suppressions,
            "mail": summary.mail,
        },
    )
    scrub_after_commit(session)
    return summary
