from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifer_desk.domain.identity import (
    Claims,
    Field,
    FieldResult,
    Gender,
    InsufficientClaims,
    Outcome,
    VerificationPolicy,
    check_stated,
    evaluate,
    failures_in_window,
    is_verification_current,
    verification_expires_at,
)

DEFAULT = VerificationPolicy()
M, X, A = FieldResult.MATCH, FieldResult.MISMATCH, FieldResult.ABSENT
E, U, B, G = Field.EMAIL, Field.USERNAME, Field.BIRTHDAY, Field.GENDER

results_strategy = st.dictionaries(st.sampled_from(list(Field)), st.sampled_from(list(FieldResult)))
policy_strategy = st.builds(
    VerificationPolicy,
    min_fields=st.integers(min_value=1, max_value=3),
    identifying_fields=st.sampled_from([frozenset({E, U}), frozenset({E}), frozenset({U}), frozenset({E, B})]),
    uncounted_fields=st.sampled_from([frozenset({G}), frozenset()]),
)


def test_default_policy_verifies_email_username_birthday() -> None:
    decision = evaluate(DEFAULT, {E: "match", U: "match", B: "match"})
    assert decision.outcome is Outcome.VERIFIED
    assert decision.matched == (E, U, B)
    assert decision.mismatched == ()
    assert "email, username, birthday matched" in decision.explanation


def test_gender_counts_towards_the_default_minimum() -> None:
    assert evaluate(DEFAULT, {E: M, B: M, G: M}).outcome is Outcome.VERIFIED


def test_a_stricter_policy_need_not_count_gender() -> None:
    decision = evaluate(VerificationPolicy(uncounted_fields=frozenset({G})), {E: M, B: M, G: M})
    assert decision.outcome is Outcome.FAILED
    assert "only email, birthday, gender matched" in decision.explanation
    assert "gender checked but not counted" in decision.explanation


def test_a_gender_mismatch_still_fails() -> None:
    decision = evaluate(DEFAULT, {E: M, U: M, B: M, G: X})
    assert decision.outcome is Outcome.FAILED
    assert decision.mismatched == (G,)


def test_mismatch_is_named_for_the_agent_with_a_reminder() -> None:
    decision = evaluate(DEFAULT, {E: M, U: X, B: X, G: M})
    assert decision.outcome is Outcome.FAILED
    assert decision.mismatched == (U, B)
    assert "username, birthday did not match" in decision.explanation
    assert "Do not tell the caller" in decision.explanation


def test_absent_is_not_a_match() -> None:
    decision = evaluate(DEFAULT, {E: M, U: M, B: A})
    assert decision.outcome is Outcome.FAILED
    assert decision.mismatched == ()
    assert "the policy needs at least 3 matching fields" in decision.explanation


def test_an_identifying_field_must_match() -> None:
    policy = VerificationPolicy(min_fields=2, identifying_fields=frozenset({E}), uncounted_fields=frozenset())
    decision = evaluate(policy, {U: M, B: M, G: M})
    assert decision.outcome is Outcome.FAILED
    assert "neither of email matched" in decision.explanation


def test_results_may_be_plain_strings_but_not_unknown_ones() -> None:
    assert evaluate(DEFAULT, {"email": "match", "username": "match", "birthday": "match"}).outcome is Outcome.VERIFIED
    with pytest.raises(ValueError):
        evaluate(DEFAULT, {E: "maybe"})


@given(policy_strategy, results_strategy)
def test_any_mismatch_is_never_verified(policy: VerificationPolicy, results: dict[Field, FieldResult]) -> None:
    decision = evaluate(policy, results)
    if X in results.values():
        assert decision.outcome is Outcome.FAILED
        assert set(decision.mismatched) == {f for f, r in results.items() if r is X}


@given(policy_strategy, st.sampled_from(list(FieldResult)), st.sampled_from([A, None]))
def test_gender_alone_never_verifies(
    policy: VerificationPolicy, gender: FieldResult, others: FieldResult | None
) -> None:
    results = {G: gender} | ({} if others is None else {E: others, U: others, B: others})
    assert evaluate(policy, results).outcome is Outcome.FAILED


@given(policy_strategy, results_strategy)
def test_verified_exactly_when_the_policy_holds(policy: VerificationPolicy, results: dict[Field, FieldResult]) -> None:
    matched = {f for f, r in results.items() if r is M}
    expected = (
        X not in results.values()
        and len(matched - policy.uncounted_fields) >= policy.min_fields
        and bool(matched & policy.identifying_fields)
    )
    assert (evaluate(policy, results).outcome is Outcome.VERIFIED) == expected


@given(policy_strategy, st.sets(st.sampled_from(list(Field))))
def test_check_stated_refuses_what_could_never_verify(policy: VerificationPolicy, stated: set[Field]) -> None:
    claims = Claims(
        email="a@b.cn" if E in stated else None,
        username="u" if U in stated else None,
        birthday=date(1990, 1, 1) if B in stated else None,
        gender=Gender.MALE if G in stated else None,
    )
    all_match = evaluate(policy, dict.fromkeys(stated, M)).outcome is Outcome.VERIFIED
    try:
        check_stated(policy, claims)
    except InsufficientClaims:
        assert not all_match
    else:
        assert all_match


def test_check_stated_messages() -> None:
    with pytest.raises(InsufficientClaims, match=r"Too few fields stated \(email, gender\)"):
        check_stated(DEFAULT, Claims(email="a@b.cn", gender=Gender.FEMALE))
    with pytest.raises(InsufficientClaims, match=r"Too few fields stated \(none\)"):
        check_stated(DEFAULT, Claims())
    policy = VerificationPolicy(min_fields=2, uncounted_fields=frozenset())
    with pytest.raises(InsufficientClaims, match="State one of email, username as well"):
        check_stated(policy, Claims(birthday=date(1990, 1, 1), gender=Gender.MALE))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_fields": 0}, "min_fields must be between 1 and 4"),
        ({"min_fields": 5}, "min_fields must be between 1 and 4"),
        ({"min_fields": 4, "uncounted_fields": frozenset({G})}, "min_fields must be between 1 and 3"),
        ({"identifying_fields": frozenset()}, "at least one field"),
        ({"identifying_fields": frozenset({G}), "uncounted_fields": frozenset()}, "gender cannot identify"),
        ({"identifying_fields": frozenset({B}), "uncounted_fields": frozenset({B})}, "must count"),
    ],
)
def test_policy_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VerificationPolicy(**kwargs)  # type: ignore[arg-type]


T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_failures_count_within_a_day_and_after_the_last_unlock() -> None:
    failures = [T0, T0 + 10 * H, T0 + 23 * H]
    assert failures_in_window(failures, T0 + 23 * H) == 3
    assert failures_in_window(failures, T0 + 24 * H) == 2  # the first is 24 h old: out of the window
    assert failures_in_window(failures, T0 + 100 * H) == 0
    assert failures_in_window(failures, T0 + 23 * H, unlocked_at=T0 + 10 * H) == 1
    assert failures_in_window(failures, T0 + 9 * H) == 1, "a failure after `now` is not counted"


@given(st.lists(st.integers(min_value=0, max_value=200), max_size=8), st.integers(min_value=0, max_value=200))
def test_the_window_count_is_the_failures_of_the_last_day(hours: list[int], now_hour: int) -> None:
    now = T0 + now_hour * H
    expected = sum(1 for h in hours if now_hour - 24 < h <= now_hour)
    assert failures_in_window([T0 + h * H for h in hours], now) == expected


def test_verified_state_expires_after_its_ttl() -> None:
    expires = verification_expires_at(T0)
    assert expires == T0 + 24 * H
    assert verification_expires_at(T0, 2 * H) == T0 + 2 * H
    assert is_verification_current(T0, expires, T0)
    assert is_verification_current(T0, expires, T0 + 24 * H - timedelta(seconds=1))
    assert not is_verification_current(T0, expires, T0 + 24 * H)
    assert not is_verification_current(T0, expires, T0 - H)


def test_lock_and_expiry_refuse_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_verification_current(T0, T0 + H, datetime(2025, 6, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        failures_in_window([T0], datetime(2025, 6, 1))
