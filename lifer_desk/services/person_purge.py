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

from collections import Counter
from collections.abc import Sequence
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
from lifer_desk.services.suppression import suppress, suppression_key
from lifer_desk.store import forgetting as store
from lifer_desk.store import mail as mail_store
from lifer_desk.store import requests as request_store
from lifer_desk.store.db import scrub_after_commit
from lifer_desk.store.models import DataRequest
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


def _check_erasure(row: DataRequest | None, account_id: str, request_id: int) -> None:
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
    (summary,) = forget_people(session, ctx, [(account_id, request_id)])
    return summary


def forget_people(session: Session, ctx: DeskContext, erasures: Sequence[tuple[str, int]]) -> list[PurgeSummary]:
    """`forget_person` for each (account id, request id) of `erasures`, as one after the other would, in a
    statement per table for all of them (the outbox deliverer completes a round's erasures at once: person by
    person, their purges held the write lock for most of the round, issue 9's bench). Each person keeps their
    own counts, ids and audit event. Raises NotFound or Refused, changing nothing, unless every request is its
    account's completed erasure."""
    if not erasures:
        return []
    rows = request_store.get_many(session, (request_id for _account, request_id in erasures))
    for account_id, request_id in erasures:
        _check_erasure(rows.get(request_id), account_id, request_id)
    now = ctx.clock()
    accounts = list(dict.fromkeys(account_id for account_id, _request in erasures))
    tickets = store.tickets_of(session, accounts)
    # Read before they are overwritten: the suppressions are made of them, the audit keeps them masked.
    contacts = {
        account: sorted(
            {normalise(SuppressedKind.CONTACT, ticket.requester) for ticket in theirs if ticket.requester != REDACTED}
            - {""}
        )
        for account, theirs in tickets.items()
    }
    ticket_ids = [ticket.id for theirs in tickets.values() for ticket in theirs if ticket.id is not None]
    messages: Counter[int] = Counter()
    drafts: Counter[int] = Counter()
    mail: Counter[int] = Counter()
    if ticket_ids:
        store.redact_tickets(session, ticket_ids, now)
        messages = store.redact_thread(session, ticket_ids)
        drafts = store.drop_drafts(session, ticket_ids)
        mail = mail_store.forget_mail_by_ticket(session, ticket_ids)
        store.reindex(session, ticket_ids)
        compact(session)
    feedback = store.redact_feedback(session, accounts)
    if feedback:
        # Rewriting a million-item index costs seconds: only when their words were in it.
        compact(session, "feedback_fts")
    verifications = store.clear_claims(session, accounts)
    corrections = store.redact_corrections(session, accounts)
    outbox = store.redact_outbox(session, accounts)
    key = suppression_key(session)
    summaries: list[PurgeSummary] = []
    stated: dict[int, list[str]] = {}
    for account_id, request_id in erasures:
        # A second erasure of an account in the batch finds it forgotten already, as it would one after the
        # other: its linked tickets, nothing left to count, no contact left to suppress.
        first = account_id not in {summary.account_id for summary in summaries}
        theirs = tuple(
            ticket.id
            for ticket in tickets[account_id]
            if ticket.id is not None and (first or ticket.account_id == account_id)
        )
        counted = theirs if first else ()
        stated[request_id] = contacts[account_id] if first else []
        summaries.append(
            PurgeSummary(
                account_id=account_id,
                request_id=request_id,
                ticket_ids=theirs,
                messages=sum(messages[ticket_id] for ticket_id in counted),
                drafts=sum(drafts[ticket_id] for ticket_id in counted),
                verifications=verifications[account_id] if first else 0,
                feedback=feedback[account_id] if first else 0,
                corrections=corrections[account_id] if first else 0,
                outbox=outbox[account_id] if first else 0,
                suppressions=suppress(
                    session,
                    account_id=account_id,
                    contacts=stated[request_id],
                    request_id=request_id,
                    at=now,
                    key=key,
                ),
                mail=sum(mail[ticket_id] for ticket_id in counted),
            )
        )
    audit_trail.record_many(
        session,
        ctx.agent,
        [
            (
                AuditAction.PERSON_FORGET,
                request_store.ENTITY,
                summary.request_id,
                {
                    "account_id": summary.account_id,
                    "tickets": list(summary.ticket_ids),
                    "contacts": [mask_contact(contact) for contact in stated[summary.request_id]],
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
            for summary in summaries
        ],
    )
    scrub_after_commit(session)
    return summaries
