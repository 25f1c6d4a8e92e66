"""Whether a person the desk has forgotten is coming back in: feedback sync (and intake) ask before they
import anything, so that a completed erasure is not undone by the next sync (issue 9 item 6).

Both checks run in the caller's transaction, so an import and the check it made agree. The digests are
keyed hashes (`domain.forgetting`); nothing here ever stores or logs the values asked about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlmodel import Session

from lifer_desk.domain.forgetting import SuppressedKind, suppression_digest
from lifer_desk.store import suppression as store


def _digests(key: bytes, account_id: str | None, contacts: Iterable[str | None]) -> dict[str, str]:
    wanted = [(SuppressedKind.ACCOUNT, account_id), *((SuppressedKind.CONTACT, contact) for contact in contacts)]
    return {
        suppression_digest(key, kind, value): str(kind) for kind, value in wanted if value is not None and value.strip()
    }


def is_suppressed(session: Session, *, account_id: str | None, contact: str | None) -> bool:
    """True when the account id or the contact (either may be None) belongs to a person the desk forgot."""
    digests = _digests(store.key(session), account_id, [contact])
    return store.any_of(session, digests)


def account_digests(key: bytes, account_ids: Iterable[str]) -> dict[str, str]:
    """digest -> account id, for `forgotten_accounts`: pure, so that a feedback sync works out a page's digests
    while the page before is written, and its transaction only reads (`key` is `suppression_key`)."""
    return {
        suppression_digest(key, SuppressedKind.ACCOUNT, account): account
        for account in set(account_ids)
        if account.strip()
    }


def forgotten_accounts(session: Session, digests: Mapping[str, str]) -> set[str]:
    """Which accounts of `digests` (from `account_digests`) belong to people the desk forgot: a whole page of them
    in one read, as a feedback sync page asks."""
    return {digests[digest] for digest in store.known(session, digests)}


def suppression_key(session: Session) -> bytes:
    """The database's key, which never changes (migration 0009 made it): a sync reads it once."""
    return store.key(session)


def suppress(
    session: Session,
    *,
    account_id: str,
    contacts: Iterable[str],
    request_id: int,
    at: datetime,
    key: bytes | None = None,
) -> int:
    """Record the account id and each contact as suppressed, for the erasure `request_id`; returns how many
    digests were new. `key` is `suppression_key`, which a batch of erasures reads once."""
    return store.add(session, _digests(key or store.key(session), account_id, contacts), request_id, at)
