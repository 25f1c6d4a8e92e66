"""The supervisors' audit pane as services: refusals, filters against plain SQL, tamper status, export, checkpoints."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from lifer_desk.config import Secret, Settings
from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.audit_filter import VIEW_ACTIONS, AuditFilter
from lifer_desk.services import audit_review, dashboard
from lifer_desk.services.audit import verify
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import PermissionDenied, Refused
from lifer_desk.store.db import Database
from tests.agent_support import enrol
from tests.audit_support import Event, drop_triggers, load_chain

START = datetime(2026, 11, 1, tzinfo=UTC)
ACTORS = ("alice", "bob", "carol")
ACTIONS = (
    AuditAction.TICKET_CLAIM,
    AuditAction.TICKET_REPLY,
    AuditAction.VERIFICATION_ATTEMPT,
    AuditAction.VERIFICATION_LOCK,
    AuditAction.ACCOUNT_LOOKUP,
    AuditAction.REQUEST_APPROVE,
)
ACCOUNTS = ("u-1", "u-2", "u-3")


def supervisor(db: Database, **settings_: object) -> DeskContext:
    enrol(db, "sue", "supervisor")
    return DeskContext(db, Settings(database_url=db.url, **settings_), "sue", "supervisor", clock=lambda: START)  # type: ignore[arg-type]


def agent(db: Database) -> DeskContext:
    enrol(db, "alice", "agent")
    return DeskContext(db, Settings(database_url=db.url), "alice", "agent", clock=lambda: START)


def _event(rng: random.Random, n: int) -> Event:
    action = rng.choice(ACTIONS)
    account = rng.choice(ACCOUNTS)
    ticket = str(rng.randint(1, 4))
    ts = START + timedelta(minutes=n * 7)
    if action is AuditAction.VERIFICATION_ATTEMPT:
        return Event(
            ts, rng.choice(ACTORS), action, "verification", str(n), {"account_id": account, "ticket_id": int(ticket)}
        )
    if action in (AuditAction.VERIFICATION_LOCK, AuditAction.ACCOUNT_LOOKUP):
        return Event(
            ts, rng.choice(ACTORS), action, "account", account, {"reason": "verify_identity", "ticket_id": int(ticket)}
        )
    if action is AuditAction.REQUEST_APPROVE:
        return Event(ts, rng.choice(ACTORS), action, "data_request", str(rng.randint(1, 3)), {"from": "a", "to": "b"})
    return Event(ts, rng.choice(ACTORS), action, "ticket", ticket, {"masked": "j***@qq.com", "名字": "王*"})


@pytest.fixture
def trail(db: Database) -> Database:
    rng = random.Random(11)
    load_chain(db, [_event(rng, n) for n in range(1, 121)])
    return db


def _expected(db: Database, chosen: AuditFilter) -> list[int]:
    """The oracle: every row read with plain SQL, filtered in Python, newest first."""
    keys = {"account": "account_id", "ticket": "ticket_id", "data_request": "request_id"}
    with db.read() as session:
        rows = session.execute(
            text("SELECT seq, ts, actor, action, entity_type, entity_id, details FROM audit_event ORDER BY seq DESC")
        ).all()
    found = []
    for seq, ts, actor, action, entity_type, entity_id, details in rows:
        ts = ts if isinstance(ts, datetime) else datetime.fromisoformat(ts)
        ts = ts.replace(tzinfo=UTC)
        named = json.loads(details)
        if chosen.actor is not None and actor != chosen.actor:
            continue
        if chosen.action_prefix is not None and not action.startswith(chosen.action_prefix):
            continue
        if chosen.action is not None and chosen.action_prefix is None and action != chosen.action:
            continue
        if chosen.viewed and action not in {a.value for a in VIEW_ACTIONS}:
            continue
        if chosen.entity_id is not None:
            own = entity_type == chosen.entity_type and entity_id == chosen.entity_id
            key = keys.get(chosen.entity_type or "")
            if not own and not (key is not None and key in named and str(named[key]) == chosen.entity_id):
                continue
        if chosen.since is not None and ts < chosen.since:
            continue
        if chosen.until is not None and ts >= chosen.until:
            continue
        found.append(seq)
    return found


def _walk(ctx: DeskContext, chosen: AuditFilter, limit: int) -> list[int]:
    """Every page, newest to oldest, by keyset; and back again from the oldest, which must agree."""
    seqs: list[int] = []
    page = audit_review.page(ctx, chosen, limit=limit)
    while page:
        seqs += [entry.seq for entry in page]
        page = audit_review.page(ctx, chosen, limit=limit, older_than=page[-1].seq)
    back: list[int] = []
    page = audit_review.page(ctx, chosen, limit=limit, oldest=True)
    while page:
        back = [entry.seq for entry in page] + back
        page = audit_review.page(ctx, chosen, limit=limit, newer_than=page[0].seq)
    assert back == seqs
    return seqs


filters = st.builds(
    dict,
    actor=st.sampled_from(("", *ACTORS)),
    action=st.sampled_from(("", "ticket.", "verification.", "account.lookup", "request.approve")),
    entity=st.sampled_from(("", "account:u-1", "account:u-2", "ticket:2", "request:1", "ticket:9")),
    since=st.one_of(st.none(), st.integers(0, 900).map(lambda m: START + timedelta(minutes=m))),
    span=st.one_of(st.none(), st.integers(1, 600).map(lambda m: timedelta(minutes=m))),
    viewed=st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=filters, limit=st.integers(1, 30))
def test_filters_return_what_plain_sql_returns(trail: Database, chosen: dict, limit: int) -> None:
    ctx = supervisor(trail)
    span = chosen.pop("span")
    since = chosen["since"]
    until = since + span if since is not None and span is not None else None
    made = audit_review.audit_filter(**{**chosen, "until": until})
    assert _walk(ctx, made, limit) == _expected(trail, made)


def test_the_account_filter_finds_everything_that_touched_it(trail: Database) -> None:
    ctx = supervisor(trail)
    touched = _walk(ctx, audit_review.audit_filter(entity="account:u-2"), 50)
    assert touched == _expected(trail, audit_review.audit_filter(entity="account:u-2"))
    kinds = {audit_review.detail(ctx, seq).entity_type for seq in touched}
    assert kinds == {"account", "verification"}


def test_who_viewed_what_for_an_account_and_for_an_agent(trail: Database) -> None:
    ctx = supervisor(trail)
    for_account = audit_review.viewed(ctx, account_id="u-1", limit=500)
    assert for_account and {entry.action for entry in for_account} <= {a.value for a in VIEW_ACTIONS}
    assert [e.seq for e in for_account] == _expected(
        trail, AuditFilter(entity_type="account", entity_id="u-1", viewed=True)
    )
    by_bob = audit_review.viewed(ctx, agent="bob", limit=500)
    assert by_bob and {entry.actor for entry in by_bob} == {"bob"}


@pytest.mark.parametrize(
    "typed, problem",
    [
        ({"action": "ticket.nope"}, "no audit action"),
        ({"entity": "mailbox:3"}, "TYPE:ID"),
        ({"entity": "account:"}, "TYPE:ID"),
        ({"actor": "bob; drop"}, "not an agent name"),
        ({"since": START, "until": START}, "must come after"),
    ],
)
def test_bad_filters_are_refused_with_what_is_wrong(typed: dict, problem: str) -> None:
    with pytest.raises(Refused, match=problem):
        audit_review.audit_filter(**typed)


def _denials(db: Database) -> list[str]:
    with db.read() as session:
        rows = session.execute(
            text("SELECT details FROM audit_event WHERE action = :a ORDER BY seq"),
            {"a": AuditAction.AUDIT_DENIED.value},
        ).all()
    return [json.loads(details)["attempted"] for (details,) in rows]


def test_services_refuse_an_agent_and_audit_each_attempt(trail: Database) -> None:
    ctx = agent(trail)
    attempts = [
        ("list", lambda: audit_review.page(ctx, AuditFilter(), limit=10)),
        ("export", lambda: audit_review.export(ctx, AuditFilter(), io.StringIO(), "jsonl")),
        ("dashboard", lambda: dashboard.figures(ctx)),
        ("viewed", lambda: audit_review.viewed(ctx, account_id="u-1", limit=10)),
        ("list", lambda: audit_review.detail(ctx, 1)),
        ("verify", lambda: audit_review.chain_status(ctx)),
        ("checkpoint", lambda: audit_review.write_checkpoint_file(ctx)),
    ]
    for _name, attempt in attempts:
        with pytest.raises(PermissionDenied, match="for supervisors only"):
            attempt()
    assert _denials(trail) == [name for name, _attempt in attempts]
    assert verify(trail).ok


def test_a_demoted_supervisor_is_refused_though_the_desk_opened_as_one(trail: Database) -> None:
    ctx = supervisor(trail)
    with trail.write() as session:
        session.execute(text("UPDATE agent SET role = 'agent' WHERE name = 'sue'"))
    with pytest.raises(PermissionDenied):
        audit_review.page(ctx, AuditFilter(), limit=5)


def test_the_chain_status_names_the_first_bad_seq_after_a_tamper(trail: Database) -> None:
    ctx = supervisor(trail)
    read: list[int] = []
    status = audit_review.chain_status(ctx, progress=read.append)
    assert status.report.ok and status.report.head_seq == 120 and read and read[-1] == 120
    assert status.checkpoint is None and status.checkpoint_stale
    drop_triggers(trail)
    with trail.write() as session:
        session.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE seq = 57"))
    broken = audit_review.chain_status(ctx).report
    assert (broken.broken_seq, broken.problem) == (57, "edited")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_exported_range_round_trips_and_the_export_is_audited(trail: Database, fmt: str) -> None:
    ctx = supervisor(trail)
    chosen = audit_review.audit_filter(action="verification.", since=START + timedelta(hours=2))
    out = io.StringIO()
    counted: list[int] = []
    result = audit_review.export(ctx, chosen, out, fmt, progress=counted.append)
    out.seek(0)
    lines = [json.loads(line) for line in out] if fmt == "jsonl" else list(csv.DictReader(out))
    expected = sorted(_expected(trail, chosen))
    assert [int(line["seq"]) for line in lines] == expected and result.count == len(expected) == counted[-1]
    assert all(audit_review.line_hash_ok(line) for line in lines)
    (newest,) = audit_review.page(ctx, AuditFilter(), limit=1)
    assert newest.action == AuditAction.AUDIT_EXPORT and "verification." in newest.summary
    assert verify(trail).ok


def test_an_exported_time_range_is_exact_where_times_are_out_of_seq_order(db: Database) -> None:
    # The export walks seq between the range's lowest and highest seq: events there outside the range (a clock
    # stepped back) stay out, and a range with no event exports nothing.
    minutes = (50, 10, 40, 20, 60, 30, 5, 45)
    load_chain(
        db,
        [
            Event(START + timedelta(minutes=m), "bob", AuditAction.TICKET_CLAIM, "ticket", str(n), {})
            for n, m in enumerate(minutes, 1)
        ],
    )
    ctx = supervisor(db)
    for since, until, expected in ((15, 46, [3, 4, 6, 8]), (51, 55, [])):
        chosen = audit_review.audit_filter(
            since=START + timedelta(minutes=since), until=START + timedelta(minutes=until)
        )
        out = io.StringIO()
        result = audit_review.export(ctx, chosen, out, "jsonl")
        assert (
            [json.loads(line)["seq"] for line in out.getvalue().splitlines()]
            == expected
            == sorted(_expected(db, chosen))
        )
        assert result.count == len(expected)


def test_an_edited_exported_line_no_longer_recomputes(trail: Database) -> None:
    out = io.StringIO()
    audit_review.export(supervisor(trail), AuditFilter(actor="bob"), out, "jsonl")
    line = json.loads(out.getvalue().splitlines()[0])
    assert audit_review.line_hash_ok(line)
    assert not audit_review.line_hash_ok({**line, "actor": "mallory"})


def test_a_checkpoint_is_written_outside_the_database_and_read_back(trail: Database, tmp_path: Path) -> None:
    directory = tmp_path / "checkpoints"
    ctx = supervisor(trail, audit_key=Secret("k" * 32), audit_checkpoint_dir=directory)
    written = audit_review.write_checkpoint_file(ctx)
    assert written.seq == 120 and written.path.parent == directory
    assert (directory.stat().st_mode & 0o777, written.path.stat().st_mode & 0o777) == (0o700, 0o600)
    status = audit_review.chain_status(ctx)
    assert status.checkpoint is not None and status.checkpoint.seq == 120 and status.checkpoint.signature_valid
    later = DeskContext(
        ctx.db, ctx.settings, ctx.agent, ctx.role, clock=lambda: datetime.now(UTC) + timedelta(hours=25)
    )
    assert audit_review.chain_status(later).checkpoint_stale
    wrong_key = DeskContext(
        ctx.db,
        Settings(database_url=trail.url, audit_key=Secret("x" * 32), audit_checkpoint_dir=directory),
        "sue",
        "supervisor",
    )
    assert audit_review.latest_checkpoint(wrong_key).signature_valid is False  # type: ignore[union-attr]


def test_the_detail_has_the_hashes_and_the_links(trail: Database) -> None:
    ctx = supervisor(trail)
    (entry,) = audit_review.page(ctx, AuditFilter(action=AuditAction.VERIFICATION_ATTEMPT.value), limit=1)
    shown = audit_review.detail(ctx, entry.seq)
    assert (
        shown.account_id in ACCOUNTS and shown.ticket_id is not None and len(shown.hash) == len(shown.prev_hash) == 64
    )
    assert json.loads(shown.canonical)["action"] == "verification.attempt"


def test_export_lines_are_exactly_what_json_dumps_writes_even_for_awkward_text(db: Database) -> None:
    awkward = {"note": 'quote " backslash \\ newline \n tab \t bell \x07 王*', "n": 1}
    load_chain(db, [Event(START, "bob", AuditAction.TICKET_NOTE, "ticket", '1"2', awkward)])
    out = io.StringIO()
    audit_review.export(supervisor(db), AuditFilter(actor="bob"), out, "jsonl")
    (line,) = out.getvalue().splitlines(keepends=True)
    assert line == json.dumps(json.loads(line), ensure_ascii=False) + "\n" and audit_review.line_hash_ok(
        json.loads(line)
    )
