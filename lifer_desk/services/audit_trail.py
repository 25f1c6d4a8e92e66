"""The one way a service writes an audit event: inside its own write transaction, under a named action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.store import audit
from lifer_desk.store.audit import AuditRecord


def record(
    session: Session,
    actor: str,
    action: AuditAction,
    entity_type: str,
    entity_id: str | int,
    details: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Append one event to the chain in `session`'s transaction, which the caller opened with `db.write()`."""
    # The plain value, not the enum: it is what the chain hashes, and every driver binds a str as it is.
    return audit.append(
        session,
        actor=actor,
        action=action.value,
        entity_type=entity_type,
        entity_id=entity_id,
        details=dict(details or {}),
    )
