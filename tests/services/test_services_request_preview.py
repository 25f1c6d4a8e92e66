"""Previews before raising (issue 9 item 1) and the username check on raising, against the fake admin API: what
a deletion would remove, counted; each new value checked on its own beside the masked old one; a username
already taken refused before approval, from the dialog's path and any other; evidence and queues for the mode."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lifer_desk.admin_api import AccountStatus, Image, UserSummary
from lifer_desk.domain.identity import Field
from lifer_desk.domain.requests import DeletionScope, RequestState
from lifer_desk.services import request_intake, request_preview, request_queues, requests
from lifer_desk.services.context import DeskContext
from lifer_desk.services.request_queues import RequestQueue
from lifer_desk.services.verification import ClaimsRefused
from lifer_desk.store.db import Database
from tests.fakes.admin_api import FakeAccount, FakeAdminApi, with_admin
from tests.request_support import ACCOUNT, Clock, context, open_ticket, record_verified


def summary(account_id: str, *, under_14: bool = False) -> UserSummary:
    return UserSummary(
        id=account_id, email_masked="z***@qq.com", username_masked="x***",
        registered_at=datetime(2021, 5, 17, tzinfo=UTC), status=AccountStatus.ACTIVE, minor=under_14,
        under_14=under_14, guardian_consent=False if under_14 else None, etag='"7"',
    )  # fmt: skip


IMAGE = Image(id="img_1", uploaded_at=datetime(2024, 1, 1, tzinfo=UTC), bytes=10)


@pytest.fixture
def admin() -> FakeAdminApi:
    return FakeAdminApi(
        FakeAccount(summary(ACCOUNT), username="xiaozhang", images=[IMAGE]),
        FakeAccount(summary("u-0002"), username="lilei"),
    )


@pytest.fixture
def alice(db: Database, admin: FakeAdminApi) -> DeskContext:
    return with_admin(context(db, Clock()), admin)


async def test_a_deletion_preview_counts_what_each_scope_removes(alice: DeskContext) -> None:
    ticket_id = open_ticket(alice)
    preview = await request_preview.preview_deletion(alice, ticket_id)
    assert not preview.account.verified and not preview.urgent
    assert [(g.label, g.count) for g in preview.going(DeletionScope.ACCOUNT)] == [
        ("account", 1),
        ("images", 1),
        ("diary entries", 0),
        ("payment links", 0),
    ]
    assert [(g.label, g.count) for g in preview.going(DeletionScope.IMAGES, ("img_1", "img_gone"))] == [("images", 1)]


async def test_a_correction_preview_checks_each_value_on_its_own(alice: DeskContext) -> None:
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    preview = await request_preview.preview_correction(
        alice, ticket_id, {Field.EMAIL: "New@QQ.com", Field.USERNAME: "lilei", Field.BIRTHDAY: "2999-01-01"}
    )
    assert preview.account.verified_by == "alice"
    assert [(line.field, line.old_masked, line.new_value) for line in preview.changes] == [
        (Field.EMAIL, "z***@qq.com", "new@qq.com"),
        (Field.USERNAME, "x***", "lilei"),
    ]
    assert set(preview.errors) == {Field.USERNAME, Field.BIRTHDAY}
    assert preview.errors[Field.USERNAME] == "already taken by another account"
    assert not preview.ready and preview.needs_approval


async def test_own_username_is_not_taken_and_a_masked_value_is_refused(alice: DeskContext) -> None:
    ticket_id = open_ticket(alice)
    preview = await request_preview.preview_correction(alice, ticket_id, {Field.USERNAME: "xiaozhang"})
    assert preview.errors == {} and preview.ready and not preview.needs_approval
    preview = await request_preview.preview_correction(alice, ticket_id, {Field.EMAIL: "z***@qq.com"})
    assert Field.EMAIL in preview.errors


async def test_raising_a_correction_to_a_taken_username_is_refused_before_approval(
    alice: DeskContext, admin: FakeAdminApi
) -> None:
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    with pytest.raises(ClaimsRefused) as refused:
        await request_intake.raise_correction(alice, admin, ticket_id, {Field.USERNAME: " lilei "})
    assert refused.value.errors == {Field.USERNAME: "already taken by another account"}
    assert request_queues.counts(alice)[RequestQueue.ALL] == 0


async def test_the_detail_names_who_verified_and_what_matched_never_the_values(alice: DeskContext) -> None:
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    raised = await request_preview.raise_correction(alice, ticket_id, {Field.USERNAME: "zhangsan2026"})
    assert raised.state is RequestState.APPROVED
    shown = request_queues.detail(alice, raised.id)
    assert shown.evidence is not None
    assert (shown.evidence.agent, shown.evidence.matched) == ("alice", ("birthday", "email", "username"))
    assert shown.problem is None and shown.receipt == ()


def test_awaiting_my_approval_holds_only_other_agents_requests_for_a_supervisor(db: Database) -> None:
    clock = Clock()
    alice, carol = context(db, clock), context(db, clock, "carol", "supervisor")
    for ctx, account in ((alice, "usr_of_alice"), (carol, "usr_of_carol")):
        ticket_id = open_ticket(ctx, account)
        record_verified(ctx, ticket_id, account)
        requests.raise_deletion(ctx, ticket_id, DeletionScope.DIARY, etag='"1"')
    assert request_queues.counts(carol)[RequestQueue.AWAITING_MY_APPROVAL] == 1
    assert request_queues.counts(alice)[RequestQueue.AWAITING_MY_APPROVAL] == 0
    [(_, shown)] = request_queues.page(carol, RequestQueue.AWAITING_MY_APPROVAL, limit=10)
    assert shown.requested_by == "alice"
