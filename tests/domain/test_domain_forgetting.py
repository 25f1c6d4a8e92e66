"""The suppression hash: keyed, domain-separated by kind, and blind to how a contact is spelt."""

from __future__ import annotations

from lifer_desk.domain.forgetting import SuppressedKind, normalise, suppression_digest

KEY = bytes(range(32))
A, C = SuppressedKind.ACCOUNT, SuppressedKind.CONTACT


def test_a_contact_matches_however_it_is_spelt() -> None:
    assert normalise(C, "  Mei.Lin@Example.COM ") == "mei.lin@example.com"
    assert suppression_digest(KEY, C, "+86 139 5555 0101") == suppression_digest(KEY, C, "+8613955550101")
    assert suppression_digest(KEY, C, "MEI@qq.com") == suppression_digest(KEY, C, "mei@qq.com")


def test_an_account_id_is_compared_as_given_and_never_as_a_contact() -> None:
    assert normalise(A, " u-0001 ") == "u-0001"
    assert suppression_digest(KEY, A, "U-0001") != suppression_digest(KEY, A, "u-0001")
    assert suppression_digest(KEY, A, "u-0001") != suppression_digest(KEY, C, "u-0001")


def test_the_digest_depends_on_the_key_and_never_shows_the_value() -> None:
    digest = suppression_digest(KEY, C, "mei@qq.com")
    assert len(digest) == 64 and "mei" not in digest
    assert suppression_digest(bytes(32), C, "mei@qq.com") != digest
