"""Deletion and correction requests through the services, on SQLite and PostgreSQL: raising and the wait for
verification, four-eyes approval, rejection with its note, cancel, both expiries, re-submission, and the check
execution makes (a payload changed since approval, an approval expired)."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from lifer_desk.domain.identity import Field
from lifer_desk.domain.legal_clocks import legal_deadlines
from lifer_desk.domain.requests import DeletionScope, RequestKind, RequestState
from lifer_desk.services import requests, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound, PermissionDenied, Refused
from lifer_desk.services.request_views import get_request
from lifer_desk.services.verification import ClaimsRefused
from lifer_desk.store import requests as request_store
from lifer_desk.store.db import Database
from lifer_desk.store.models import AuditEvent, DataRequest
from tests.request_support import ACCOUNT, Clock, context, open_ticket, record_verified, tamper

S = RequestState


def actions(db: Database, request_id: int) -> list[str]:
    with db.read() as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.entity_type == "data_request", AuditEvent.entity_id == str(request_id))
        )
        return [row.action for row in sorted(rows, key=lambda row: row.seq)]


def approved_deletion(alice: DeskContext, sam: DeskContext) -> int:
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    request = requests.raise_deletion(alice, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
    return requests.approve(sam, request.id).id


def test_a_request_waits_for_verification_then_moves_on_with_both_legal_clocks(
    db: Database, alice: DeskContext, clock: Clock
) -> None:
    ticket_id = open_ticket(alice)
    waiting = requests.raise_deletion(alice, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
    assert waiting.state is S.AWAITING_VERIFICATION and waiting.kind is RequestKind.DELETE
    assert waiting.account_id == ACCOUNT and waiting.due_calendar is None and waiting.verification_id is None
    assert waiting.expires_at == clock.now + timedelta(hours=72)

    clock.advance(timedelta(hours=1))
    verified_at = record_verified(alice, ticket_id)
    moved = requests.on_verified(alice, ticket_id, ACCOUNT)
    assert [view.id for view in moved] == [waiting.id]
    (request,) = moved
    legal = legal_deadlines(verified_at)
    assert request.state is S.AWAITING_APPROVAL and request.verification_id is not None
    assert (request.due_calendar, request.due_working) == (legal.reply_due, legal.delete_due)
    assert actions(db, waiting.id) == ["request.raise", "request.await_verification", "request.submit"]
    # Nothing left to move: a second call is harmless.
    assert requests.on_verified(alice, ticket_id, ACCOUNT) == []


def test_a_verification_of_another_account_on_the_ticket_is_no_proof(alice: DeskContext) -> None:
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id, account_id="u-other")
    request = requests.raise_deletion(alice, ticket_id, DeletionScope.DIARY, etag=None)
    assert request.state is S.AWAITING_VERIFICATION
    assert requests.on_verified(alice, ticket_id, "u-other") == []
    assert requests.on_verified(alice, ticket_id, ACCOUNT) == []


def test_an_expired_verification_is_no_proof(alice: DeskContext, clock: Clock) -> None:
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    clock.advance(timedelta(hours=25))
    assert requests.raise_deletion(alice, ticket_id, DeletionScope.DIARY, etag=None).state is S.AWAITING_VERIFICATION


def test_a_minor_without_consent_is_urgent_and_still_needs_approval(alice: DeskContext) -> None:
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    request = requests.raise_deletion(alice, ticket_id, DeletionScope.ACCOUNT, etag='"e1"', minor_without_consent=True)
    assert request.priority == "urgent" and request.state is S.AWAITING_APPROVAL
    assert requests.raise_deletion(alice, ticket_id, DeletionScope.DIARY, etag=None).priority == "normal"


def test_raising_is_refused_without_an_account_or_a_ticket_or_with_a_bad_scope(alice: DeskContext) -> None:
    with pytest.raises(Refused, match="link the caller's account"):
        requests.raise_deletion(alice, open_ticket(alice, account_id=None), DeletionScope.ACCOUNT, etag=None)
    with pytest.raises(NotFound, match="no ticket #999"):
        requests.raise_deletion(alice, 999, DeletionScope.ACCOUNT, etag=None)
    with pytest.raises(Refused, match="names its images"):
        requests.raise_deletion(alice, open_ticket(alice), DeletionScope.IMAGES, etag=None)


def test_an_image_deletion_binds_its_sorted_image_ids(alice: DeskContext) -> None:
    ticket_id = open_ticket(alice)
    request = requests.raise_deletion(alice, ticket_id, DeletionScope.IMAGES, etag='"e"', image_ids=("i-2", "i-1"))
    assert request.payload is not None and request.payload.image_ids == ("i-1", "i-2")
    assert request.to_json()["payload"] == {
        "kind": "delete",
        "account_id": ACCOUNT,
        "etag": '"e"',
        "scope": "images",
        "image_ids": ["i-1", "i-2"],
    }


def test_a_request_overlapping_one_still_open_on_the_account_is_refused_naming_it(
    alice: DeskContext, sam: DeskContext, clock: Clock
) -> None:
    ticket_id = open_ticket(alice)
    images = requests.raise_deletion(alice, ticket_id, DeletionScope.IMAGES, etag=None, image_ids=("i1", "i2"))
    email = requests.raise_correction(alice, ticket_id, {Field.EMAIL: "a.new@example.com"}, etag='"e1"')
    # From another ticket of the same account too: the overlap is about the account's data.
    elsewhere = open_ticket(alice)
    with pytest.raises(Refused, match=f"request #{images.id} is still open"):
        requests.raise_deletion(alice, elsewhere, DeletionScope.IMAGES, etag=None, image_ids=("i2", "i3"))
    with pytest.raises(Refused, match=f"request #{email.id} is still open"):
        requests.raise_correction(alice, elsewhere, {Field.EMAIL: "b.new@example.com"}, etag='"e1"')
    # What does not overlap is raised; what no longer stands (cancelled, or past its expiry) is no obstacle.
    assert requests.raise_deletion(alice, elsewhere, DeletionScope.IMAGES, etag=None, image_ids=("i3",)).id
    requests.cancel(alice, images.id)
    assert requests.raise_deletion(alice, elsewhere, DeletionScope.IMAGES, etag=None, image_ids=("i1",)).id
    clock.advance(timedelta(hours=73))
    again = requests.raise_correction(alice, elsewhere, {Field.EMAIL: "b.new@example.com"}, etag='"e1"')
    # Re-submitting the expired one would now overlap the new one.
    requests.expire_due(alice)
    with pytest.raises(Refused, match=f"request #{again.id} is still open"):
        requests.resubmit(alice, email.id)
    assert get_request(sam, email.id).request.state is S.EXPIRED


def test_of_two_overlapping_requests_raised_at_once_one_is_refused(
    alice: DeskContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two agents' desks raise the same deletion at the same moment: the second's check must see the first, even
    while the first has not committed (on PostgreSQL, each transaction sees only what was committed)."""
    first, second = open_ticket(alice), open_ticket(alice)
    inside = threading.Event()
    add = request_store.add

    def slow_add(session: Session, row: DataRequest) -> DataRequest:
        # The first raise holds its transaction open past its check, as a slow desk would.
        if not inside.is_set():
            inside.set()
            time.sleep(0.5)
        return add(session, row)

    monkeypatch.setattr(request_store, "add", slow_add)
    outcomes: dict[int, object] = {}

    def raise_on(ticket_id: int) -> None:
        try:
            outcomes[ticket_id] = requests.raise_deletion(alice, ticket_id, DeletionScope.DIARY, etag=None).id
        except Refused as exc:
            outcomes[ticket_id] = exc

    one = threading.Thread(target=raise_on, args=(first,))
    one.start()
    assert inside.wait(10)
    other = threading.Thread(target=raise_on, args=(second,))
    other.start()
    one.join(10)
    other.join(10)
    assert isinstance(outcomes[first], int)
    assert isinstance(outcomes[second], Refused)
    assert f"request #{outcomes[first]} is still open" in str(outcomes[second])


def test_a_username_correction_is_approved_without_a_second_pair_of_eyes_once_verified(
    db: Database, alice: DeskContext
) -> None:
    ticket_id = open_ticket(alice)
    waiting = requests.raise_correction(alice, ticket_id, {Field.USERNAME: "new_name"}, etag='"e1"')
    assert waiting.state is S.AWAITING_VERIFICATION
    record_verified(alice, ticket_id)
    (request,) = requests.on_verified(alice, ticket_id, ACCOUNT)
    assert request.state is S.APPROVED and request.approved_by is None and request.approved_at is not None
    assert actions(db, request.id)[-1] == "request.approve"
    assert requests.assert_executable(alice, request.id).changes == {Field.USERNAME: "new_name"}


def test_an_email_correction_needs_approval(alice: DeskContext) -> None:
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    request = requests.raise_correction(alice, ticket_id, {Field.EMAIL: " New@Example.COM "}, etag='"e1"')
    assert request.state is S.AWAITING_APPROVAL
    assert request.payload is not None and request.payload.changes == {Field.EMAIL: "new@example.com"}


def test_correction_values_are_checked_where_typed(alice: DeskContext) -> None:
    ticket_id = open_ticket(alice)
    with pytest.raises(ClaimsRefused) as refused:
        requests.raise_correction(alice, ticket_id, {Field.EMAIL: "not-an-email", Field.GENDER: "x"}, etag=None)
    assert set(refused.value.errors) == {Field.EMAIL, Field.GENDER}
    with pytest.raises(ClaimsRefused) as masked:
        requests.raise_correction(alice, ticket_id, {Field.EMAIL: "j***@qq.com"}, etag=None)
    assert "masked" in masked.value.errors[Field.EMAIL]
    with pytest.raises(Refused, match="at least one new value"):
        requests.raise_correction(alice, ticket_id, {Field.EMAIL: "  "}, etag=None)


def test_four_eyes_an_agent_and_the_requester_may_not_approve(
    db: Database, alice: DeskContext, sam: DeskContext, sue: DeskContext
) -> None:
    ticket_id = open_ticket(sam)
    record_verified(sam, ticket_id)
    request = requests.raise_deletion(sam, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        requests.approve(alice, request.id)
    with pytest.raises(PermissionDenied, match="other than the agent who raised it"):
        requests.approve(sam, request.id)
    with pytest.raises(Refused, match="changed since you read it"):
        requests.approve(sue, request.id, seen_hash="0" * 64)
    approved = requests.approve(sue, request.id, seen_hash=request.payload_hash)
    assert approved.state is S.APPROVED and approved.approved_by == "sue"
    with db.read() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "request.approve")).one()
    assert json.loads(event.details)["payload_hash"] == request.payload_hash and event.actor == "sue"
    with pytest.raises(Refused, match="cannot go from approved to approved"):
        requests.approve(sue, request.id)


def test_a_rejection_needs_a_reason_and_leaves_it_as_a_note_on_the_ticket(alice: DeskContext, sam: DeskContext) -> None:
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    request = requests.raise_deletion(alice, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
    with pytest.raises(PermissionDenied):
        requests.reject(alice, request.id, "no")
    with pytest.raises(Refused, match="give a reason"):
        requests.reject(sam, request.id, "   ")
    rejected = requests.reject(sam, request.id, "the caller withdrew on the phone")
    assert rejected.state is S.REJECTED and rejected.reject_reason == "the caller withdrew on the phone"
    note = tickets.get_ticket(alice, ticket_id).events[-1]
    assert note.kind == "note" and note.author == "sam" and "the caller withdrew on the phone" in note.body
    with pytest.raises(Refused, match="final state"):
        requests.cancel(alice, request.id)


def test_cancel_by_the_requester_or_a_supervisor_only(alice: DeskContext, sam: DeskContext, db: Database) -> None:
    ticket_id = open_ticket(alice)
    first = requests.raise_deletion(alice, ticket_id, DeletionScope.DIARY, etag=None)
    second = requests.raise_deletion(alice, ticket_id, DeletionScope.PAYMENT_LINKS, etag=None)
    bob = context(db, alice.clock, "bob", "agent")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        requests.cancel(bob, first.id)
    assert requests.cancel(alice, first.id).cancelled_by == "alice"
    assert requests.cancel(sam, second.id).state is S.CANCELLED


def test_both_expiries_and_resubmission(alice: DeskContext, sam: DeskContext, clock: Clock) -> None:
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    unapproved = requests.raise_deletion(alice, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
    approved = requests.approve(sam, requests.raise_deletion(alice, ticket_id, DeletionScope.DIARY, etag=None).id)

    clock.advance(timedelta(hours=24))
    assert requests.expire_due(alice) == [approved.id]
    clock.advance(timedelta(hours=48))
    with pytest.raises(Refused, match="expired at"):
        requests.approve(sam, unapproved.id)
    assert requests.expire_due(alice) == [unapproved.id]
    assert requests.expire_due(alice) == []

    # The verification has lapsed too: the re-submitted request waits for a fresh one, with its clocks kept.
    again = requests.resubmit(alice, unapproved.id, etag='"e2"')
    assert again.state is S.AWAITING_VERIFICATION and again.due_calendar == unapproved.due_calendar
    assert again.payload is not None and again.payload.etag == '"e2"' and again.payload_hash != unapproved.payload_hash
    record_verified(alice, ticket_id)
    (moved,) = requests.on_verified(alice, ticket_id, ACCOUNT)
    assert moved.state is S.AWAITING_APPROVAL
    resubmitted = requests.resubmit(sam, approved.id)
    assert resubmitted.state is S.AWAITING_APPROVAL and resubmitted.approved_by is None


def test_execution_refuses_a_payload_changed_since_approval(db: Database, alice: DeskContext, sam: DeskContext) -> None:
    request_id = approved_deletion(alice, sam)
    payload = requests.assert_executable(alice, request_id)
    assert payload.scope is DeletionScope.ACCOUNT
    other = payload.to_json().replace(ACCOUNT, "u-9999")
    tamper(db, request_id, payload=other)
    with pytest.raises(requests.ChangedSinceApproval, match="changed since approval"):
        requests.assert_executable(alice, request_id)
    # Rewriting the row's hash as well does not help: the approval's hash is in the audit trail.
    from lifer_desk.domain.request_payload import RequestPayload

    tamper(db, request_id, payload_hash=RequestPayload.from_json(other).hash)
    with pytest.raises(requests.ChangedSinceApproval):
        requests.assert_executable(alice, request_id)


def test_execution_refuses_an_expired_approval_and_an_unapproved_request(
    alice: DeskContext, sam: DeskContext, clock: Clock
) -> None:
    request_id = approved_deletion(alice, sam)
    clock.advance(timedelta(hours=24))
    with pytest.raises(requests.ApprovalExpired):
        requests.assert_executable(alice, request_id)
    waiting = requests.raise_deletion(alice, open_ticket(alice), DeletionScope.DIARY, etag=None)
    with pytest.raises(Refused, match="awaiting_verification, not approved"):
        requests.assert_executable(alice, waiting.id)


def test_approval_refuses_a_row_changed_outside_the_desk(db: Database, alice: DeskContext, sam: DeskContext) -> None:
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    request = requests.raise_deletion(alice, ticket_id, DeletionScope.DIARY, etag=None)
    tamper(db, request.id, payload='{"kind":"delete"}')
    with pytest.raises(Refused, match="changed outside the desk"):
        requests.approve(sam, request.id)


def test_show_has_the_history_from_the_audit_trail(alice: DeskContext, sam: DeskContext) -> None:
    request_id = approved_deletion(alice, sam)
    detail = get_request(alice, request_id)
    assert [(entry.actor, entry.action) for entry in detail.history] == [
        ("alice", "request.raise"),
        ("alice", "request.submit"),
        ("sam", "request.approve"),
    ]
    shown = detail.to_json()
    assert (
        shown["state"] == "approved"
        and shown["approved_by"] == "sam"
        and shown["history"][2]["details"]["to"] == ("approved")
    )
    with pytest.raises(NotFound):
        get_request(alice, 12345)
