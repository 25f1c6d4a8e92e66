"""What completing an account erasure does to the account's other requests (issue 9): each one still open
(awaiting verification, awaiting approval, approved, failed) is cancelled with the reason, audited, noted on its
ticket, and its unsent outbox rows are dropped; requests of other accounts are left alone. On SQLite and
PostgreSQL, through `request_completion.complete` as the deliverer calls it."""

from __future__ import annotations

import json

from sqlmodel import select

from lifer_desk.domain.identity import Field
from lifer_desk.domain.outbox import OutboxState
from lifer_desk.domain.requests import DeletionScope, RequestState
from lifer_desk.domain.tickets import EventKind
from lifer_desk.services import requests, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.request_completion import complete
from lifer_desk.services.request_views import get_request
from lifer_desk.store import requests as request_store
from lifer_desk.store.db import Database
from lifer_desk.store.models import AuditEvent, Outbox
from tests.request_support import ACCOUNT, open_ticket, record_verified, tamper

S = RequestState


def _verified_ticket(ctx: DeskContext, account: str = ACCOUNT) -> int:
    ticket_id = open_ticket(ctx, account)
    record_verified(ctx, ticket_id, account)
    return ticket_id


def test_completing_an_erasure_cancels_the_accounts_other_open_requests(
    db: Database, alice: DeskContext, sam: DeskContext
) -> None:
    erasure_ticket = _verified_ticket(alice)
    erasure = requests.approve(sam, requests.raise_deletion(alice, erasure_ticket, DeletionScope.ACCOUNT, etag=None).id)
    awaiting_approval = requests.raise_correction(alice, erasure_ticket, {Field.EMAIL: "x.new@example.com"}, etag='"e"')
    other_ticket = _verified_ticket(alice)
    approved = requests.approve(sam, requests.raise_deletion(alice, other_ticket, DeletionScope.DIARY, etag=None).id)
    unverified_ticket = open_ticket(alice, ACCOUNT)
    awaiting_verification = requests.raise_deletion(alice, unverified_ticket, DeletionScope.IMAGES, etag=None,
                                                    image_ids=("img-1",))  # fmt: skip
    someone_else = requests.raise_deletion(alice, _verified_ticket(alice, "u-other"), DeletionScope.DIARY, etag=None)
    assert (awaiting_approval.state, approved.state, awaiting_verification.state) == (
        S.AWAITING_APPROVAL, S.APPROVED, S.AWAITING_VERIFICATION,
    )  # fmt: skip
    tamper(db, erasure.id, state="executing")

    with db.write() as session:
        row = request_store.get(session, erasure.id, for_update=True)
        assert row is not None
        complete(session, sam, row, (), sam.clock())

    cancelled = (awaiting_approval.id, approved.id, awaiting_verification.id)
    assert [get_request(sam, i).request.state for i in cancelled] == [S.CANCELLED] * 3
    assert get_request(sam, someone_else.id).request.state is S.AWAITING_APPROVAL
    assert get_request(sam, erasure.id).request.state is S.COMPLETED
    with db.read() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "request.cancel")).all()
        unsent = session.exec(select(Outbox).where(Outbox.request_id == approved.id)).all()
    reasons = {int(event.entity_id): json.loads(event.details)["reason"] for event in events}
    assert reasons == dict.fromkeys(cancelled, f"the account was erased by request #{erasure.id}")
    assert unsent and {row.state for row in unsent} == {OutboxState.SUPERSEDED}
    for request_id, ticket_id in zip(cancelled, (erasure_ticket, other_ticket, unverified_ticket), strict=True):
        notes = [e.body for e in tickets.get_ticket(sam, ticket_id).events if e.kind == EventKind.NOTE]
        assert any(
            note.startswith(f"Request #{request_id} (")
            and note.endswith(f"cancelled: the account was erased by request #{erasure.id}.")
            for note in notes
        ), notes
