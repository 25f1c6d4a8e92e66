"""The audit trail filtered in the database: keyset pages by seq (never OFFSET), and a streamed export.

"Everything that touched account X" is more than the events whose entity is X: a verification attempt is
about a `verification` row and names its account in its details. So an entity filter also matches the
details key naming that kind of entity, through expression indexes that migration 0011 makes (one per key);
the expression here must stay the one indexed, or the database falls back to a scan.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, func, literal, or_, select, text, type_coerce
from sqlmodel import Session, col

from lifer_desk.domain.audit_filter import VIEW_ACTIONS, AuditFilter
from lifer_desk.store.models import AuditEvent
from lifer_desk.store.types import UTCDateTime

# The details key that names an entity of each stored type, where events about other entities name it.
DETAIL_KEYS = {"account": "account_id", "ticket": "ticket_id", "data_request": "request_id"}

COLUMNS = (
    col(AuditEvent.seq),
    col(AuditEvent.ts),
    col(AuditEvent.actor),
    col(AuditEvent.action),
    col(AuditEvent.entity_type),
    col(AuditEvent.entity_id),
    col(AuditEvent.details),
    col(AuditEvent.prev_hash),
    col(AuditEvent.hash),
)


@dataclass(frozen=True)
class AuditRow:
    seq: int
    ts: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    details: str  # the canonical JSON text the chain hashes
    prev_hash: str
    hash: str


def detail_expression(dialect: str, key: str) -> str:
    """The indexed SQL for details' `key` as text (see migration 0011)."""
    if dialect == "sqlite":
        return f"CAST(json_extract(details, '$.{key}') AS TEXT)"
    return f"(details::jsonb ->> '{key}')"


def _prefix_end(prefix: str) -> str:
    # The smallest string after every string starting with `prefix`: a range an index answers, unlike LIKE.
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def conditions(dialect: str, chosen: AuditFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if chosen.actor is not None:
        found.append(col(AuditEvent.actor) == chosen.actor)
    # A prefix or a set of actions matches many events in no seq order: through the action index SQLite sorted
    # every match for each page (seconds at 10M events). `action || ''` keeps it off that index, so a page walks
    # seq downwards and stops at the limit; an exact action still uses the index, in seq order.
    unindexed = col(AuditEvent.action).concat("")
    if (prefix := chosen.action_prefix) is not None:
        found += [unindexed >= prefix, unindexed < _prefix_end(prefix)]
    elif chosen.action is not None:
        found.append(col(AuditEvent.action) == chosen.action)
    if chosen.viewed:
        found.append(unindexed.in_([action.value for action in VIEW_ACTIONS]))
    if chosen.entity_id is not None:
        found.append(_entity(dialect, chosen.entity_type, chosen.entity_id))
    return found + _time_range(chosen)


def _time_range(chosen: AuditFilter) -> list[ColumnElement[bool]]:
    ts = col(AuditEvent.ts)
    found: list[ColumnElement[bool]] = []
    if chosen.since is not None:
        found.append(ts >= literal(chosen.since, type_=UTCDateTime()))
    if chosen.until is not None:
        found.append(ts < literal(chosen.until, type_=UTCDateTime()))
    return found


def _entity(dialect: str, entity_type: str | None, entity_id: str) -> ColumnElement[bool]:
    own = col(AuditEvent.entity_id) == entity_id
    if entity_type is None:
        return own
    own = (col(AuditEvent.entity_type) == entity_type) & own
    key = DETAIL_KEYS.get(entity_type)
    if key is None:
        return own
    named = text(f"{detail_expression(dialect, key)} = :entity_named").bindparams(entity_named=entity_id)
    return or_(own, named)


def page_statement(
    dialect: str,
    chosen: AuditFilter,
    *,
    limit: int,
    older_than: int | None = None,
    newer_than: int | None = None,
    oldest: bool = False,
) -> Select[*tuple[Any, ...]]:
    """One page newest first; walking towards newer events (or to the oldest) reads ascending, to be flipped."""
    seq = col(AuditEvent.seq)
    statement = select(*COLUMNS).where(*conditions(dialect, chosen))
    if older_than is not None:
        statement = statement.where(seq < older_than)
    if newer_than is not None:
        statement = statement.where(seq > newer_than)
    ascending = newer_than is not None or oldest
    return statement.order_by(seq.asc() if ascending else seq.desc()).limit(limit)


def page(
    session: Session,
    chosen: AuditFilter,
    *,
    limit: int,
    older_than: int | None = None,
    newer_than: int | None = None,
    oldest: bool = False,
) -> list[AuditRow]:
    """Up to `limit` matching events, newest first: the newest, those older or newer than a seq, or the oldest."""
    dialect = session.get_bind().dialect.name
    statement = page_statement(
        dialect, chosen, limit=limit, older_than=older_than, newer_than=newer_than, oldest=oldest
    )
    rows = [AuditRow(*row) for row in session.execute(statement).all()]
    return rows[::-1] if newer_than is not None or oldest else rows


def one(session: Session, seq: int) -> AuditRow | None:
    row = session.execute(select(*COLUMNS).where(col(AuditEvent.seq) == seq)).first()
    return None if row is None else AuditRow(*row)


# `store.audit.TS_FORMAT` in PostgreSQL's words: the time as `append` hashed it, printed by the database.
_PG_TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.US"


def stream(session: Session, chosen: AuditFilter, batch: int = 5_000) -> Iterator[Sequence[tuple[Any, ...]]]:
    """Every matching event oldest first as plain tuples in COLUMNS' order, `ts` as the text the chain hashed, a
    batch at a time from one streamed query (a server-side cursor on PostgreSQL), so a million rows are never held.

    Plain tuples from the Core connection, the time printed by the database: an export reads a million of them,
    and an ORM row, a datetime and a dataclass per row (only to print the time again) made it several times slower.
    """
    dialect = session.get_bind().dialect.name
    seq = col(AuditEvent.seq)
    ts = (
        type_coerce(col(AuditEvent.ts), String)
        if dialect == "sqlite"
        else func.to_char(col(AuditEvent.ts), _PG_TS_FORMAT)
    )
    statement = select(seq, ts, *COLUMNS[2:]).where(*conditions(dialect, chosen)).order_by(seq.asc())
    if chosen.since is not None or chosen.until is not None:
        bounds = _seq_bounds(session, chosen)
        if bounds is None:
            return
        statement = statement.where(seq >= bounds[0], seq <= bounds[1])
    result = session.connection().execution_options(yield_per=batch).execute(statement)
    yield from result.partitions()


def _seq_bounds(session: Session, chosen: AuditFilter) -> tuple[int, int] | None:
    """The lowest and highest seq of the events in the filter's time range, from the time index alone (migration
    0021); None when the range holds none.

    An export reads in seq order: held to the time alone, SQLite walked every event in seq order to test its time
    (the whole trail read for a tenth of it) and PostgreSQL sorted the range's rows on disk. Between these bounds
    it walks only the range, or little more where times are not in seq order; the time conditions still apply, so
    what is exported is the same (as of the bounds: on PostgreSQL an event appended after them waits for the next
    export, as if this one had run a moment earlier). `seq + 0` keeps PostgreSQL from looking for the ends by
    walking seq instead.
    """
    seq = col(AuditEvent.seq) + 0
    low, high = session.execute(select(func.min(seq), func.max(seq)).where(*_time_range(chosen))).one()
    return None if low is None else (int(low), int(high))


def head_seq(session: Session) -> int:
    return int(session.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar_one_or_none() or 0)
