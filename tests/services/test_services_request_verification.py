"""A request waiting for verification moves on by itself once the caller is verified through the verification
service, on that ticket, as that account; a masked fragment never gets it there. And both expiries are
settings (issue 9, items 1 and 2)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lifer_desk.admin_api import AdminApi, AdminClient
from lifer_desk.config import Settings
from lifer_desk.domain.identity import Field
from lifer_desk.domain.requests import DeletionScope, RequestState
from lifer_desk.services import requests, verification
from lifer_desk.services.context import DeskContext
from lifer_desk.services.request_views import get_request
from lifer_desk.store.db import Database
from tests.agent_support import enrol
from tests.fakes.admin_api import with_admin
from tests.request_support import START, Clock, open_ticket, record_verified, tamper
from tests.verification_support import ADULT_WITH_GENDER, StoredUser, stored_user

E, U, B = Field.EMAIL, Field.USERNAME, Field.BIRTHDAY
S = RequestState

pytest_plugins = ["tests.verification_fixtures"]


def context(db: Database, api: AdminApi, clock: Clock, agent: str = "alice", **settings: float) -> DeskContext:
    enrol(db, agent, "agent")
    return with_admin(DeskContext(db, Settings(database_url=db.url, **settings), agent, "agent", clock=clock), api)


@pytest.fixture
def adult(sandbox_db: Path) -> StoredUser:
    return stored_user(sandbox_db, ADULT_WITH_GENDER)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def full_statement(user: StoredUser) -> dict[Field, str]:
    return {E: user.email, U: user.username, B: user.birthday}


def state(ctx: DeskContext, request_id: int) -> RequestState:
    return get_request(ctx, request_id).request.state


async def test_a_waiting_deletion_moves_on_once_the_caller_is_verified_on_that_ticket(
    db: Database, api: AdminClient, adult: StoredUser, clock: Clock
) -> None:
    ctx = context(db, api, clock)
    ticket_id = open_ticket(ctx, adult.id)
    other_ticket = open_ticket(ctx, adult.id)
    waiting = requests.raise_deletion(ctx, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
    elsewhere = requests.raise_deletion(ctx, other_ticket, DeletionScope.DIARY, etag=None)
    assert waiting.state is S.AWAITING_VERIFICATION

    clock.advance(timedelta(minutes=5))
    await verification.submit(ctx, adult.id, full_statement(adult), ticket_id=ticket_id)

    moved = get_request(ctx, waiting.id)
    assert moved.request.state is S.AWAITING_APPROVAL
    assert moved.request.verification_id is not None and moved.request.due_working is not None
    assert [entry.action for entry in moved.history][-1] == "request.submit"
    # A verification on one ticket is no proof on another.
    assert state(ctx, elsewhere.id) is S.AWAITING_VERIFICATION


async def test_a_masked_fragment_or_a_failed_attempt_moves_nothing(
    db: Database, api: AdminClient, adult: StoredUser, clock: Clock
) -> None:
    ctx = context(db, api, clock)
    ticket_id = open_ticket(ctx, adult.id)
    waiting = requests.raise_deletion(ctx, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
    masked = {**full_statement(adult), E: adult.email[0] + "***" + adult.email[adult.email.index("@") :]}
    with pytest.raises(verification.ClaimsRefused):
        await verification.submit(ctx, adult.id, masked, ticket_id=ticket_id)
    failed = await verification.submit(ctx, adult.id, {**full_statement(adult), U: "someone-else"}, ticket_id=ticket_id)
    assert failed.outcome != "verified"
    assert state(ctx, waiting.id) is S.AWAITING_VERIFICATION


async def test_a_verification_of_another_account_moves_nothing(
    db: Database, api: AdminClient, adult: StoredUser, sandbox_db: Path, clock: Clock
) -> None:
    ctx = context(db, api, clock)
    other = stored_user(sandbox_db, f"{ADULT_WITH_GENDER} AND id != '{adult.id}'")
    ticket_id = open_ticket(ctx, adult.id)
    waiting = requests.raise_deletion(ctx, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
    await verification.submit(ctx, other.id, full_statement(other), ticket_id=ticket_id)
    assert state(ctx, waiting.id) is S.AWAITING_VERIFICATION


async def test_a_waiting_request_past_its_expiry_is_not_revived(
    db: Database, api: AdminClient, adult: StoredUser, clock: Clock
) -> None:
    ctx = context(db, api, clock, request_approval_hours=2)
    ticket_id = open_ticket(ctx, adult.id)
    waiting = requests.raise_deletion(ctx, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
    clock.advance(timedelta(hours=2))
    await verification.submit(ctx, adult.id, full_statement(adult), ticket_id=ticket_id)
    assert state(ctx, waiting.id) is S.AWAITING_VERIFICATION
    assert requests.expire_due(ctx) == [waiting.id]


async def test_a_request_edited_outside_the_desk_does_not_undo_the_verification(
    db: Database, api: AdminClient, adult: StoredUser, clock: Clock
) -> None:
    ctx = context(db, api, clock)
    ticket_id = open_ticket(ctx, adult.id)
    edited = requests.raise_deletion(ctx, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
    fine = requests.raise_deletion(ctx, ticket_id, DeletionScope.DIARY, etag=None)
    assert edited.payload is not None
    tamper(db, edited.id, payload=edited.payload.to_json().replace('"scope":"account"', '"scope":"diary"'))
    result = await verification.submit(ctx, adult.id, full_statement(adult), ticket_id=ticket_id)
    assert result.outcome == "verified" and verification.current_verification(ctx, ticket_id) is not None
    assert (state(ctx, edited.id), state(ctx, fine.id)) == (S.AWAITING_VERIFICATION, S.AWAITING_APPROVAL)


def test_both_expiries_follow_the_settings(db: Database, clock: Clock) -> None:
    enrol(db, "sam", "supervisor")
    hours = {"request_approval_hours": 5.0, "request_execution_hours": 0.5}
    alice = DeskContext(db, Settings(database_url=db.url, **hours), "alice", "agent", clock=clock)
    sam = DeskContext(db, Settings(database_url=db.url, **hours), "sam", "supervisor", clock=clock)
    enrol(db, "alice", "agent")
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    unapproved = requests.raise_deletion(alice, ticket_id, DeletionScope.DIARY, etag=None)
    assert unapproved.expires_at == START + timedelta(hours=5)
    approved = requests.approve(sam, requests.raise_deletion(alice, ticket_id, DeletionScope.ACCOUNT, etag=None).id)
    assert approved.expires_at == START + timedelta(minutes=30)

    clock.advance(timedelta(minutes=30))
    assert requests.expire_due(alice) == [approved.id]
    clock.advance(timedelta(hours=4, minutes=30))
    assert requests.expire_due(alice) == [unapproved.id]
    # Expired requests can be submitted again, with a fresh window from the same setting.
    again = requests.resubmit(alice, unapproved.id)
    assert again.state is S.AWAITING_APPROVAL and again.expires_at == clock.now + timedelta(hours=5)
