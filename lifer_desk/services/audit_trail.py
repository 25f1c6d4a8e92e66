"""The one way a service writes an audit event: inside its own write transaction, under a named action."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.store import audit
from lifer_desk.store.audit import AuditRecord, Event


def record(
    session: Session,
    actor: str,
    action: AuditAction,
    entity_type: str,
    entity_id: str | int,
    details: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Append one event to the chain in `session`'s transaction, which the caller opened with `db.write()`."""
    (recorded,) = record_many(session, actor, [(action, entity_type, entity_id, details)])
    return recorded


def record_many(
    session: Session,
    actor: str,
    events: Sequence[tuple[AuditAction, str, str | int, Mapping[str, Any] | None]],
) -> list[AuditRecord]:
    """Append `events` (action, entity type, entity id, details), in order, as `record` would one at a time,
    with the chain's head read and moved once."""
    # The plain value, not the enum: it is what the chain hashes, and every driver binds a str as it is.
    return audit.append_many(
        session,
        actor,
        [
            Event(action.value, entity_type, entity_id, dict(details or {}))
            for action, entity_type, entity_id, details in events
        ],
    )
