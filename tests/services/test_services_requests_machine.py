"""A hypothesis state machine over the request services, against a model of what each request should be.

Whatever order raising, approving (by anyone), tampering with the row in the database, letting time pass,
sweeping expiries and checking for execution come in, the services refuse self-approval, an agent approving,
an approval past its window, and a payload changed since approval, and every request's state is the model's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from lifer_desk.domain.identity import Field
from lifer_desk.domain.requests import DeletionScope, Expiry, RequestState
from lifer_desk.services import requests
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import PermissionDenied, Refused
from lifer_desk.services.request_views import get_request
from lifer_desk.store.db import Database
from tests.request_support import Clock, context, open_ticket, record_verified, tamper

S = RequestState
EXPIRY = Expiry()
ROLES = {"alice": "agent", "bob": "agent", "sam": "supervisor", "sue": "supervisor"}


ACCOUNTS = count()


@dataclass
class Model:
    id: int
    requested_by: str
    state: RequestState
    since: datetime
    approved_hash: str | None = None
    tampered: bool = False


def machine(db: Database) -> type[RuleBasedStateMachine]:
    class RequestMachine(RuleBasedStateMachine):
        made = Bundle("requests")

        def __init__(self) -> None:
            super().__init__()
            self.clock = Clock()
            self.ctx: dict[str, DeskContext] = {
                name: context(db, self.clock, name, role) for name, role in ROLES.items()
            }
            self.model: dict[int, Model] = {}

        def stale(self, m: Model) -> bool:
            return EXPIRY.is_expired(m.state, m.since, self.clock.now)

        @rule(target=made, by=st.sampled_from(["alice", "sam"]), what=st.sampled_from(["delete", "email", "gender"]))
        def raise_request(self, by: str, what: str) -> int:
            ctx = self.ctx[by]
            # An account each, across examples too (they share the database): a request overlapping one still
            # open on its account is refused, which test_services_requests tests apart.
            account = f"usr_machine_{next(ACCOUNTS)}"
            ticket_id = open_ticket(ctx, account)
            record_verified(ctx, ticket_id, account)
            if what == "delete":
                view = requests.raise_deletion(ctx, ticket_id, DeletionScope.ACCOUNT, etag='"e1"')
            else:
                new = {Field.EMAIL: "new@example.com"} if what == "email" else {Field.GENDER: "female"}
                view = requests.raise_correction(ctx, ticket_id, new, etag='"e1"')
            expected = S.APPROVED if what == "gender" else S.AWAITING_APPROVAL
            assert view.state is expected
            self.model[view.id] = Model(
                view.id, by, expected, self.clock.now, view.payload_hash if expected is S.APPROVED else None
            )
            return view.id

        @rule(request_id=made, by=st.sampled_from(sorted(ROLES)))
        def approve(self, request_id: int, by: str) -> None:
            m = self.model[request_id]
            try:
                view = requests.approve(self.ctx[by], request_id)
            except PermissionDenied:
                assert ROLES[by] == "agent" or by == m.requested_by
                return
            except Refused:
                assert ROLES[by] == "supervisor" and by != m.requested_by
                assert m.state is not S.AWAITING_APPROVAL or self.stale(m)
                return
            assert ROLES[by] == "supervisor" and by != m.requested_by, "an agent or the requester approved"
            assert m.state is S.AWAITING_APPROVAL and not self.stale(m)
            m.state, m.since, m.approved_hash = S.APPROVED, self.clock.now, view.payload_hash

        @rule(request_id=made)
        def tamper_with_payload(self, request_id: int) -> None:
            # After approval: before it, the supervisor approves what the row says, whatever wrote it.
            if self.model[request_id].state is not S.APPROVED or self.model[request_id].tampered:
                return
            view = get_request(self.ctx["sam"], request_id).request
            assert view.payload is not None
            changed = dataclasses.replace(view.payload, etag='"forged"')
            assert changed.hash != view.payload_hash
            tamper(db, request_id, payload=changed.to_json(), payload_hash=changed.hash)
            self.model[request_id].tampered = True
            # Checked at once too, so a short run cannot miss the refusal the tampering must cause.
            self.check_before_execution(request_id)

        @rule(hours=st.sampled_from([1, 12, 23, 25, 73]))
        def time_passes(self, hours: int) -> None:
            self.clock.advance(timedelta(hours=hours))

        @rule()
        def sweep(self) -> None:
            expired = set(requests.expire_due(self.ctx["sam"]))
            due = {m.id for m in self.model.values() if self.stale(m)}
            # Requests of earlier examples share the database: only this example's are compared.
            assert expired & set(self.model) == due
            for request_id in due:
                self.model[request_id].state, self.model[request_id].since = S.EXPIRED, self.clock.now

        @rule(request_id=made)
        def check_before_execution(self, request_id: int) -> None:
            m = self.model[request_id]
            try:
                payload = requests.assert_executable(self.ctx["sam"], request_id)
            except requests.ApprovalExpired:
                assert m.state is S.APPROVED and self.stale(m)
            except requests.ChangedSinceApproval:
                assert m.state is S.APPROVED and not self.stale(m) and m.tampered
            except Refused:
                assert m.state is not S.APPROVED
            else:
                assert m.state is S.APPROVED and not self.stale(m) and not m.tampered, "executable when it is not"
                assert payload.hash == m.approved_hash

        @invariant()
        def states_match_the_model(self) -> None:
            for m in self.model.values():
                assert get_request(self.ctx["sam"], m.id).request.state is m.state

    return RequestMachine


def test_the_services_refuse_what_four_eyes_forbids(db: Database) -> None:
    # A smaller budget on PostgreSQL, where each transaction costs a round trip.
    examples = 40 if db.is_sqlite else 8
    run_state_machine_as_test(
        machine(db),
        settings=settings(
            max_examples=examples,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
