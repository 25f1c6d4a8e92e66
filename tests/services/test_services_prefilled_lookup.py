"""How a ticket's requester contact prefills the account lookup (issue 13 item 9)."""

from __future__ import annotations

import pytest

from lifer_desk.services.accounts import LookupKind, prefilled_lookup


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        ("Wu.Gang126@foxmail.com", (LookupKind.EMAIL, "Wu.Gang126@foxmail.com")),
        ("xiaozhang", (LookupKind.USERNAME, "xiaozhang")),
        ("+86 138 0000 0000", (LookupKind.EMAIL, "")),
        ("13800000000", (LookupKind.EMAIL, "")),
        ("", (LookupKind.EMAIL, "")),
    ],
)
def test_the_lookup_is_chosen_by_the_contacts_form(contact: str, expected: tuple[LookupKind, str]) -> None:
    assert prefilled_lookup(contact) == expected
