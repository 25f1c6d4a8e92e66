"""Suppression rows and their key. Runs inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlmodel import Session, col, select

from lifer_desk.store.models import Suppression, SuppressionKey


def key(session: Session) -> bytes:
    """This database's suppression key (migration 0009 made it)."""
    row = session.exec(select(SuppressionKey).where(SuppressionKey.id == 1)).one()
    return bytes.fromhex(row.key)


def add(session: Session, digests: Mapping[str, str], request_id: int | None, at: datetime) -> int:
    """Record `digests` (digest -> kind) not recorded yet; returns how many were new."""
    known = set(session.exec(select(Suppression.digest).where(col(Suppression.digest).in_(list(digests)))))
    new = [digest for digest in digests if digest not in known]
    session.add_all(
        Suppression(digest=digest, kind=digests[digest], request_id=request_id, created_at=at) for digest in new
    )
    session.flush()
    return len(new)


def known(session: Session, digests: Iterable[str]) -> set[str]:
    """Which of `digests` are recorded: one indexed read for a whole page of them."""
    wanted = list(dict.fromkeys(digests))
    if not wanted:
        return set()
    return set(session.exec(select(Suppression.digest).where(col(Suppression.digest).in_(wanted))))


def any_of(session: Session, digests: Iterable[str]) -> bool:
    wanted = list(digests)
    if not wanted:
        return False
    return (
        session.exec(select(Suppression.digest).where(col(Suppression.digest).in_(wanted)).limit(1)).first() is not None
    )
