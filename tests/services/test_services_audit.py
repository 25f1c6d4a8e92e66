"""Audit use cases: verify against a signed checkpoint, sign the head, page through recent events."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest

from lifer_desk.config import ConfigError, Secret
from lifer_desk.services.audit import CheckpointInvalid, recent, verify, write_checkpoint
from lifer_desk.store import audit
from lifer_desk.store.db import Database

KEY = Secret("k" * 32)


def _append(db: Database, n: int) -> None:
    for i in range(1, n + 1):
        with db.write() as session:
            audit.append(
                session, actor="alice", action="ticket.claim", entity_type="ticket", entity_id=i, details={"n": i}
            )


def test_recent_pages_newest_first_by_keyset(db: Database) -> None:
    _append(db, 5)
    first = recent(db, 2)
    assert [e.seq for e in first] == [5, 4]
    assert [e.seq for e in recent(db, 2, before_seq=first[-1].seq)] == [3, 2]
    assert [e.seq for e in recent(db, 2, before_seq=2)] == [1]
    newest = first[0]
    assert (newest.entity_id, dict(newest.details), newest.ts.tzinfo) == ("5", {"n": 5}, UTC)
    with pytest.raises(TypeError):
        newest.details["n"] = 6  # type: ignore[index]


def test_checkpoint_round_trip(db: Database) -> None:
    _append(db, 3)
    signed = write_checkpoint(db, KEY)
    body = json.loads(signed)
    assert (body["seq"], body["alg"]) == (3, "HMAC-SHA256")
    assert body["hash"] == audit.verify_chain(db).head_hash
    _append(db, 2)
    report = verify(db, signed, KEY)
    assert report.ok and report.count == 5


def test_the_key_is_needed_to_sign_and_to_check(db: Database) -> None:
    with pytest.raises(ConfigError, match="LIFER_AUDIT_KEY: is not set"):
        write_checkpoint(db, None)
    signed = write_checkpoint(db, KEY)
    with pytest.raises(ConfigError, match="LIFER_AUDIT_KEY"):
        verify(db, signed, None)
    assert verify(db, None, None).ok


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda body: {**body, "seq": 1}, "signature does not match"),
        (lambda body: {k: v for k, v in body.items() if k != "sig"}, "malformed checkpoint"),
    ],
)
def test_a_doctored_checkpoint_is_refused(
    db: Database, tamper: Callable[[dict[str, Any]], dict[str, Any]], message: str
) -> None:
    _append(db, 2)
    body = json.loads(write_checkpoint(db, KEY))
    with pytest.raises(CheckpointInvalid, match=message):
        verify(db, json.dumps(tamper(body)), KEY)


def test_a_checkpoint_under_another_key_is_refused(db: Database) -> None:
    signed = write_checkpoint(db, KEY)
    with pytest.raises(CheckpointInvalid, match="signature does not match"):
        verify(db, signed, Secret("another key"))
    with pytest.raises(CheckpointInvalid, match="malformed"):
        verify(db, "not json", KEY)
