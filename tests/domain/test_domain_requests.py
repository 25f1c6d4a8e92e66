"""The request state machine, who may approve, the expiries and the payload an approval binds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifer_desk.domain.identity import ClaimsInvalid, Field
from lifer_desk.domain.request_payload import (
    PayloadInvalid,
    RequestPayload,
    correction,
    deletion,
    parse_changes,
)
from lifer_desk.domain.requests import (
    FINAL_STATES,
    REQUEST_TRANSITIONS,
    DeletionScope,
    Expiry,
    RequestKind,
    RequestState,
    check_request_transition,
    may_approve,
    needs_approval,
)
from lifer_desk.domain.tickets import TransitionRefused

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_every_state_is_reachable_from_a_draft() -> None:
    seen, frontier = {RequestState.DRAFT}, [RequestState.DRAFT]
    while frontier:
        for target in REQUEST_TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(RequestState)


def test_final_states_are_the_ends_of_a_request() -> None:
    assert {RequestState.COMPLETED, RequestState.REJECTED, RequestState.CANCELLED} == FINAL_STATES


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (RequestState.AWAITING_APPROVAL, RequestState.EXECUTING),  # nothing runs unapproved
        (RequestState.COMPLETED, RequestState.EXECUTING),  # done is done
        (RequestState.EXECUTING, RequestState.CANCELLED),  # too late: it is running
        (RequestState.REJECTED, RequestState.AWAITING_APPROVAL),
    ],
)
def test_refused_transitions_name_what_is_allowed(current: RequestState, target: RequestState) -> None:
    with pytest.raises(TransitionRefused, match=f"from {current} to {target}"):
        check_request_transition(current, target)


@given(st.lists(st.sampled_from(list(RequestState)), max_size=40))
def test_nothing_executes_without_a_fresh_approval(steps: list[RequestState]) -> None:
    """Random walks: every move off the table is refused, and every move into `executing` follows an
    approval given since the request last went back for approval or verification."""
    state, approved = RequestState.DRAFT, False
    for target in steps:
        if target not in REQUEST_TRANSITIONS[state]:
            with pytest.raises(TransitionRefused):
                check_request_transition(state, target)
            continue
        check_request_transition(state, target)
        if target is RequestState.EXECUTING:
            assert approved, f"executing from {state} without an approval"
        if target is RequestState.APPROVED:
            approved = True
        elif target in (RequestState.AWAITING_APPROVAL, RequestState.AWAITING_VERIFICATION, RequestState.EXPIRED):
            approved = False
        state = target


def test_deletions_and_email_or_birthday_corrections_need_four_eyes() -> None:
    assert needs_approval(RequestKind.DELETE)
    assert needs_approval(RequestKind.CORRECT, frozenset({Field.EMAIL}))
    assert needs_approval(RequestKind.CORRECT, frozenset({Field.BIRTHDAY, Field.GENDER}))
    assert not needs_approval(RequestKind.CORRECT, frozenset({Field.USERNAME}))
    assert not needs_approval(RequestKind.CORRECT, frozenset({Field.GENDER}))


def test_only_another_supervisor_approves() -> None:
    assert may_approve(approver="sv1", approver_is_supervisor=True, requested_by="ag1") is None
    assert "other than" in (may_approve(approver="sv1", approver_is_supervisor=True, requested_by="sv1") or "")
    assert "supervisor" in (may_approve(approver="ag2", approver_is_supervisor=False, requested_by="ag1") or "")


def test_two_expiries() -> None:
    expiry = Expiry(approval_wait=timedelta(hours=72), execution_window=timedelta(hours=24))
    assert expiry.expires_at(RequestState.AWAITING_APPROVAL, NOW) == NOW + timedelta(hours=72)
    assert expiry.expires_at(RequestState.APPROVED, NOW) == NOW + timedelta(hours=24)
    assert expiry.expires_at(RequestState.EXECUTING, NOW) is None
    assert not expiry.is_expired(RequestState.APPROVED, NOW, NOW + timedelta(hours=23, minutes=59))
    assert expiry.is_expired(RequestState.APPROVED, NOW, NOW + timedelta(hours=24))


def test_the_hash_is_canonical_and_binds_every_part() -> None:
    one = deletion("u1", 'W/"3"', DeletionScope.IMAGES, ["img-2", "img-1", "img-2"])
    same = deletion("u1", 'W/"3"', DeletionScope.IMAGES, ["img-1", "img-2"])
    assert one == same and one.hash == same.hash
    assert len(one.hash) == 64
    others = [
        deletion("u2", 'W/"3"', DeletionScope.IMAGES, ["img-1", "img-2"]),
        deletion("u1", 'W/"4"', DeletionScope.IMAGES, ["img-1", "img-2"]),
        deletion("u1", 'W/"3"', DeletionScope.IMAGES, ["img-1"]),
        deletion("u1", 'W/"3"', DeletionScope.ACCOUNT),
    ]
    assert len({one.hash, *(other.hash for other in others)}) == 5


def test_a_request_overlaps_an_open_one_asking_for_the_same_data() -> None:
    def fix(**values: str) -> RequestPayload:
        return correction("u1", None, {Field(name): value for name, value in values.items()})

    images = deletion("u1", None, DeletionScope.IMAGES, ["img-1", "img-2"])
    overlapping = [
        (deletion("u1", '"e9"', DeletionScope.ACCOUNT), deletion("u1", None, DeletionScope.ACCOUNT)),
        (deletion("u1", None, DeletionScope.DIARY), deletion("u1", None, DeletionScope.DIARY)),
        (deletion("u1", None, DeletionScope.IMAGES, ["img-2", "img-3"]), images),
        (fix(email="a@example.com", gender="male"), fix(email="b@example.com")),
    ]
    apart = [
        (deletion("u2", None, DeletionScope.ACCOUNT), deletion("u1", None, DeletionScope.ACCOUNT)),
        (deletion("u1", None, DeletionScope.IMAGES, ["img-3"]), images),
        (deletion("u1", None, DeletionScope.DIARY), deletion("u1", None, DeletionScope.PAYMENT_LINKS)),
        # An erasure and a part of the account stand together: the erasure cancels the rest once done.
        (deletion("u1", None, DeletionScope.ACCOUNT), images),
        (images, deletion("u1", None, DeletionScope.ACCOUNT)),
        (fix(email="a@example.com"), fix(username="new_name")),
        (fix(email="a@example.com"), deletion("u1", None, DeletionScope.ACCOUNT)),
    ]
    assert all(new.overlaps(open_one) and open_one.overlaps(new) for new, open_one in overlapping)
    assert not any(new.overlaps(open_one) or open_one.overlaps(new) for new, open_one in apart)


def test_a_stored_payload_reads_back_to_the_same_hash() -> None:
    payload = correction("u1", '"e1"', {Field.GENDER: "female", Field.EMAIL: "new@qq.com"})
    assert RequestPayload.from_json(payload.to_json()).hash == payload.hash
    tampered = payload.to_json().replace("new@qq.com", "evil@qq.com")
    assert RequestPayload.from_json(tampered).hash != payload.hash


@pytest.mark.parametrize("text", ["", "{}", '{"kind": "delete", "account_id": "u1"}', '{"kind": "nuke"}', "[1]"])
def test_a_malformed_stored_payload_is_refused(text: str) -> None:
    with pytest.raises(PayloadInvalid):
        RequestPayload.from_json(text)


def test_payload_shape_is_checked() -> None:
    with pytest.raises(PayloadInvalid):
        deletion("u1", None, DeletionScope.IMAGES)
    with pytest.raises(PayloadInvalid):
        deletion("u1", None, DeletionScope.DIARY, ["img-1"])
    with pytest.raises(PayloadInvalid):
        correction("u1", None, {})


def test_new_values_are_validated_as_typed() -> None:
    today = date(2026, 12, 1)
    assert parse_changes({Field.EMAIL: " New@QQ.com ", Field.BIRTHDAY: "1990年5月17日"}, today=today) == {
        Field.EMAIL: "new@qq.com",
        Field.BIRTHDAY: "1990-05-17",
    }
    with pytest.raises(ClaimsInvalid) as bad:
        parse_changes({Field.EMAIL: "not-an-email", Field.BIRTHDAY: "2030-01-01", Field.GENDER: "x"}, today=today)
    assert set(bad.value.errors) == {Field.EMAIL, Field.BIRTHDAY, Field.GENDER}
    with pytest.raises(ClaimsInvalid) as masked:
        parse_changes({Field.EMAIL: "j***@qq.com"}, today=today)
    assert "masked" in masked.value.errors[Field.EMAIL]
    with pytest.raises(PayloadInvalid):
        parse_changes({Field.EMAIL: "  "}, today=today)
