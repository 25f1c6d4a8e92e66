"""The desk forgets the person (issue 9 item 6): `forget_person`, called as the outbox's completion of an
account erasure calls it (inside its transaction), on a seeded database. Afterwards nothing the person wrote
or was called is left in any table, in the search index, or (on SQLite) anywhere in the database files; the
suppression recognises them; the audit trail has ids and masked values only."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from lifer_desk.domain.forgetting import REDACTED
from lifer_desk.domain.identity import Field
from lifer_desk.domain.requests import DeletionScope
from lifer_desk.domain.tickets import Category, Channel, EventKind, Priority
from lifer_desk.services import drafts, person_purge, requests, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound, Refused
from lifer_desk.services.suppression import is_suppressed
from lifer_desk.store import feedback as feedback_store
from lifer_desk.store import search
from lifer_desk.store import tickets as ticket_store
from lifer_desk.store.db import Database
from lifer_desk.store.models import (
    AuditEvent,
    FeedbackItem,
    MailAttachment,
    MailMessage,
    OutboundMail,
    Verification,
)
from tests.request_support import record_verified, tamper
from tests.verification_support import dump_database

ACCOUNT = "u-purge-1"
EMAIL = "mei.lin.forgotten@example.com"
USERNAME = "meilin_forgotten_77"
NAME = "林美玲"
PHONE = "+86 139 5555 0101"
NEW_EMAIL = "mei.renamed@example.org"
# One word of what she wrote, as the index keeps it (a term of its own).
WORD = "xylophonequartz"
# Everything of hers that must go, as stored and as the index would tokenise a part of it.
NEEDLES = (EMAIL, USERNAME, NAME, PHONE, NEW_EMAIL, WORD)

OTHER_CONTACT = "someone.else@example.com"


def _ticket(ctx: DeskContext, requester: str, name: str, body: str, account_id: str | None) -> int:
    draft = tickets.TicketDraft(
        Channel.EMAIL, f"Delete everything, {name}", body, requester, name, Category.DELETION, Priority.NORMAL,
        account_id=account_id,
    )  # fmt: skip
    return tickets.open_ticket(ctx, draft).id


def _inbound(db: Database, ticket_id: int, author: str, body: str, at: datetime) -> None:
    with db.write() as session:
        ticket_store.add_event(session, ticket_id, EventKind.INBOUND, author, body, at)


def _mail(db: Database, ticket_id: int, at: datetime) -> None:
    """A mail from her on that ticket, as ingest keeps one: its sender, quoted history and attachment name
    beside the thread event, and a reply to her waiting in the mail outbox."""
    meta = {"mail": {"quoted": f"> {NAME} <{EMAIL}> wrote: {WORD}", "attachments": [{"name": f"{USERNAME}.jpg"}]}}
    with db.write() as session:
        event_id = ticket_store.add_event(session, ticket_id, EventKind.INBOUND, EMAIL, "see attached", at, meta)
        session.add(
            MailMessage(
                dedup_key="d" * 64, message_id="<m1@mail>", ticket_id=ticket_id, event_id=event_id, sender=EMAIL,
                outcome="threaded", received_at=at,
            )
        )  # fmt: skip
        session.add(
            MailAttachment(
                ticket_id=ticket_id, event_id=event_id, filename=f"{USERNAME}.jpg", content_type="image/jpeg",
                size=3, content=WORD.encode(),
            )
        )  # fmt: skip
        session.add(
            OutboundMail(
                ticket_id=ticket_id, kind="reply", message_id="<o1@desk>", recipient=EMAIL,
                raw=f"To: {EMAIL}\r\n\r\nDear {NAME}".encode(), state="pending", next_attempt_at=at, created_at=at,
            )
        )  # fmt: skip


def _feedback(db: Database, external_id: str, account_id: str, body: str, at: datetime) -> None:
    # As a sync imports it, search document and all.
    with db.write() as session:
        row = feedback_store.import_row(
            db.is_sqlite, external_id=external_id, channel="app", account_id=account_id, body=body,
            submitted_at=at, app_version=None, platform=None,
        )  # fmt: skip
        feedback_store.insert_items(session, [row], at)


def seed(db: Database, alice: DeskContext, sam: DeskContext) -> tuple[int, list[int], int]:
    """Her account's tickets (email and phone), an unlinked one from her address, a draft, a note, her
    feedback, a correction with a new address, a verification, and the erasure: completed. Someone else's
    ticket and feedback beside them. Returns (erasure id, her ticket ids, the other ticket's id)."""
    now = alice.clock()
    first = _ticket(alice, EMAIL, NAME, f"I am {USERNAME} ({EMAIL}), {WORD}. Please delete my account.", ACCOUNT)
    by_phone = _ticket(alice, PHONE, NAME, f"Calling about {USERNAME}", ACCOUNT)
    before_linking = _ticket(alice, EMAIL.upper(), NAME, f"Earlier mail from {EMAIL}", None)
    other = _ticket(alice, OTHER_CONTACT, "Other Person", "keep me, xylophone", "u-keep")
    _inbound(db, first, NAME, f"Also my username is {USERNAME}; phone {PHONE}", now)
    # Longer than a page: stored in overflow pages, which the redaction frees whole.
    _inbound(db, by_phone, NAME, f"My diary, {EMAIL}: " + "dear diary, today I wrote. " * 400 + WORD, now)
    tickets.add_note(alice, first, f"Caller {NAME} confirmed {EMAIL}")
    drafts.save_draft(alice, first, "reply", f"Dear {NAME}, about {USERNAME} ...")
    _mail(db, first, now)
    _feedback(db, "fb-her", ACCOUNT, f"{USERNAME} says the app is slow {WORD}", now)
    _feedback(db, "fb-other", "u-keep", "the app is fast", now)

    record_verified(alice, first, ACCOUNT)
    with db.write() as session:
        # As a desk that kept what callers stated would have (this one never does): it must go too.
        session.execute(text("UPDATE verification SET claims_hashed = :c"), {"c": json.dumps({"email": EMAIL})})
    corrected = requests.raise_correction(alice, first, {Field.EMAIL: NEW_EMAIL}, etag='"e0"')
    # Approved: its outbox row's PATCH body holds the new address, and the admin API's refusal quoted it.
    requests.approve(sam, corrected.id)
    with db.write() as session:
        session.execute(
            text("UPDATE outbox SET last_error = :e WHERE request_id = :r"),
            {"e": f"422: {NEW_EMAIL} is not allowed", "r": corrected.id},
        )
    erasure = requests.raise_deletion(alice, first, DeletionScope.ACCOUNT, etag='"e1"')
    requests.approve(sam, erasure.id)
    # Executing and completing are the outbox's (issue 9 items 4 and 5): here the row is moved as it would be.
    tamper(db, erasure.id, state="completed")
    return erasure.id, [first, by_phone, before_linking], other


def forget(db: Database, ctx: DeskContext, request_id: int, account_id: str = ACCOUNT) -> person_purge.PurgeSummary:
    with db.write() as session:
        return person_purge.forget_person(session, ctx, account_id=account_id, request_id=request_id)


def searchable(db: Database, query: str) -> list[int]:
    condition, params = search.match_filter(db.dialect, query) or ("1 = 0", {})
    with db.read() as session:
        return list(session.execute(text(f"SELECT id FROM ticket WHERE {condition} ORDER BY id"), params).scalars())


def everything(db: Database) -> str:
    """Every row of every table, the search index included, as text."""
    indexes = ("ticket_fts", "feedback_fts") if db.is_sqlite else ("ticket_search", "feedback_search")
    with db.read() as session:
        docs = "\n".join(
            doc for index in indexes for doc in session.execute(text(f"SELECT doc FROM {index}")).scalars()
        )
    return dump_database(db) + "\n" + docs


def found(haystack: str) -> list[str]:
    lowered = haystack.casefold()
    return [needle for needle in NEEDLES if needle.casefold() in lowered]


def test_the_desk_forgets_the_person_and_keeps_the_rest(db: Database, alice: DeskContext, sam: DeskContext) -> None:
    request_id, hers, other = seed(db, alice, sam)
    assert sorted(found(everything(db))) == sorted(NEEDLES)  # the check below can see them
    assert searchable(db, WORD) == hers[:2]

    summary = forget(db, sam, request_id)

    assert summary.ticket_ids == tuple(hers)
    assert (summary.drafts, summary.verifications, summary.feedback, summary.corrections) == (1, 1, 1, 1)
    assert summary.outbox == 1
    assert summary.suppressions == 3  # the account id, her address, her phone
    assert found(everything(db)) == []
    assert searchable(db, WORD) == [] and searchable(db, "xylophone") == [other]

    for ticket_id in hers:
        detail = tickets.get_ticket(alice, ticket_id)
        assert (detail.subject, detail.requester, detail.requester_name) == (REDACTED, REDACTED, "")
        assert {event.body for event in detail.events if event.body} == {REDACTED}
        assert {event.author for event in detail.events if event.kind == EventKind.INBOUND} == {REDACTED}
    first = tickets.get_ticket(alice, hers[0])
    # Who did what stays: the agent's note is still hers, the link to the account too.
    assert [event.author for event in first.events if event.kind == EventKind.NOTE] == ["alice"]
    assert first.account_id == ACCOUNT and drafts.load_draft(alice, hers[0], "reply") == ""
    kept = tickets.get_ticket(alice, other)
    assert (kept.requester, kept.requester_name) == (OTHER_CONTACT, "Other Person")

    with db.read() as session:
        (verification,) = session.exec(select(Verification))
        assert verification.claims_hashed == "{}" and verification.outcome == "verified"
        assert json.loads(verification.results)["email"] == "match"
        feedback = {row.external_id: row.body for row in session.exec(select(FeedbackItem))}
        assert feedback == {"fb-her": REDACTED, "fb-other": "the app is fast"}
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "person.forget"))
    details = json.loads(event.details)
    assert (event.actor, event.entity_type, event.entity_id) == ("sam", "data_request", str(request_id))
    assert details["account_id"] == ACCOUNT and details["tickets"] == hers
    assert all("***" in contact for contact in details["contacts"]) and len(details["contacts"]) == 2


def test_the_suppression_recognises_the_account_and_each_contact(
    db: Database, alice: DeskContext, sam: DeskContext
) -> None:
    request_id, _hers, _other = seed(db, alice, sam)
    with db.read() as session:
        assert not is_suppressed(session, account_id=ACCOUNT, contact=None)
    forget(db, sam, request_id)
    with db.read() as session:
        assert is_suppressed(session, account_id=ACCOUNT, contact=None)
        assert is_suppressed(session, account_id=None, contact=f"  {EMAIL.upper()} ")
        assert is_suppressed(session, account_id=None, contact=PHONE.replace(" ", ""))
        assert is_suppressed(session, account_id="u-new", contact=EMAIL)
        assert not is_suppressed(session, account_id="u-keep", contact=OTHER_CONTACT)
        assert not is_suppressed(session, account_id=None, contact=None)
        assert not is_suppressed(session, account_id="", contact=" ")
        # An account id is no contact, nor the other way round.
        assert not is_suppressed(session, account_id=EMAIL, contact=ACCOUNT)
    # Forgetting twice is harmless: nothing new to suppress, nothing left to redact.
    again = forget(db, sam, request_id)
    assert (again.suppressions, again.messages, again.feedback, again.corrections) == (0, 0, 0, 0)


def test_only_a_completed_erasure_of_that_account_forgets_anyone(
    db: Database, alice: DeskContext, sam: DeskContext
) -> None:
    request_id, hers, _other = seed(db, alice, sam)
    with pytest.raises(Refused, match="not an erasure of account u-other"):
        forget(db, sam, request_id, account_id="u-other")
    with pytest.raises(NotFound):
        forget(db, sam, 999)
    diary = requests.raise_deletion(alice, hers[0], DeletionScope.DIARY, etag=None)
    tamper(db, diary.id, state="completed")
    with pytest.raises(Refused, match="not an erasure"):
        forget(db, sam, diary.id)
    tamper(db, request_id, state="approved")
    with pytest.raises(Refused, match="only once the erasure completed"):
        forget(db, sam, request_id)
    assert sorted(found(everything(db))) == sorted(NEEDLES)


def _raw_files(db: Database) -> dict[str, bytes]:
    assert db.sqlite_path is not None
    path = db.sqlite_path
    files = [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))]
    return {file.name: file.read_bytes() for file in files if file.exists()}


def _in_files(db: Database) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for name, content in _raw_files(db).items():
        lowered = content.lower()
        inside = [needle for needle in NEEDLES if needle.lower().encode() in lowered]
        if inside:
            hits[name] = inside
    return hits


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_nothing_of_hers_survives_in_the_sqlite_files(db: Database, alice: DeskContext, sam: DeskContext) -> None:
    request_id, _hers, _other = seed(db, alice, sam)
    assert _in_files(db)  # the grep can find her before
    forget(db, sam, request_id)
    assert _in_files(db) == {}
    assert Path(f"{db.sqlite_path}-wal").stat().st_size == 0


def test_forgetting_is_part_of_the_callers_transaction(db: Database, alice: DeskContext, sam: DeskContext) -> None:
    request_id, hers, _other = seed(db, alice, sam)

    class CompletionFailed(Exception):
        pass

    with pytest.raises(CompletionFailed), db.write() as session:
        person_purge.forget_person(session, sam, account_id=ACCOUNT, request_id=request_id)
        raise CompletionFailed
    assert tickets.get_ticket(alice, hers[0]).requester == EMAIL
    with db.read() as session:
        assert not is_suppressed(session, account_id=ACCOUNT, contact=None)
    assert not [e for e in dump_database(db).splitlines() if "person.forget" in e]


def test_two_people_forgotten_at_once_each_keep_their_own_counts(
    db: Database, alice: DeskContext, sam: DeskContext
) -> None:
    """As the outbox completes a round's erasures: one purge for both, each with their own summary and event."""
    request_id, hers, other = seed(db, alice, sam)
    record_verified(alice, other, "u-keep")
    theirs = requests.raise_deletion(alice, other, DeletionScope.ACCOUNT, etag='"e2"')
    requests.approve(sam, theirs.id)
    tamper(db, theirs.id, state="completed")

    with db.write() as session:
        mine, keep = person_purge.forget_people(session, sam, [(ACCOUNT, request_id), ("u-keep", theirs.id)])

    assert (mine.ticket_ids, keep.ticket_ids) == (tuple(hers), (other,))
    assert (mine.drafts, mine.verifications, mine.feedback, mine.corrections, mine.outbox) == (1, 1, 1, 1, 1)
    assert (mine.suppressions, mine.mail) == (3, 3)
    assert (keep.drafts, keep.feedback, keep.corrections, keep.suppressions, keep.mail) == (0, 1, 0, 2, 0)
    assert found(everything(db)) == [] and searchable(db, "xylophone") == []
    with db.read() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "person.forget")).all()
    details = {event.entity_id: json.loads(event.details) for event in events}
    assert details[str(request_id)]["tickets"] == hers and details[str(theirs.id)]["tickets"] == [other]
    assert len(details[str(request_id)]["contacts"]) == 2 and len(details[str(theirs.id)]["contacts"]) == 1
    assert details[str(theirs.id)]["feedback"] == 1 and details[str(request_id)]["messages"] == mine.messages > 0
