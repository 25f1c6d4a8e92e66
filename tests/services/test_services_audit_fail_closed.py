"""Fail closed: when the audit event cannot be written, the action it records does not happen.

The chain's append (`append_many`, which `append` calls too) is made to fail as a full disk or a dropped
connection would; a reveal shows nothing, a verification leaves no settled attempt, and an approval leaves the
request where it was.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from lifer_desk.domain.identity import Field
from lifer_desk.domain.requests import DeletionScope, RequestState
from lifer_desk.services import accounts, requests, verification
from lifer_desk.services.accounts import LookupKind, LookupReason
from lifer_desk.services.context import DeskContext
from lifer_desk.store import audit
from lifer_desk.store.db import Database
from tests.fakes.admin_api import FakeAccount, FakeAdminApi, with_admin
from tests.request_support import Clock, context, open_ticket, record_verified
from tests.ui.ui_support import ACCOUNT


class AuditDown(Exception):
    pass


def _raise(*_args: Any, **_kwargs: Any) -> None:
    raise AuditDown("the audit event could not be written")


@pytest.fixture
def broken_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "append_many", _raise)


def _events(db: Database) -> int:
    with db.read() as session:
        return int(session.execute(text("SELECT count(*) FROM audit_event")).scalar_one())


def _ctx(db: Database, agent: str = "alice", role: str = "agent") -> tuple[DeskContext, FakeAdminApi]:
    api = FakeAdminApi(FakeAccount(ACCOUNT, email="zhang.san@qq.com", username="xiaozhang"))
    api.answer = {"email": "match", "username": "match", "birthday": "match"}
    return with_admin(context(db, Clock(), agent, role), api), api


async def test_a_reveal_shows_nothing_when_its_audit_event_fails(db: Database, broken_audit: None) -> None:
    ctx, api = _ctx(db)
    with pytest.raises(AuditDown):
        await accounts.find_account(ctx, LookupKind.EMAIL, "zhang.san@qq.com", reason=LookupReason.VERIFY)
    assert api.calls == ["lookup_user"] and _events(db) == 0


async def test_a_lookup_is_audited_with_its_reason_and_no_typed_value(db: Database) -> None:
    ctx, _api = _ctx(db)
    found = await accounts.find_account(
        ctx, LookupKind.EMAIL, "zhang.san@qq.com", reason=LookupReason.LINK, ticket_id=7
    )
    assert found.summary.id == ACCOUNT.id
    with db.read() as session:
        row = session.execute(text("SELECT actor, action, entity_type, entity_id, details FROM audit_event")).one()
    assert tuple(row) == (
        "alice",
        "account.lookup",
        "account",
        ACCOUNT.id,
        '{"by":"email","reason":"link_account","ticket_id":7}',
    )


async def test_a_verification_is_not_settled_when_its_audit_event_fails(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, _api = _ctx(db)
    ticket_id = open_ticket(ctx)
    before = _events(db)
    monkeypatch.setattr(audit, "append_many", _raise)
    stated = {Field.EMAIL: "zhang.san@qq.com", Field.USERNAME: "xiaozhang", Field.BIRTHDAY: "1990-01-02"}
    with pytest.raises(AuditDown):
        await verification.submit(ctx, ACCOUNT.id, stated, ticket_id=ticket_id)
    monkeypatch.undo()
    assert verification.current_verification(ctx, ticket_id) is None
    with db.read() as session:
        outcomes = session.execute(text("SELECT outcome FROM verification")).scalars().all()
    assert "verified" not in outcomes and _events(db) == before


def test_an_approval_does_not_happen_when_its_audit_event_fails(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    alice, _api = _ctx(db)
    sue, _ = _ctx(db, "sue", "supervisor")
    ticket_id = open_ticket(alice)
    record_verified(alice, ticket_id)
    raised = requests.raise_deletion(alice, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
    assert raised.state is RequestState.AWAITING_APPROVAL
    before = _events(db)
    monkeypatch.setattr(audit, "append_many", _raise)
    with pytest.raises(AuditDown):
        requests.approve(sue, raised.id)
    monkeypatch.undo()
    with db.read() as session:
        state, approver = session.execute(
            text("SELECT state, approved_by FROM data_request WHERE id = :id"), {"id": raised.id}
        ).one()
    assert (state, approver, _events(db)) == ("awaiting_approval", None, before)
