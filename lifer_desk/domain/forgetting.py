"""What forgetting a person means, in pure terms (issue 9 item 6): the marker that replaces their words, and
the keyed hash that recognises them later without the desk keeping who they were.

A suppression stores HMAC-SHA256(key, kind, normalised value) for the account id and for each contact the
person wrote from. Keyed, so that the stored digests cannot be matched against a table of hashed addresses
made elsewhere, nor against another desk's suppressions; the key is the desk database's own (see
`store.suppression`).
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

# Stored in place of what the person wrote, on every database, whatever the agent's language: it is data,
# not interface text, and the desk translates it where it is shown.
REDACTED = "[redacted]"


class SuppressedKind(StrEnum):
    ACCOUNT = "account"
    CONTACT = "contact"


def normalise(kind: SuppressedKind, value: str) -> str:
    """The form that is hashed: an account id as given (trimmed); a contact case-folded without whitespace,
    so that `Jane@QQ.com` and `+86 138 0000 0000` match how the same person writes them next time."""
    if kind is SuppressedKind.ACCOUNT:
        return value.strip()
    return "".join(value.split()).casefold()


def suppression_digest(key: bytes, kind: SuppressedKind, value: str) -> str:
    """Hex HMAC-SHA256 of the normalised value, domain-separated by kind (an id never matches a contact)."""
    message = f"{kind}\x00{normalise(kind, value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
