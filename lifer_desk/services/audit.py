"""Audit use cases: verify the chain (optionally against a signed checkpoint), sign the head, list events."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from types import MappingProxyType

from sqlmodel import col, select

from lifer_desk.config import ConfigError, Secret
from lifer_desk.services.errors import DeskError
from lifer_desk.store.audit import AuditRecord, ChainReport, verify_chain
from lifer_desk.store.audit_checkpoint import CheckpointError, check_against, current_checkpoint, parse_checkpoint
from lifer_desk.store.audit_guards import missing_guards
from lifer_desk.store.db import Database
from lifer_desk.store.models import AuditEvent

KEY_NAME = "LIFER_AUDIT_KEY"


class CheckpointInvalid(DeskError):
    """The checkpoint cannot be trusted or read, so the chain cannot be checked against it."""


def _key(key: Secret | None, purpose: str) -> str:
    if key is None:
        raise ConfigError(KEY_NAME, f"is not set; it is needed to {purpose}")
    return key.reveal()


def verify(
    db: Database,
    checkpoint_text: str | None = None,
    key: Secret | None = None,
    progress: Callable[[int], object] | None = None,
) -> ChainReport:
    """Walk the chain and check the append-only guards; with a checkpoint, the chain must also still reach the
    signed head unchanged."""
    checkpoint = None
    if checkpoint_text is not None:
        # Parse first: a bad checkpoint is reported before spending time on a long chain.
        try:
            checkpoint = parse_checkpoint(checkpoint_text, _key(key, "check a signed checkpoint"))
        except CheckpointError as exc:
            raise CheckpointInvalid(str(exc)) from None
    report = verify_chain(db, progress)
    if checkpoint is not None:
        report = check_against(db, report, checkpoint)
    with db.read() as session:
        missing = missing_guards(session.connection())
    return replace(report, missing_guards=tuple(guard.name for guard in missing))


def write_checkpoint(db: Database, key: Secret | None) -> str:
    """The signed chain head as JSON text, for keeping outside the database."""
    return current_checkpoint(db).to_json(_key(key, "sign an audit checkpoint"))


def _entry(row: AuditEvent) -> AuditRecord:
    details = MappingProxyType(json.loads(row.details))
    return AuditRecord(row.seq, row.ts, row.actor, row.action, row.entity_type, row.entity_id, details, row.hash)


def recent(db: Database, limit: int, before_seq: int | None = None) -> list[AuditRecord]:
    """Newest first; pass the last entry's seq as `before_seq` for the next page (keyset, no OFFSET)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    query = select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(limit)
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    with db.read() as session:
        return [_entry(row) for row in session.exec(query)]
