"""Supervisors' review of the audit trail: filtered pages, one event's detail, chain status, checkpoints, export.

Only supervisors review the trail. Every entry point checks the agent's role in the database (not the role the
desk was opened with: a supervisor demoted since then is an agent now); an agent's attempt is refused and the
attempt itself goes on the trail, in its own transaction, so that it stays on record.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, NoReturn, TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session

from lifer_desk.config import ConfigError
from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.audit_filter import ENTITY_TYPES, AuditFilter
from lifer_desk.i18n import _
from lifer_desk.services import audit_trail
from lifer_desk.services.agents import NAME_PATTERN, AgentInfo, agent_in, find_agent
from lifer_desk.services.audit import verify, write_checkpoint
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import DeskError, NotFound, PermissionDenied, Refused
from lifer_desk.services.writing import writing
from lifer_desk.store import audit_query
from lifer_desk.store.audit import TS_FORMAT, ChainReport, canonical_row, chain_hash
from lifer_desk.store.audit_checkpoint import CheckpointError, parse_checkpoint
from lifer_desk.store.audit_query import AuditRow

# A checkpoint older than this is a gap a rewritten database could hide in: the desk warns supervisors.
CHECKPOINT_STALE = timedelta(hours=24)
EXPORT_FORMATS = ("jsonl", "csv")
EXPORT_FIELDS = ("seq", "ts", "actor", "action", "entity_type", "entity_id", "details", "prev_hash", "hash")
MAX_PAGE = 500
_NAME_CACHE = 10_000
# What each problem `verify` names means, for the CLI and the audit pane.
CHAIN_PROBLEMS = {
    "edited": "the event was changed after it was written",
    "missing": "an event is missing (deleted, or the tail cut off)",
    "reordered": "events were moved out of their order",
    "inserted": "an event was slipped in that was never appended",
    "rewritten": (
        "the chain no longer ends in the hash recorded for this event (audit head or signed checkpoint): "
        "rewritten at or before it"
    ),
    "no_head": "the audit head row is gone, so the chain has nothing to be held to",
}


class SupervisorsOnly(PermissionDenied):
    """An agent asked for what only supervisors may see."""


def require_supervisor(ctx: DeskContext, attempted: str) -> None:
    """Refuse (and audit the attempt) unless `ctx.agent` is an active supervisor now."""
    if not _supervisor_now(find_agent(ctx.db, ctx.agent)):
        _refuse(ctx, attempted)


@contextmanager
def supervisor_reading(ctx: DeskContext, attempted: str) -> Iterator[Session]:
    """A read transaction for a review, `require_supervisor` checked in it: a page is a few round trips to the
    database and no more rows than fit on screen, so a check in a connection of its own cost a fifth of it."""
    with ctx.db.read() as session:
        if _supervisor_now(agent_in(session, ctx.agent)):
            yield session
            return
    _refuse(ctx, attempted)


def _supervisor_now(info: AgentInfo | None) -> bool:
    return info is not None and info.active and info.is_supervisor


def _refuse(ctx: DeskContext, attempted: str) -> NoReturn:
    with writing(ctx) as session:
        details = {"attempted": attempted, "reason": "not_a_supervisor"}
        audit_trail.record(session, ctx.agent, AuditAction.AUDIT_DENIED, "audit_event", attempted, details)
    raise SupervisorsOnly(_("{what} is for supervisors only").format(what=_attempt_label(attempted)))


def _attempt_label(attempted: str) -> str:
    return {
        "list": _("the audit trail"),
        "export": _("exporting the audit trail"),
        "dashboard": _("the dashboard"),
        "viewed": _("reveal history"),
        "checkpoint": _("an audit checkpoint"),
        "verify": _("verifying the audit chain"),
    }.get(attempted, _("the audit pane"))


# --- filters --------------------------------------------------------------------------------------------------


def audit_filter(
    *,
    actor: str = "",
    action: str = "",
    entity: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    viewed: bool = False,
) -> AuditFilter:
    """The filter for what a supervisor typed (blank: any), or `Refused` naming what is wrong.

    `action` is an action's value (`ticket.claim`) or a prefix ending in "." (`verification.`); `entity` is
    `TYPE:ID` with TYPE one of ticket, request, account, agent.
    """
    actor, action, entity = actor.strip(), action.strip(), entity.strip()
    if actor and not NAME_PATTERN.fullmatch(actor):
        raise Refused(_("{name!r} is not an agent name.").format(name=actor))
    if action and not action.endswith(".") and action not in {member.value for member in AuditAction}:
        raise Refused(
            _(
                "There is no audit action {action!r}; give one such as ticket.claim, or a prefix such as verification."
            ).format(action=action)
        )
    entity_type = entity_id = None
    if entity:
        kind, _sep, entity_id = entity.partition(":")
        if kind not in ENTITY_TYPES or not entity_id.strip():
            known = ", ".join(ENTITY_TYPES)
            raise Refused(_("Give the entity as TYPE:ID with TYPE one of {known}.").format(known=known))
        entity_type, entity_id = ENTITY_TYPES[kind], entity_id.strip()
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise ValueError("filter times must carry a time zone")
    if since is not None and until is not None and until <= since:
        raise Refused(_("The end of the time range must come after its start."))
    return AuditFilter(actor or None, action or None, entity_type, entity_id, since, until, viewed)


def parse_moment(typed: str, zone: ZoneInfo, name: str) -> datetime | None:
    """A time a supervisor typed (ISO 8601: a date, or a date and time); one without a zone is in `zone`."""
    typed = typed.strip()
    if not typed:
        return None
    try:
        moment = datetime.fromisoformat(typed)
    except ValueError:
        raise Refused(
            _("{name} takes a date or time such as 2026-11-30 or 2026-11-30 09:00; got {typed!r}").format(
                name=name, typed=typed
            )
        ) from None
    # A time without a zone is the agent's own (LIFER_TIMEZONE), as every time the desk shows.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def event_count(ctx: DeskContext) -> int:
    """How many events the chain holds (its head seq): the total a verification's progress counts towards."""
    require_supervisor(ctx, "verify")
    with ctx.db.read() as session:
        return audit_query.head_seq(session)


# --- listing --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    """One event as the pane lists it; `summary` is built from ids and masked values only."""

    seq: int
    ts: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    summary: str


@dataclass(frozen=True)
class AuditDetail:
    seq: int
    ts: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    canonical: str  # the JSON the chain hashes, pretty-printed for reading
    prev_hash: str
    hash: str
    ticket_id: int | None
    request_id: int | None
    account_id: str | None


def summary(details: Mapping[str, Any]) -> str:
    """One line: the details' keys and values, scalars only, in the chain's key order."""
    parts = []
    for key, value in sorted(details.items()):
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        parts.append(f"{key}={value}")
    return " ".join(parts)


def _details(row: AuditRow) -> dict[str, Any]:
    try:
        loaded = json.loads(row.details)
    except ValueError:
        # Only a tampered row can hold this; the chain status names it.
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(row.seq, row.ts, row.actor, row.action, row.entity_type, row.entity_id, summary(_details(row)))


def page(
    ctx: DeskContext,
    chosen: AuditFilter,
    *,
    limit: int,
    older_than: int | None = None,
    newer_than: int | None = None,
    oldest: bool = False,
) -> list[AuditEntry]:
    """Newest first, by keyset on seq: the newest page, the page older or newer than a seq, or the oldest."""
    with supervisor_reading(ctx, "viewed" if chosen.viewed else "list") as session:
        rows = audit_query.page(
            session, chosen, limit=min(limit, MAX_PAGE), older_than=older_than, newer_than=newer_than, oldest=oldest
        )
    return [_entry(row) for row in rows]


def viewed(
    ctx: DeskContext, *, account_id: str | None = None, agent: str | None = None, limit: int
) -> list[AuditEntry]:
    """Who viewed what: the reveals and verification lookups of one account, or by one agent, newest first."""
    chosen = audit_filter(actor=agent or "", entity=f"account:{account_id}" if account_id else "", viewed=True)
    return page(ctx, chosen, limit=limit)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else int(value) if isinstance(value, str) and value.isdigit() else None


def detail(ctx: DeskContext, seq: int) -> AuditDetail:
    with supervisor_reading(ctx, "list") as session:
        row = audit_query.one(session, seq)
    if row is None:
        raise NotFound(_("no audit event #{seq}").format(seq=seq))
    details = _details(row)
    own = {row.entity_type: row.entity_id}
    canonical = json.dumps(
        json.loads(_canonical(row)) if details or row.details == "{}" else {"details": row.details},
        indent=2,
        ensure_ascii=False,
        sort_keys=True,
    )
    account = own.get("account") or details.get("account_id")
    return AuditDetail(
        row.seq,
        row.ts,
        row.actor,
        row.action,
        row.entity_type,
        row.entity_id,
        canonical,
        row.prev_hash,
        row.hash,
        _int(own.get("ticket", details.get("ticket_id"))),
        _int(own.get("data_request", details.get("request_id"))),
        None if account is None else str(account),
    )


def _canonical(row: AuditRow) -> str:
    return canonical_row(row.ts.strftime(TS_FORMAT), row.actor, row.action, row.entity_type, row.entity_id, row.details)


# --- chain status and checkpoints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointInfo:
    seq: int
    signed_at: datetime
    signature_valid: bool
    path: Path


@dataclass(frozen=True)
class ChainStatus:
    report: ChainReport
    checkpoint: CheckpointInfo | None
    checkpoint_stale: bool  # none, or the newest older than CHECKPOINT_STALE


def _checkpoint_dir(ctx: DeskContext) -> Path:
    directory = ctx.settings.audit_checkpoint_dir
    if directory is None:
        raise ConfigError("LIFER_AUDIT_CHECKPOINT_DIR", "is not set; it names where signed checkpoints are kept")
    return directory


def latest_checkpoint(ctx: DeskContext) -> CheckpointInfo | None:
    """The newest checkpoint in the checkpoint directory, its signature checked; None when there is none."""
    directory = ctx.settings.audit_checkpoint_dir
    if directory is None or not directory.is_dir():
        return None
    files = sorted(directory.glob("audit-checkpoint-*.json"))
    if not files:
        return None
    newest = files[-1]
    try:
        raw = newest.read_text(encoding="utf-8")
        body = json.loads(raw)
        seq, signed_at = int(body["seq"]), datetime.fromisoformat(str(body["ts"]))
    except (OSError, ValueError, KeyError, TypeError):
        # Unreadable counts as no checkpoint at all: the warning to write one stands.
        return None
    key = ctx.settings.audit_key
    try:
        valid = key is not None and parse_checkpoint(raw, key.reveal()).seq == seq
    except CheckpointError:
        valid = False
    return CheckpointInfo(seq, signed_at, valid, newest)


def chain_status(ctx: DeskContext, progress: Callable[[int], object] | None = None) -> ChainStatus:
    """Verify the whole chain (reporting events read so far to `progress`) and read the newest checkpoint."""
    require_supervisor(ctx, "verify")
    report = verify(ctx.db, progress=progress)
    checkpoint = latest_checkpoint(ctx)
    return ChainStatus(report, checkpoint, _stale(ctx, checkpoint))


def _stale(ctx: DeskContext, checkpoint: CheckpointInfo | None) -> bool:
    return checkpoint is None or ctx.clock() - checkpoint.signed_at > CHECKPOINT_STALE


def checkpoint_overdue(ctx: DeskContext) -> bool:
    """Whether to warn `ctx.agent` that no checkpoint was signed in the last CHECKPOINT_STALE.

    Only a supervisor is warned (an agent is neither warned nor refused: the desk asks this of everyone on
    start), and only where the desk keeps its checkpoints (LIFER_AUDIT_CHECKPOINT_DIR): elsewhere they are
    written by cron to where the desk cannot see them.
    """
    info = find_agent(ctx.db, ctx.agent)
    if info is None or not info.active or not info.is_supervisor:
        return False
    return checkpoint_stale(ctx)


def checkpoint_stale(ctx: DeskContext) -> bool:
    """`checkpoint_overdue` for a caller that has checked the role already (the dashboard)."""
    return ctx.settings.audit_checkpoint_dir is not None and _stale(ctx, latest_checkpoint(ctx))


def write_checkpoint_file(ctx: DeskContext) -> CheckpointInfo:
    """Sign the chain head into a new file in LIFER_AUDIT_CHECKPOINT_DIR (0600 in a 0700 directory); audited."""
    require_supervisor(ctx, "checkpoint")
    directory = _checkpoint_dir(ctx)
    signed = write_checkpoint(ctx.db, ctx.settings.audit_key)
    body = json.loads(signed)
    stamp = datetime.fromisoformat(body["ts"])
    path = directory / f"audit-checkpoint-{stamp.strftime('%Y%m%dT%H%M%S%fZ')}-{body['seq']:012d}.json"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(signed)
    except OSError as exc:
        raise DeskError(
            _("cannot write the checkpoint to {path}: {why}").format(path=path, why=exc.strerror or exc)
        ) from None
    with writing(ctx) as session:
        details = {"seq": body["seq"], "hash": body["hash"], "file": path.name}
        audit_trail.record(session, ctx.agent, AuditAction.AUDIT_CHECKPOINT, "audit_event", body["seq"], details)
    return CheckpointInfo(int(body["seq"]), stamp, True, path)


# --- export ---------------------------------------------------------------------------------------------------


def line_hash_ok(line: Mapping[str, Any]) -> bool:
    """Whether an exported line's hash recomputes from its own fields (what a checkpoint check starts from)."""
    canonical = canonical_row(
        str(line["ts"]),
        str(line["actor"]),
        str(line["action"]),
        str(line["entity_type"]),
        str(line["entity_id"]),
        str(line["details"]),
    )
    return chain_hash(str(line["prev_hash"]), canonical) == str(line["hash"])


@dataclass(frozen=True)
class ExportResult:
    count: int
    first_seq: int | None
    last_seq: int | None


def _rows(ctx: DeskContext, chosen: AuditFilter) -> Iterator[Sequence[tuple[Any, ...]]]:
    with ctx.db.read() as session:
        yield from audit_query.stream(session, chosen)


def export(
    ctx: DeskContext,
    chosen: AuditFilter,
    out: TextIO,
    fmt: str,
    progress: Callable[[int], object] | None = None,
) -> ExportResult:
    """Write the filtered events oldest first to `out` as JSONL or CSV, each line with its seq and hash.

    The export is audited before a line is written (with the filter), so no export leaves no trace.
    """
    if fmt not in EXPORT_FORMATS:
        raise Refused(_("Export as jsonl or csv, not {fmt!r}.").format(fmt=fmt))
    require_supervisor(ctx, "export")
    with writing(ctx) as session:
        details = {"format": fmt, **_filter_details(chosen)}
        audit_trail.record(session, ctx.agent, AuditAction.AUDIT_EXPORT, "audit_event", "export", details)
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(EXPORT_FIELDS)
    jsonl = _JsonLines()
    count, first, last = 0, None, None
    for batch in _rows(ctx, chosen):
        if writer is not None:
            writer.writerows(batch)
        else:
            out.write("".join(map(jsonl.line, batch)))
        count += len(batch)
        first = batch[0][0] if first is None else first
        last = batch[-1][0]
        if progress is not None:
            progress(count)
    return ExportResult(count, first, last)


def export_to_file(
    ctx: DeskContext,
    chosen: AuditFilter,
    path: Path,
    fmt: str,
    progress: Callable[[int], object] | None = None,
) -> ExportResult:
    """`export` into a new or emptied file at `path`, created 0600: the lines are ids and masked values only, yet
    still about customers."""
    if fmt not in EXPORT_FORMATS:
        raise Refused(_("Export as jsonl or csv, not {fmt!r}.").format(fmt=fmt))
    require_supervisor(ctx, "export")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise DeskError(_("cannot write {path}: {why}").format(path=path, why=exc.strerror or exc)) from None
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        return export(ctx, chosen, handle, fmt, progress)


class _JsonLines:
    """Export lines: what `json.dumps` of a row's fields gives, written out by hand, since an export writes a million
    of them and the generic encoder took most of its time. Actors, actions and entity types are few, so their
    encodings are kept rather than made again for every line."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def _name(self, value: str) -> str:
        if (encoded := self._names.get(value)) is None:
            if len(self._names) > _NAME_CACHE:
                # A trail with unbounded distinct names (a tampered one) must not grow this without end.
                self._names.clear()
            encoded = self._names[value] = encode_basestring(value)
        return encoded

    def line(self, row: Sequence[Any]) -> str:
        seq, ts, actor, action, entity_type, entity_id, details, prev_hash, digest = row
        e, name = encode_basestring, self._name
        return (
            f'{{"seq": {seq}, "ts": {e(ts)}, "actor": {name(actor)}, "action": {name(action)}, '
            f'"entity_type": {name(entity_type)}, "entity_id": {e(entity_id)}, "details": {e(details)}, '
            f'"prev_hash": {e(prev_hash)}, "hash": {e(digest)}}}\n'
        )


def _filter_details(chosen: AuditFilter) -> dict[str, Any]:
    shown = {
        "actor": chosen.actor,
        "action": chosen.action,
        "entity_type": chosen.entity_type,
        "entity_id": chosen.entity_id,
        "since": chosen.since.isoformat() if chosen.since else None,
        "until": chosen.until.isoformat() if chosen.until else None,
        "viewed": chosen.viewed or None,
    }
    return {key: value for key, value in shown.items() if value is not None}
