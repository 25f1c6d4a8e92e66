"""Signed chain heads: HMAC-SHA256 under `LIFER_AUDIT_KEY` over the canonical checkpoint.

A checkpoint kept outside the database catches what the chain alone cannot: a truncated tail, or a
chain rewritten from some row onwards with freshly computed hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import text

from lifer_desk.store.audit import ChainReport
from lifer_desk.store.db import Database
from lifer_desk.store.types import utcnow


class CheckpointError(Exception):
    """The checkpoint file is unreadable, malformed or its signature does not match."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    ts: str

    def payload(self) -> bytes:
        return json.dumps({"hash": self.hash, "seq": self.seq, "ts": self.ts}, sort_keys=True).encode()

    def sign(self, key: str) -> str:
        return hmac.new(key.encode(), self.payload(), hashlib.sha256).hexdigest()

    def to_json(self, key: str) -> str:
        body = {
            "seq": self.seq,
            "hash": self.hash,
            "ts": self.ts,
            "alg": "HMAC-SHA256",
            "sig": self.sign(key),
        }
        return json.dumps(body, indent=2) + "\n"


def current_checkpoint(db: Database, now: datetime | None = None) -> Checkpoint:
    with db.read() as session:
        head = session.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
    return Checkpoint(head.seq, head.hash, (now or utcnow()).isoformat())


def parse_checkpoint(raw: str, key: str) -> Checkpoint:
    try:
        body = json.loads(raw)
        checkpoint = Checkpoint(int(body["seq"]), str(body["hash"]), str(body["ts"]))
        signature = str(body["sig"])
    except (ValueError, KeyError, TypeError):
        # Python's own wording ("list indices must be integers") would not tell the user what is wrong.
        raise CheckpointError(
            "malformed checkpoint: expected the JSON object that `lifer-desk audit checkpoint` writes "
            "(seq, hash, ts, sig)"
        ) from None
    if not hmac.compare_digest(checkpoint.sign(key), signature):
        raise CheckpointError("checkpoint signature does not match LIFER_AUDIT_KEY")
    return checkpoint


def check_against(db: Database, report: ChainReport, checkpoint: Checkpoint) -> ChainReport:
    """Fold the checkpoint into a chain report: the chain must still reach it, with the same hash."""
    if not report.ok:
        return report
    if checkpoint.seq == 0:
        return replace(report, checkpoint_seq=0)
    if report.head_seq < checkpoint.seq:
        return ChainReport(report.count, report.head_seq, report.head_hash, report.head_seq + 1, "missing")
    with db.read() as session:
        digest = session.execute(
            text("SELECT hash FROM audit_event WHERE seq = :seq"), {"seq": checkpoint.seq}
        ).scalar_one()
    if digest != checkpoint.hash:
        # A chain rehashed from an edited event on is consistent in itself, so one signed head can only say
        # that something at or before it changed: no event up to it can be vouched for.
        return ChainReport(0, 0, "", checkpoint.seq, "rewritten")
    return replace(report, checkpoint_seq=checkpoint.seq)
