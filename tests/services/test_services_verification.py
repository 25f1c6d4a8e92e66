"""Verification through the services against the in-process sandbox: verified, refused inline, expiry, minors."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlmodel import select

from lifer_desk.admin_api import AdminApi, AdminClient
from lifer_desk.config import Settings
from lifer_desk.domain.identity import Field, FieldResult, Outcome
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import accounts, agents, minor_data, tickets, verification, verification_locks
from lifer_desk.services.accounts import LookupKind, LookupReason
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import AgentDeactivated, Refused
from lifer_desk.store.db import Database
from lifer_desk.store.models import AuditEvent, Verification
from tests.agent_support import enrol
from tests.fakes.admin_api import FakeAdminApi, with_admin
from tests.verification_support import (
    ADULT_WITH_GENDER,
    UNDER_14_WITHOUT_CONSENT,
    CountingTransport,
    StoredUser,
    dump_database,
    leaked,
    stored_user,
)

E, U, B, G = Field.EMAIL, Field.USERNAME, Field.BIRTHDAY, Field.GENDER

# The sandbox fixtures (transport, over the shared sandbox_db).
pytest_plugins = ["tests.verification_fixtures"]


def context(api: AdminApi, db: Database, agent: str = "alice", role: str = "agent", **settings: object) -> DeskContext:
    enrol(db, agent, role)
    # Settings by name, as each test needs them; Settings validates them itself.
    ctx = DeskContext(db, Settings(database_url=db.url, **settings), agent, role)  # type: ignore[arg-type]
    return with_admin(ctx, api)


@pytest.fixture
def adult(sandbox_db: Path) -> StoredUser:
    return stored_user(sandbox_db, ADULT_WITH_GENDER)


def ticket(ctx: DeskContext) -> int:
    draft = tickets.TicketDraft(
        Channel.PHONE, "忘记密码", "caller wants access", "+86 138 0000 0000", "张三", Category.ACCOUNT_RECOVERY,
        Priority.NORMAL,
    )  # fmt: skip
    return tickets.open_ticket(ctx, draft).id


def attempts(db: Database) -> list[Verification]:
    with db.read() as session:
        return list(session.exec(select(Verification).order_by(Verification.id)))


def audit_rows(db: Database, prefix: str = "verification.") -> list[AuditEvent]:
    with db.read() as session:
        rows = session.exec(select(AuditEvent).order_by(AuditEvent.seq))
        return [row for row in rows if row.action.startswith(prefix)]


async def test_the_caller_states_three_fields_and_is_verified(
    db: Database, transport: CountingTransport, api: AdminClient, adult: StoredUser
) -> None:
    ctx = context(api, db)
    ticket_id = ticket(ctx)
    found = await accounts.find_account(ctx, LookupKind.EMAIL, f" {adult.email.upper()} ", reason=LookupReason.VERIFY)
    check = verification.check_account(ctx, found)
    assert found.summary.id == adult.id and "*" in found.summary.email_masked
    assert check.lock.attempts_left == 3
    stated = {E: f"  {adult.email}  ", U: adult.username, B: adult.birthday.replace("-", ""), G: adult.gender}
    result = await verification.submit(ctx, adult.id, stated, ticket_id=ticket_id)
    assert result.outcome is Outcome.VERIFIED
    assert result.results == {E: FieldResult.MATCH, U: FieldResult.MATCH, B: FieldResult.MATCH, G: FieldResult.MATCH}
    assert result.mismatched == () and result.attempts_left == 3 and not result.locked
    current = verification.current_verification(ctx, ticket_id)
    assert current is not None and (current.agent, current.account_id) == ("alice", adult.id)
    assert current.expires_at - current.verified_at == timedelta(hours=24)
    [row] = attempts(db)
    assert (row.ticket_id, row.account_id, row.agent, row.outcome) == (ticket_id, adult.id, "alice", "verified")
    assert json.loads(row.fields_stated) == ["birthday", "email", "gender", "username"]
    assert row.claims_hashed == "{}"
    [event] = audit_rows(db)
    assert event.action == "verification.attempt"
    assert json.loads(event.details)["results"] == {"birthday": "match", "email": "match", "gender": "match",
                                                    "username": "match"}  # fmt: skip
    assert leaked(dump_database(db), adult) == []


async def test_a_mismatch_fails_names_the_field_and_counts(
    db: Database, transport: CountingTransport, api: AdminClient, adult: StoredUser
) -> None:
    ctx = context(api, db)
    stated = {E: adult.email, U: adult.username + "x", B: adult.birthday}
    result = await verification.submit(ctx, adult.id, stated)
    assert result.outcome is Outcome.FAILED
    assert result.mismatched == (U,)
    assert "Do not tell the caller" in result.explanation
    assert result.attempts_left == 2
    assert verification_locks.lock_state(ctx, adult.id).failures == 1
    assert leaked(dump_database(db), adult) == []


BIRTHDAY_FORMS = ["{y}-{m:02}-{d:02}", "{y}/{m}/{d}", "{y}{m:02}{d:02}", "{y}年{m}月{d}日", "{y}-{m}-{d}"]


@pytest.mark.parametrize("form", BIRTHDAY_FORMS)
async def test_every_accepted_birthday_form_verifies(
    db: Database, transport: CountingTransport, api: AdminClient, adult: StoredUser, form: str
) -> None:
    day = date.fromisoformat(adult.birthday)
    stated = {E: adult.email, U: adult.username, B: form.format(y=day.year, m=day.month, d=day.day)}
    result = await verification.submit(context(api, db), adult.id, stated)
    assert result.outcome is Outcome.VERIFIED


REFUSED = [
    # (what is stated, the fields named inline); "" means refused as a whole (too few fields)
    ({E: "j***@qq.com", U: "user", B: "1990-05-17"}, {E}),
    ({E: "zhang@qq", U: "user", B: "1990-05-17"}, {E}),
    ({E: "zhang at qq.com", U: "user", B: "1990-05-17"}, {E}),
    ({E: "a@b@qq.com", U: "user", B: "1990-05-17"}, {E}),
    ({E: "zhang@qq.com", U: "zh***", B: "1990-05-17"}, {U}),
    ({E: "zhang@qq.com", U: "user", B: "1990-**-17"}, {B}),
    ({E: "zhang@qq.com", U: "user", B: "1990-02-30"}, {B}),
    ({E: "zhang@qq.com", U: "user", B: "1990-13-01"}, {B}),
    ({E: "zhang@qq.com", U: "user", B: "17/05/1990"}, {B}),
    ({E: "zhang@qq.com", U: "user", B: "2999-01-01"}, {B}),
    ({E: "zhang@qq.com", U: "user", B: "1990-05-17", G: "unknown"}, {G}),
    ({E: "zhang@qq.com", B: "1990-05-17"}, set()),
    ({B: "1990-05-17", G: "女", U: " "}, set()),
    ({U: "user", E: "   "}, set()),
    ({}, set()),
]


@pytest.mark.parametrize(("stated", "named"), REFUSED)
async def test_bad_input_is_refused_inline_without_a_call_or_an_attempt(
    db: Database,
    transport: CountingTransport,
    api: AdminClient,
    adult: StoredUser,
    stated: dict[Field, str],
    named: set[Field],
) -> None:
    ctx = context(api, db)
    with pytest.raises(verification.ClaimsRefused) as refused:
        await verification.submit(ctx, adult.id, stated)
    assert set(refused.value.errors) == named
    if not named:
        assert "the policy needs at least 3 matching fields" in str(refused.value)
    assert transport.verify_calls == 0
    assert attempts(db) == [] and audit_rows(db) == []
    assert verification_locks.lock_state(ctx, adult.id).failures == 0


@pytest.mark.parametrize(
    ("kind", "value", "said"),
    [
        (LookupKind.EMAIL, "j***@qq.com", "email looks masked"),
        (LookupKind.USERNAME, "xiao***", "username looks masked"),
        (LookupKind.ID, "usr_****", "a masked value cannot find an account"),
        (LookupKind.EMAIL, "not-an-email", "email is not a valid email address"),
        (LookupKind.ID, "  ", "enter the id to look up"),
    ],
)
async def test_a_lookup_by_a_masked_or_malformed_value_is_refused_without_a_call(
    db: Database, kind: LookupKind, value: str, said: str
) -> None:
    api = FakeAdminApi()
    with pytest.raises(Refused, match=said):
        await accounts.find_account(context(api, db), kind, value, reason=LookupReason.VERIFY)
    assert api.calls == []


async def test_verified_state_expires_after_the_configured_ttl(
    db: Database, transport: CountingTransport, api: AdminClient, adult: StoredUser
) -> None:
    ctx = context(api, db, verification_ttl_hours=2)
    ticket_id = ticket(ctx)
    stated = {E: adult.email, U: adult.username, B: adult.birthday}
    start = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        result = await verification.submit(ctx, adult.id, stated, ticket_id=ticket_id)
        assert result.expires_at == start + timedelta(hours=2)
        traveller.shift(timedelta(hours=1, minutes=59))
        current = verification.current_verification(ctx, ticket_id)
        assert current is not None and current.verified_at == start
        traveller.shift(timedelta(minutes=1))
        assert verification.current_verification(ctx, ticket_id) is None


async def test_a_later_failure_on_the_ticket_ends_its_verification(
    db: Database, transport: CountingTransport, api: AdminClient, adult: StoredUser
) -> None:
    ctx = context(api, db)
    ticket_id = ticket(ctx)
    await verification.submit(ctx, adult.id, {E: adult.email, U: adult.username, B: adult.birthday},
                              ticket_id=ticket_id)  # fmt: skip
    assert verification.current_verification(ctx, ticket_id) is not None
    await verification.submit(ctx, adult.id, {E: adult.email, U: "someone", B: adult.birthday},
                              ticket_id=ticket_id)  # fmt: skip
    assert verification.current_verification(ctx, ticket_id) is None


async def test_an_under_14_account_without_consent_gets_one_urgent_minor_data_ticket(
    db: Database, transport: CountingTransport, api: AdminClient, sandbox_db: Path
) -> None:
    child = stored_user(sandbox_db, UNDER_14_WITHOUT_CONSENT)
    ctx = context(api, db)
    source = tickets.get_ticket(ctx, ticket(ctx))
    check = verification.check_account(
        ctx, await accounts.find_account(ctx, LookupKind.ID, child.id, reason=LookupReason.VERIFY)
    )
    assert check.account.summary.minor and check.account.summary.under_14 and check.minor_ticket_offered
    opened = await minor_data.open_minor_data_ticket(ctx, child.id, source)
    again = await minor_data.open_minor_data_ticket(ctx, child.id, source)
    assert again.id == opened.id
    assert (opened.category, opened.priority, opened.account_id) == ("minor_data", "urgent", child.id)
    assert opened.requester == source.requester
    opened_events = [json.loads(e.details) for e in audit_rows(db, "ticket.open")]
    assert opened_events[-1] == {
        "category": "minor_data",
        "priority": "urgent",
        "via": "verification",
        "account_id": child.id,
        "source_ticket_id": source.id,
    }
    assert len(opened_events) == 2  # the source ticket and one minor_data ticket, not two


async def test_no_minor_data_ticket_for_an_adult(
    db: Database, transport: CountingTransport, api: AdminClient, adult: StoredUser
) -> None:
    ctx = context(api, db)
    found = await accounts.find_account(ctx, LookupKind.ID, adult.id, reason=LookupReason.VERIFY)
    assert not verification.check_account(ctx, found).minor_ticket_offered
    with pytest.raises(Refused, match="not an under-14 account"):
        await minor_data.open_minor_data_ticket(ctx, adult.id)


async def test_a_deactivated_agent_cannot_verify_and_the_admin_api_is_not_called(
    db: Database, transport: CountingTransport, api: AdminClient, adult: StoredUser
) -> None:
    ctx = context(api, db)
    ticket_id = ticket(ctx)
    agents.deactivate_agent(db, actor=agents.Actor("root", operator=True), name="alice")
    before = transport.verify_calls
    stated = {E: adult.email, U: adult.username, B: adult.birthday}
    with pytest.raises(AgentDeactivated):
        await verification.submit(ctx, adult.id, stated, ticket_id=ticket_id)
    assert transport.verify_calls == before, "the attempt is reserved, as the agent, before any call"
    assert attempts(db) == []
