"""The attempt limit: a lock reached by two agents, a race that cannot pass it, 429s, unlock; policy by hypothesis."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from lifer_desk.admin_api import AdminClient, UserSummary, VerifyClaims, VerifyResult
from lifer_desk.config import Settings
from lifer_desk.domain.identity import Field, FieldResult, Outcome
from lifer_desk.services import verification
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import PermissionDenied, Refused
from lifer_desk.store.db import Database
from lifer_desk.store.models import AuditEvent, Verification
from tests.verification_support import (
    ADULT_WITH_GENDER,
    CountingTransport,
    StoredUser,
    sandbox_client,
    stored_user,
)

E, U, B, G = Field.EMAIL, Field.USERNAME, Field.BIRTHDAY, Field.GENDER

# The sandbox fixtures (transport, over the shared sandbox_db).
pytest_plugins = ["tests.verification_fixtures"]


def context(db: Database, agent: str, role: str = "agent") -> DeskContext:
    return DeskContext(db, Settings(database_url=db.url), agent, role)


@pytest.fixture
def adult(sandbox_db: Path) -> StoredUser:
    return stored_user(sandbox_db, ADULT_WITH_GENDER)


def wrong(user: StoredUser) -> dict[Field, str]:
    return {E: user.email, U: user.username, B: "1901-01-01"}


def right(user: StoredUser) -> dict[Field, str]:
    return {E: user.email, U: user.username, B: user.birthday}


def audit_actions(db: Database) -> list[tuple[str, dict[str, object]]]:
    with db.read() as session:
        rows = session.exec(select(AuditEvent).order_by(AuditEvent.seq))
        return [(row.action, json.loads(row.details)) for row in rows if row.action.startswith("verification.")]


def outcomes(db: Database) -> list[str]:
    with db.read() as session:
        return [row.outcome for row in session.exec(select(Verification).order_by(Verification.id))]


async def test_three_failures_by_two_agents_lock_the_account(
    db: Database, transport: CountingTransport, adult: StoredUser
) -> None:
    alice, bob = context(db, "alice"), context(db, "bob")
    async with sandbox_client(transport) as api:
        first = await verification.submit(alice, api, adult.id, wrong(adult))
        second = await verification.submit(bob, api, adult.id, wrong(adult))
        third = await verification.submit(alice, api, adult.id, wrong(adult))
        assert [r.attempts_left for r in (first, second, third)] == [2, 1, 0]
        assert third.outcome is Outcome.FAILED and third.locked
        assert "A supervisor can unlock it" in third.explanation
        # Locked: even the right answers are refused before any call reaches the API.
        refused = await verification.submit(bob, api, adult.id, right(adult))
    assert refused.outcome is Outcome.LOCKED and refused.results == {} and refused.attempts_left == 0
    assert transport.verify_calls == 3
    assert verification.lock_state(alice, adult.id).locked
    assert outcomes(db) == ["failed", "failed", "failed", "locked"]
    actions = [action for action, _ in audit_actions(db)]
    assert actions == ["verification.attempt"] * 3 + ["verification.lock", "verification.attempt"]


class Gate:
    """Holds every verify call until `expected` calls are out, so two submissions really overlap."""

    def __init__(self, api: AdminClient, expected: int) -> None:
        self._api = api
        self._expected = expected
        self._out = 0
        self._all_out = asyncio.Event()

    async def lookup_user(self, **given: str) -> UserSummary:
        return await self._api.lookup_user(**given)

    async def verify(self, user_id: str, claims: VerifyClaims) -> VerifyResult:
        self._out += 1
        if self._out == self._expected:
            self._all_out.set()
        await self._all_out.wait()
        return await self._api.verify(user_id, claims)


async def test_two_agents_at_once_cannot_pass_the_limit(
    db: Database, transport: CountingTransport, adult: StoredUser
) -> None:
    alice, bob = context(db, "alice"), context(db, "bob")
    async with sandbox_client(transport) as api:
        await verification.submit(alice, api, adult.id, wrong(adult))
        await verification.submit(bob, api, adult.id, wrong(adult))
        gate = Gate(api, expected=2)
        results = await asyncio.gather(
            verification.submit(alice, gate, adult.id, wrong(adult)),
            verification.submit(bob, gate, adult.id, wrong(adult)),
        )
    # Both calls went out before either was recorded: the first to record locks the account, and the other
    # finds the lock when it records, so its answer is withheld and no fourth failure is counted.
    assert transport.verify_calls == 4
    assert sorted(r.outcome for r in results) == [Outcome.FAILED, Outcome.LOCKED]
    assert [r.locked for r in results] == [True, True]
    assert outcomes(db) == ["failed", "failed", "failed", "locked"]
    assert [action for action, _ in audit_actions(db)].count("verification.lock") == 1


async def test_a_rate_limited_call_is_not_counted(
    db: Database, transport: CountingTransport, adult: StoredUser
) -> None:
    ctx = context(db, "alice")
    transport.rate_limited = True
    async with sandbox_client(transport) as api:
        for _ in range(4):
            with pytest.raises(verification.RateLimitedTryLater, match="rate limited, try later"):
                await verification.submit(ctx, api, adult.id, wrong(adult))
        transport.rate_limited = False
        result = await verification.submit(ctx, api, adult.id, right(adult))
    assert result.outcome is Outcome.VERIFIED
    assert outcomes(db) == ["verified"]
    assert [action for action, _ in audit_actions(db)] == ["verification.rate_limited"] * 4 + ["verification.attempt"]


async def test_the_sandbox_rate_limit_reaches_the_agent_uncounted(
    db: Database, transport: CountingTransport, adult: StoredUser
) -> None:
    """The real sandbox allows 10 verify calls per account per hour; the 11th is a 429, not a failure."""
    ctx = context(db, "alice")
    async with sandbox_client(transport) as api:
        for _ in range(10):
            assert (await verification.submit(ctx, api, adult.id, right(adult))).outcome is Outcome.VERIFIED
        with pytest.raises(verification.RateLimitedTryLater):
            await verification.submit(ctx, api, adult.id, wrong(adult))
    assert verification.lock_state(ctx, adult.id).failures == 0


async def test_a_supervisor_unlocks_with_a_reason(
    db: Database, transport: CountingTransport, adult: StoredUser
) -> None:
    alice, sam = context(db, "alice"), context(db, "sam", role="supervisor")
    async with sandbox_client(transport) as api:
        for _ in range(3):
            await verification.submit(alice, api, adult.id, wrong(adult))
        with pytest.raises(PermissionDenied):
            verification.unlock(alice, adult.id, "I know the caller")
        with pytest.raises(Refused, match="reason"):
            verification.unlock(sam, adult.id, "   ")
        state = verification.unlock(sam, adult.id, "caller proved identity in person")
        assert not state.locked and state.attempts_left == 3
        with pytest.raises(Refused, match="not locked"):
            verification.unlock(sam, adult.id, "again")
        result = await verification.submit(alice, api, adult.id, right(adult))
    assert result.outcome is Outcome.VERIFIED
    assert transport.verify_calls == 4
    unlock = [details for action, details in audit_actions(db) if action == "verification.unlock"]
    assert len(unlock) == 1 and unlock[0]["reason"] == "caller proved identity in person"


# --- the policy over every combination of stated fields and answers, through the service -----------------------


class Answers:
    """A verify endpoint that answers what the test says, for any account."""

    def __init__(self) -> None:
        self.answer: dict[Field, FieldResult] = {}

    async def lookup_user(self, **given: str) -> UserSummary:
        raise AssertionError("not used")

    async def verify(self, user_id: str, claims: VerifyClaims) -> VerifyResult:
        stated = claims.model_dump(exclude_none=True)
        return VerifyResult(user_id=user_id, **{f.value: self.answer[f].value for f in Field if f.value in stated})


SAMPLE = {E: "zhang.san@qq.com", U: "xiaozhang", B: "1990-05-17", G: "女"}
combinations = st.sets(st.sampled_from(list(Field)), min_size=3).flatmap(
    lambda stated: st.fixed_dictionaries({f: st.sampled_from(list(FieldResult)) for f in stated})
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=combinations)
def test_policy_over_field_combinations(sqlite_url: str, answer: dict[Field, FieldResult]) -> None:
    db = Database(sqlite_url)
    ctx = context(db, "alice")
    api = Answers()
    api.answer = answer
    stated = {f: SAMPLE[f] for f in answer}
    account = f"usr_{uuid.uuid4().hex[:8]}"
    if not answer.keys() & {E, U}:
        with pytest.raises(verification.ClaimsRefused):
            asyncio.run(verification.submit(ctx, api, account, stated))
        db.dispose()
        return
    result = asyncio.run(verification.submit(ctx, api, account, stated))
    db.dispose()
    matched = {f for f, r in answer.items() if r is FieldResult.MATCH}
    mismatched = tuple(f for f in Field if answer.get(f) is FieldResult.MISMATCH)
    verified = not mismatched and len(matched) >= 3 and bool(matched & {E, U})
    assert result.outcome is (Outcome.VERIFIED if verified else Outcome.FAILED)
    assert result.results == answer
    assert result.mismatched == mismatched
    assert result.attempts_left == (3 if verified else 2)
    if matched <= {G, B}:
        assert result.outcome is Outcome.FAILED, "gender and birthday alone never identify an account"
