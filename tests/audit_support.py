"""Audit chains as tests need them: events at chosen times (append stamps the clock), chained as append chains
them, and written straight to the table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text

from lifer_desk.store.audit import TS_FORMAT, canonical_details, canonical_row, chain_hash
from lifer_desk.store.db import Database


@dataclass(frozen=True)
class Event:
    ts: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    details: dict[str, Any] = field(default_factory=dict)


def load_chain(db: Database, events: Sequence[Event]) -> None:
    """Append `events` after the current head, in order, with their own times."""
    with db.write() as session:
        seq, prev = session.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
        for event in events:
            seq += 1
            ts = event.ts.strftime(TS_FORMAT)
            details = canonical_details(event.details)
            digest = chain_hash(
                prev, canonical_row(ts, event.actor, event.action, event.entity_type, event.entity_id, details)
            )
            session.execute(
                text(
                    "INSERT INTO audit_event (seq, ts, actor, action, entity_type, entity_id, details, prev_hash, hash)"
                    " VALUES (:seq, :ts, :actor, :action, :type, :id, :details, :prev, :hash)"
                ),
                {
                    "seq": seq,
                    "ts": ts,
                    "actor": event.actor,
                    "action": event.action,
                    "type": event.entity_type,
                    "id": event.entity_id,
                    "details": details,
                    "prev": prev,
                    "hash": digest,
                },
            )
            prev = digest
        session.execute(text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"), {"seq": seq, "hash": prev})


def drop_triggers(db: Database) -> None:
    """What an attacker with database access does first: drop the append-only triggers."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_change ON audit_event")
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_truncate ON audit_event")
