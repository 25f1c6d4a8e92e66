"""The desk's own copies of one person's data, found and overwritten (issue 9 item 6). Runs inside the
caller's transaction; `services.person_purge` decides what goes and audits it.

Rows stay, so that ids, states, outcomes, deadlines and the audit trail still add up; only what the person
wrote or was called goes, replaced by `REDACTED` (or emptied where a column holds no message).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

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


def tickets_of(session: Session, account_id: str) -> list[Ticket]:
    """The account's tickets, and the unlinked ones written from the same contacts (the person, before the
    desk knew their account)."""
    linked = list(session.exec(select(Ticket).where(Ticket.account_id == account_id).order_by(col(Ticket.id))))
    contacts = {ticket.requester.strip().lower() for ticket in linked} - {"", REDACTED}
    if not contacts:
        return linked
    unlinked = session.exec(
        select(Ticket)
        .where(col(Ticket.account_id).is_(None), func.lower(func.trim(Ticket.requester)).in_(sorted(contacts)))
        .order_by(col(Ticket.id))
    )
    return sorted([*linked, *unlinked], key=lambda ticket: ticket.id or 0)


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


def redact_thread(session: Session, ticket_ids: Sequence[int]) -> int:
    """Every message body on those tickets, the author of inbound ones (the person's name or address) and what
    a mail kept beside its body; agents' names on replies and notes stay. Returns how many bodies it redacted."""
    bodies = _count(
        session,
        update(TicketEvent)
        .where(col(TicketEvent.ticket_id).in_(ticket_ids), col(TicketEvent.body).not_in(["", REDACTED]))
        .values(body=REDACTED),
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


def drop_drafts(session: Session, ticket_ids: Sequence[int]) -> int:
    """Unsent replies and notes to the person: nothing would send them now."""
    return _count(session, delete(Draft).where(col(Draft.ticket_id).in_(ticket_ids)))


def reindex(session: Session, ticket_ids: Sequence[int]) -> None:
    reindex_tickets(session, ticket_ids)


def clear_claims(session: Session, account_id: str) -> int:
    """What callers stated about the account (ids, fields named, results and outcomes stay)."""
    return _count(
        session,
        update(Verification)
        .where(col(Verification.account_id) == account_id, col(Verification.claims_hashed) != "{}")
        .values(claims_hashed="{}"),
    )


def redact_feedback(session: Session, account_id: str) -> int:
    """The account's feedback texts and their search documents; how many items changed."""
    rewrite_documents(session, account_id, REDACTED)
    return _count(
        session,
        update(FeedbackItem)
        .where(col(FeedbackItem.account_id) == account_id, col(FeedbackItem.body) != REDACTED)
        .values(body=REDACTED),
    )


def redact_corrections(session: Session, account_id: str) -> int:
    """The new values of the account's corrections (its old email or username, typed by an agent). The
    payload no longer has the hash recorded for it, so such a request can never run: the account is gone."""
    rows = session.exec(
        select(DataRequest).where(DataRequest.account_id == account_id, DataRequest.kind == RequestKind.CORRECT)
    )
    changed = 0
    for row in rows:
        body = json.loads(row.payload)
        values = body.get("changes") or {}
        if not isinstance(values, dict) or all(value == REDACTED for value in values.values()):
            continue
        body["changes"] = {name: REDACTED for name in values}
        row.payload = canonical_json(body)
        session.add(row)
        changed += 1
    session.flush()
    return changed


def redact_outbox(session: Session, account_id: str) -> int:
    """The account's outbox rows: a correction's PATCH body holds the new values, and a problem detail the
    admin API sent may quote one. Ids, kinds, states, keys and receipts stay. Returns how many rows changed."""
    requests = select(DataRequest.id).where(DataRequest.account_id == account_id)
    rows = session.exec(select(Outbox).where(col(Outbox.request_id).in_(requests.scalar_subquery())))
    changed = 0
    for row in rows:
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
        changed += 1
    session.flush()
    return changed
