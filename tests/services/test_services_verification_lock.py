"""The attempt limit: a lock reached by two agents, simultaneous attempts held to the attempts left, a killed desk's
reservation, 429s and outages, unlock; the policy by hypothesis."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from lifer_desk.admin_api import AdminApi, AdminClient, Unavailable
from lifer_desk.config import Settings
from lifer_desk.domain.identity import Field, FieldResult, Outcome
from lifer_desk.services import verification, verification_locks
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import PermissionDenied, Refused
from lifer_desk.store import verifications as store
from lifer_desk.store.db import Database
from lifer_desk.store.models import AuditEvent, Verification
from tests.agent_support import enrol
from tests.fakes.admin_api import FakeAdminApi, with_admin
from tests.verification_support import (
    ADULT_WITH_GENDER,
    CountingTransport,
    StoredUser,
    stored_user,
)

E, U, B, G = Field.EMAIL, Field.USERNAME, Field.BIRTHDAY, Field.GENDER

# The sandbox fixtures (transport, over the shared sandbox_db).
pytest_plugins = ["tests.verification_fixtures"]

ACCOUNT_ID = "usr_race"
TESTS = Path(__file__).parents[1]
T0 = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)


def context(api: AdminApi, db: Database, agent: str, role: str = "agent") -> DeskContext:
    enrol(db, agent, role)
    return with_admin(DeskContext(db, Settings(database_url=db.url), agent, role), api)


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
    db: Database, transport: CountingTransport, api: AdminClient, adult: StoredUser
) -> None:
    alice, bob = context(api, db, "alice"), context(api, db, "bob")
    first = await verification.submit(alice, adult.id, wrong(adult))
    second = await verification.submit(bob, adult.id, wrong(adult))
    third = await verification.submit(alice, adult.id, wrong(adult))
    assert [r.attempts_left for r in (first, second, third)] == [2, 1, 0]
    assert third.outcome is Outcome.FAILED and third.locked
    assert "A supervisor can unlock it" in third.explanation
    # Locked: even the right answers are refused before any call reaches the API.
    refused = await verification.submit(bob, adult.id, right(adult))
    assert refused.outcome is Outcome.LOCKED and refused.results == {} and refused.attempts_left == 0
    assert transport.verify_calls == 3
    assert verification_locks.lock_state(alice, adult.id).locked
    assert outcomes(db) == ["failed", "failed", "failed", "locked"]
    actions = [action for action, _ in audit_actions(db)]
    assert actions == ["verification.attempt"] * 3 + ["verification.lock", "verification.attempt"]


STATED = {E: "zhang.san@qq.com", U: "xiaozhang", B: "1990-05-17"}
WRONG_BIRTHDAY = {"email": "match", "username": "match", "birthday": "mismatch"}


class Arrivals:
    """Holds every verify call until each of `expected` submitters has either called verify or been refused, so
    that every submission reads the attempt count while the others' calls are out, whatever the scheduling."""

    def __init__(self, expected: int) -> None:
        self._expected = expected
        self._arrived = 0
        self._all = asyncio.Event()

    def arrive(self) -> None:
        self._arrived += 1
        if self._arrived == self._expected:
            self._all.set()

    async def hold(self) -> None:
        self.arrive()
        # Only a guard against a hang: with a broken service the test fails on its assertions, not here.
        await asyncio.wait_for(self._all.wait(), timeout=60)


async def all_at_once(api: FakeAdminApi, agents: list[DeskContext]) -> list[verification.VerificationResult | Refused]:
    """Every agent submits at the same moment; each gets an answer or a refusal."""
    arrivals = Arrivals(len(agents))
    api.hold = arrivals.hold

    async def attempt(ctx: DeskContext) -> verification.VerificationResult | Refused:
        try:
            return await verification.submit(ctx, ACCOUNT_ID, STATED)
        except Refused as refused:
            arrivals.arrive()
            return refused

    return list(await asyncio.gather(*(attempt(ctx) for ctx in agents)))


async def test_simultaneous_attempts_send_no_more_verify_calls_than_attempts_left(db: Database) -> None:
    """Issue 12 item 5: with two failures on record, five agents pressing verify at once made five verify
    calls; the limit allows one. On SQLite and PostgreSQL (the `db` fixture runs both)."""
    api = FakeAdminApi()
    api.answer = WRONG_BIRTHDAY
    agents = [context(api, db, f"agent{n}") for n in range(5)]
    for ctx in agents[:2]:
        await verification.submit(ctx, ACCOUNT_ID, STATED)
    results = await all_at_once(api, agents)
    assert api.verify_calls == 3  # the two on record and one of the five
    answered = [r for r in results if isinstance(r, verification.VerificationResult)]
    refused = [str(r) for r in results if isinstance(r, Refused)]
    assert [(r.outcome, r.locked) for r in answered] == [(Outcome.FAILED, True)]
    assert refused == ["another verification of this account is under way: try again in a moment"] * 4
    assert outcomes(db) == ["failed", "failed", "failed"]
    assert [action for action, _ in audit_actions(db)].count("verification.lock") == 1


async def test_with_no_failures_three_calls_may_be_out_at_once_and_no_fourth(db: Database) -> None:
    api = FakeAdminApi()
    api.answer = WRONG_BIRTHDAY
    agents = [context(api, db, f"agent{n}") for n in range(4)]
    results = await all_at_once(api, agents)
    assert api.verify_calls == 3
    assert sum(isinstance(r, Refused) for r in results) == 1
    assert outcomes(db) == ["failed", "failed", "failed"]
    assert verification_locks.lock_state(agents[0], ACCOUNT_ID).locked


def at(db: Database, api: FakeAdminApi, agent: str, when: datetime) -> DeskContext:
    return replace(context(api, db, agent), clock=lambda: when)


def reservation_left_by_a_dead_desk(db: Database, when: datetime) -> None:
    """What a desk killed between reserving an attempt and settling it leaves behind (see the test above)."""
    with db.write() as session:
        store.add_attempt(
            session,
            ticket_id=None,
            account_id=ACCOUNT_ID,
            agent="crashed",
            fields_stated=["birthday", "email", "username"],
            results={},
            outcome=store.PENDING,
            attempt=3,
            at=when,
            expires_at=None,
        )


# A desk whose verify call never returns: it says so once the call is out, and waits to be killed.
DOOMED_DESK = """
import asyncio, sys
from tests.agent_support import enrol
from tests.fakes.admin_api import FakeAdminApi, with_admin
from lifer_desk.config import Settings
from lifer_desk.domain.identity import Field
from lifer_desk.services import verification
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database


async def main() -> None:
    db = Database(sys.argv[1])
    api = FakeAdminApi()

    async def out_for_ever() -> None:
        print("verify call out", flush=True)
        await asyncio.Event().wait()

    api.hold = out_for_ever
    enrol(db, "doomed")
    ctx = with_admin(DeskContext(db, Settings(database_url=db.url), "doomed", "agent"), api)
    stated = {Field.EMAIL: "zhang.san@qq.com", Field.USERNAME: "xiaozhang", Field.BIRTHDAY: "1990-05-17"}
    await verification.submit(ctx, sys.argv[2], stated)

asyncio.run(main())
"""


def kill_a_desk_mid_call(db: Database) -> None:
    """Run a desk in another process until its verify call is out, then kill -9 it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), os.environ.get("PYTHONPATH", "")])}
    desk = subprocess.Popen(
        [sys.executable, "-c", DOOMED_DESK, db.url, ACCOUNT_ID], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert desk.stdout is not None
        assert desk.stdout.readline().strip() == "verify call out"
    finally:
        desk.send_signal(signal.SIGKILL)
        desk.wait()


async def test_a_desk_killed_mid_call_holds_calls_off_then_counts_as_a_failure(db: Database) -> None:
    api = FakeAdminApi()
    api.answer = WRONG_BIRTHDAY
    for agent in ("alice", "bob"):
        await verification.submit(context(api, db, agent), ACCOUNT_ID, STATED)
    kill_a_desk_mid_call(db)
    assert outcomes(db) == ["failed", "failed", "pending"]
    # While the dead desk's call could still be out, no other call goes out: it may have been the third failure.
    with pytest.raises(verification.AttemptUnderWay):
        await verification.submit(context(api, db, "carol"), ACCOUNT_ID, STATED)
    assert api.verify_calls == 2
    # Later it is settled as interrupted, a failure: killing desks buys no extra calls, and locks nothing for ever.
    later = at(db, api, "carol", datetime.now(UTC) + verification_locks.RESERVATION_TTL + timedelta(seconds=1))
    result = await verification.submit(later, ACCOUNT_ID, STATED)
    assert result.outcome is Outcome.LOCKED and api.verify_calls == 2
    assert outcomes(db) == ["failed", "failed", "interrupted", "locked"]
    actions = [(action, details.get("outcome")) for action, details in audit_actions(db)]
    assert actions[2:] == [
        ("verification.attempt", "interrupted"),
        ("verification.lock", None),
        ("verification.attempt", "locked"),
    ]


async def test_a_stale_reservation_does_not_lock_an_account_with_attempts_left(db: Database) -> None:
    api = FakeAdminApi()
    api.answer = {"email": "match", "username": "match", "birthday": "match"}
    reservation_left_by_a_dead_desk(db, T0)
    result = await verification.submit(at(db, api, "alice", T0 + timedelta(hours=1)), ACCOUNT_ID, STATED)
    assert result.outcome is Outcome.VERIFIED and result.attempts_left == 2
    assert outcomes(db) == ["interrupted", "verified"]


async def test_a_call_that_gets_no_answer_withdraws_its_reservation(db: Database) -> None:
    api = FakeAdminApi()
    api.answer = WRONG_BIRTHDAY
    api.error = Unavailable(503, "Admin API unreachable", "POST /v1/users/usr_race/verify: ConnectError")
    for agent in ("alice", "bob", "carol", "dave"):
        with pytest.raises(Unavailable):
            await verification.submit(context(api, db, agent), ACCOUNT_ID, STATED)
    assert outcomes(db) == []  # nothing left pending, nothing counted
    api.error = None
    result = await verification.submit(context(api, db, "alice"), ACCOUNT_ID, STATED)
    assert result.outcome is Outcome.FAILED and result.attempts_left == 2


async def test_a_rate_limited_call_is_not_counted(
    db: Database, transport: CountingTransport, api: AdminClient, adult: StoredUser
) -> None:
    ctx = context(api, db, "alice")
    transport.rate_limited = True
    for _ in range(4):
        with pytest.raises(verification.RateLimitedTryLater, match="rate limited, try later"):
            await verification.submit(ctx, adult.id, wrong(adult))
    transport.rate_limited = False
    result = await verification.submit(ctx, adult.id, right(adult))
    assert result.outcome is Outcome.VERIFIED
    assert outcomes(db) == ["verified"]
    assert [action for action, _ in audit_actions(db)] == ["verification.rate_limited"] * 4 + ["verification.attempt"]


async def test_the_sandbox_rate_limit_reaches_the_agent_uncounted(
    db: Database, transport: CountingTransport, api: AdminClient, adult: StoredUser
) -> None:
    """The real sandbox allows 10 verify calls per account per hour; the 11th is a 429, not a failure."""
    ctx = context(api, db, "alice")
    for _ in range(10):
        assert (await verification.submit(ctx, adult.id, right(adult))).outcome is Outcome.VERIFIED
    with pytest.raises(verification.RateLimitedTryLater):
        await verification.submit(ctx, adult.id, wrong(adult))
    assert verification_locks.lock_state(ctx, adult.id).failures == 0


async def test_a_supervisor_unlocks_with_a_reason(
    db: Database, transport: CountingTransport, api: AdminClient, adult: StoredUser
) -> None:
    alice, sam = context(api, db, "alice"), context(api, db, "sam", role="supervisor")
    for _ in range(3):
        await verification.submit(alice, adult.id, wrong(adult))
    with pytest.raises(PermissionDenied):
        verification_locks.unlock(alice, adult.id, "I know the caller")
    with pytest.raises(Refused, match="reason"):
        verification_locks.unlock(sam, adult.id, "   ")
    state = verification_locks.unlock(sam, adult.id, "caller proved identity in person")
    assert not state.locked and state.attempts_left == 3
    with pytest.raises(Refused, match="not locked"):
        verification_locks.unlock(sam, adult.id, "again")
    result = await verification.submit(alice, adult.id, right(adult))
    assert result.outcome is Outcome.VERIFIED
    assert transport.verify_calls == 4
    unlock = [details for action, details in audit_actions(db) if action == "verification.unlock"]
    assert len(unlock) == 1 and unlock[0]["reason"] == "caller proved identity in person"


# --- the policy over every combination of stated fields and answers, through the service -----------------------


SAMPLE = {E: "zhang.san@qq.com", U: "xiaozhang", B: "1990-05-17", G: "女"}
combinations = st.sets(st.sampled_from(list(Field)), min_size=3).flatmap(
    lambda stated: st.fixed_dictionaries({f: st.sampled_from(list(FieldResult)) for f in stated})
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=combinations)
def test_policy_over_field_combinations(sqlite_url: str, answer: dict[Field, FieldResult]) -> None:
    db = Database(sqlite_url)
    api = FakeAdminApi()
    api.answer = {name.value: result.value for name, result in answer.items()}
    ctx = context(api, db, "alice")
    stated = {f: SAMPLE[f] for f in answer}
    account = f"usr_{uuid.uuid4().hex[:8]}"
    if not answer.keys() & {E, U}:
        with pytest.raises(verification.ClaimsRefused):
            asyncio.run(verification.submit(ctx, account, stated))
        db.dispose()
        return
    result = asyncio.run(verification.submit(ctx, account, stated))
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
