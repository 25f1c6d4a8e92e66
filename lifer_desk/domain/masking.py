"""Masked display of registration data and contacts (DESIGN section 4: never shown raw to an agent).

A masked value shows at most its first character, then a fixed "***" so that the length of the
value is not revealed either; an email also keeps its domain. A value of one character, or one that
starts with "*", shows as "***" alone, which also makes masking an already-masked value a no-op.
"""

from __future__ import annotations

import unicodedata

from lifer_desk.domain.text_safety import one_line

MASK = "***"


def mask_fragment(value: str) -> str:
    """First character and "***"; "***" alone when that character would give away too much."""
    value = value.strip()
    if not value:
        return ""
    first = value[0]
    if len(value) < 2 or first == "*" or not first.isprintable():
        return MASK
    return first + MASK


def mask_username(value: str) -> str:
    return mask_fragment(value)


def mask_name(value: str) -> str:
    # For a Chinese name this keeps the surname (张***), which is how masked names are usually shown.
    return mask_fragment(value)


def mask_email(value: str) -> str:
    """`jane.doe@qq.com` -> `j***@qq.com`; something without a domain is masked like a username."""
    local, at, domain = value.strip().rpartition("@")
    domain = domain.strip()
    if not at or not domain:
        return mask_fragment(value)
    return f"{mask_fragment(local) or MASK}@{one_line(domain).lower()}"


def mask_contact(value: str) -> str:
    """Mask a requester contact as given: an email keeps its domain, anything else (phone, name) does not.

    NFKC first, so that an address typed with a full-width "＠" on a Chinese keyboard is seen as an email.
    """
    value = unicodedata.normalize("NFKC", value)
    return mask_email(value) if "@" in value else mask_fragment(value)
