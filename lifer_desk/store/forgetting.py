"""The desk's own copies of one person's data, found and overwritten (issue 9 item 6). Runs inside the
caller's transaction; `services.person_purge` decides what goes and audits it.

Rows stay, so that ids, states, outcomes, deadlines and the audit trail still add up; only what the person
wrote or was called goes, replaced by `REDACTED` (or emptied where a column holds no message).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql.dml import Delete, Update
from sqlmodel import Session, col, select

from lifer_desk.domain.forgetting import REDACTED
from lifer_desk.domain.outbox import Operation
from lifer_desk.domain.request_payload import canonical_json
from lifer_desk.domain.requests import RequestKind
from lifer_desk.domain.tickets import EventKind
from lifer_desk.store.feedback import rewrite_documents
from lifer_desk.store.models import DataRequest, Draft, FeedbackItem, Outbox, Ticket, TicketEvent, Verification
from lifer_desk.store.search import reindex_tickets
from lifer_desk.store.tickets import expire_tickets


def _count(session: Session, statement: Update | Delete) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return result.rowcount


def tally(session: Session, key: Any, *where: Any) -> Counter[Any]:
    """How many rows match `where`, by `key`: what a purge of several people at once counts for each before
    one statement changes them all."""
    rows = session.execute(select(key, func.count()).where(*where).group_by(key))
    return Counter({value: int(count) for value, count in rows})


def changed(session: Session, key: Any, where: Sequence[Any], statement: Update | Delete) -> Counter[Any]:
    """Run `statement` (already restricted to `where`) once, and return how many rows it changed by `key`."""
    counts = tally(session, key, *where)
    if counts:
        _count(session, statement)
    return counts


def tickets_of(session: Session, account_ids: Sequence[str]) -> dict[str, list[Ticket]]:
    """Each account's tickets, and the unlinked ones written from the same contacts (the person, before the
    desk knew their account), in two queries however many accounts; an unlinked ticket two of them share
    goes to the first, as purging them one after the other would have it."""
    found: dict[str, list[Ticket]] = {account: [] for account in account_ids}
    linked = session.exec(select(Ticket).where(col(Ticket.account_id).in_(list(found))).order_by(col(Ticket.id)))
    for ticket in linked:
        assert ticket.account_id is not None
        found[ticket.account_id].append(ticket)
    owner: dict[str, str] = {}
    for account in reversed(list(found)):
        owner.update({ticket.requester.strip().lower(): account for ticket in found[account]})
    owner.pop("", None)
    owner.pop(REDACTED, None)
    if not owner:
        return found
    unlinked = session.exec(
        select(Ticket)
        .where(col(Ticket.account_id).is_(None), func.lower(func.trim(Ticket.requester)).in_(sorted(owner)))
        .order_by(col(Ticket.id))
    )
    for ticket in unlinked:
        found[owner[ticket.requester.strip().lower()]].append(ticket)
    return {account: sorted(tickets, key=lambda ticket: ticket.id or 0) for account, tickets in found.items()}


def redact_tickets(session: Session, ticket_ids: Sequence[int], at: datetime) -> None:
    """Subject, first message, requester contact and name; a new version, so open desks reload them."""
    session.execute(
        update(Ticket)
        .where(col(Ticket.id).in_(ticket_ids))
        .values(
            subject=REDACTED,
            body=REDACTED,
            requester=REDACTED,
            requester_name="",
            version=Ticket.version + 1,
            updated_at=at,
        )
        .execution_options(synchronize_session=False)
    )
    expire_tickets(session)


def redact_thread(session: Session, ticket_ids: Sequence[int]) -> Counter[int]:
    """Every message body on those tickets, the author of inbound ones (the person's name or address) and what
    a mail kept beside its body; agents' names on replies and notes stay. Returns how many bodies it redacted,
    by ticket."""
    where = (col(TicketEvent.ticket_id).in_(ticket_ids), col(TicketEvent.body).not_in(["", REDACTED]))
    bodies = changed(
        session, col(TicketEvent.ticket_id), where, update(TicketEvent).where(*where).values(body=REDACTED)
    )
    _count(
        session,
        update(TicketEvent)
        .where(col(TicketEvent.ticket_id).in_(ticket_ids), col(TicketEvent.kind) == EventKind.INBOUND)
        .values(author=REDACTED),
    )
    # A mail's quoted history, attachment names and a bounce's details are kept in the event's meta.
    _count(
        session,
        update(TicketEvent)
        .where(
            col(TicketEvent.ticket_id).in_(ticket_ids),
            col(TicketEvent.kind).in_([EventKind.INBOUND, EventKind.DELIVERY]),
        )
        .values(meta="{}"),
    )
    return bodies


def drop_drafts(session: Session, ticket_ids: Sequence[int]) -> Counter[int]:
    """Unsent replies and notes to the person: nothing would send them now. How many, by ticket."""
    where = (col(Draft.ticket_id).in_(ticket_ids),)
    return changed(session, col(Draft.ticket_id), where, delete(Draft).where(*where))


def reindex(session: Session, ticket_ids: Sequence[int]) -> None:
    reindex_tickets(session, ticket_ids)


def clear_claims(session: Session, account_ids: Sequence[str]) -> Counter[str]:
    """What callers stated about the accounts (ids, fields named, results and outcomes stay); how many rows, by
    account."""
    where = (col(Verification.account_id).in_(account_ids), col(Verification.claims_hashed) != "{}")
    return changed(
        session, col(Verification.account_id), where, update(Verification).where(*where).values(claims_hashed="{}")
    )


def redact_feedback(session: Session, account_ids: Sequence[str]) -> Counter[str]:
    """The accounts' feedback texts and their search documents; how many items changed, by account."""
    where = (col(FeedbackItem.account_id).in_(account_ids), col(FeedbackItem.body) != REDACTED)
    counts = tally(session, col(FeedbackItem.account_id), *where)
    for account_id in counts:
        rewrite_documents(session, account_id, REDACTED)
    if counts:
        _count(session, update(FeedbackItem).where(*where).values(body=REDACTED))
    return counts


def redact_corrections(session: Session, account_ids: Sequence[str]) -> Counter[str]:
    """The new values of the accounts' corrections (an old email or username, typed by an agent), how many by
    account. The payload no longer has the hash recorded for it, so such a request can never run: the account
    is gone."""
    rows = session.exec(
        select(DataRequest).where(col(DataRequest.account_id).in_(account_ids), DataRequest.kind == RequestKind.CORRECT)
    )
    changed: Counter[str] = Counter()
    for row in rows:
        body = json.loads(row.payload)
        values = body.get("changes") or {}
        if not isinstance(values, dict) or all(value == REDACTED for value in values.values()):
            continue
        body["changes"] = {name: REDACTED for name in values}
        row.payload = canonical_json(body)
        session.add(row)
        changed[row.account_id] += 1
    session.flush()
    return changed


def redact_outbox(session: Session, account_ids: Sequence[str]) -> Counter[str]:
    """The accounts' outbox rows: a correction's PATCH body holds the new values, and a problem detail the
    admin API sent may quote one. Ids, kinds, states, keys and receipts stay. Returns how many rows changed,
    by account."""
    rows = session.exec(
        select(Outbox, DataRequest.account_id)
        .join(DataRequest, col(DataRequest.id) == col(Outbox.request_id))
        .where(col(DataRequest.account_id).in_(account_ids))
    )
    changed: Counter[str] = Counter()
    for row, account_id in rows:
        body = json.loads(row.payload)
        values = body.get("changes") if row.kind == Operation.CORRECTION else None
        redacts_body = isinstance(values, dict) and any(value != REDACTED for value in values.values())
        if not redacts_body and row.last_error in (None, REDACTED):
            continue
        if redacts_body:
            assert isinstance(values, dict)
            body["changes"] = {name: REDACTED for name in values}
            row.payload = json.dumps(body, sort_keys=True)
        if row.last_error is not None:
            row.last_error = REDACTED
        session.add(row)
        changed[account_id] += 1
    session.flush()
    return changed
