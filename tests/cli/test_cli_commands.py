"""The `db`, `agents` and `audit` commands end to end, through the real entry point (`main`)."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from lifer_desk.cli import main
from lifer_desk.store import audit
from lifer_desk.store import db as store_db
from lifer_desk.store.db import Database
from lifer_desk.store.models import AuditEvent
from tests.agent_support import log_in

KEY = "a-long-enough-audit-key"


class Desk:
    """Runs `lifer-desk ARGS...` in-process and returns (exit code, stdout, stderr)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self._monkeypatch = monkeypatch
        self._capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self._monkeypatch.setattr(sys, "argv", ["lifer-desk", *args])
        with pytest.raises(SystemExit) as exited:
            main()
        captured = self._capsys.readouterr()
        code = exited.value.code
        return (code if isinstance(code, int) else 1), captured.out, captured.err


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Desk:
    for variable in [v for v in os.environ if v.startswith("LIFER_")] + ["USER", "LNAME", "USERNAME"]:
        monkeypatch.delenv(variable, raising=False)
    # The host's operator (uid 0), whoever runs the suite and whatever LOGNAME says.
    log_in(monkeypatch, "hostadmin", 0)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no stray settings file
    monkeypatch.chdir(tmp_path)
    return Desk(monkeypatch, capsys)


@pytest.fixture
def migrated(desk: Desk, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("LIFER_DATABASE_URL", db_url)
    database = Database(db_url)
    yield database
    database.dispose()


def test_db_upgrade_is_idempotent_and_current_shows_head(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIFER_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    code, _, err = desk("db", "current")
    assert code == 2 and "does not exist" in err and "lifer-desk db upgrade" in err
    for _ in range(2):
        code, out, _ = desk("db", "upgrade")
        assert code == 0 and out.rstrip().endswith("(head)")
    code, out, _ = desk("db", "current")
    assert code == 0 and "(head)" in out


def test_commands_on_an_unmigrated_database_say_to_upgrade(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unmigrated = tmp_path / "unmigrated.db"
    with closing(sqlite3.connect(unmigrated)) as conn:
        conn.execute("CREATE TABLE something_else (x)")
    monkeypatch.setenv("LIFER_DATABASE_URL", f"sqlite:///{unmigrated}")
    code, out, err = desk("agents", "list")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "run `lifer-desk db upgrade`" in err


def test_agents_round_trip_is_audited_with_the_os_user(desk: Desk, migrated: Database) -> None:
    assert desk("agents", "list")[1].startswith("no agents yet")
    assert desk("agents", "add", "wang.fang", "--role", "supervisor", "--display-name", "王芳") == (
        0,
        "agent wang.fang added as supervisor\n",
        "",
    )
    assert desk("agents", "add", "bob", "--role", "agent")[0] == 0
    assert desk("agents", "deactivate", "bob") == (0, "agent bob deactivated\n", "")
    code, out, _ = desk("agents", "list")
    assert code == 0
    assert out.splitlines() == [
        "NAME       ROLE        STATE        DISPLAY NAME",
        "bob        agent       deactivated  bob",
        "wang.fang  supervisor  active       王芳",
    ]
    code, out, _ = desk("audit", "verify")
    assert code == 0 and out.startswith("audit chain OK: 3 events, head seq 3, hash ")
    with migrated.read() as session:
        actors = session.connection().exec_driver_sql("SELECT DISTINCT actor FROM audit_event").scalars().all()
    assert actors == ["hostadmin"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("agents", "add", "bob", "--role", "boss"), "invalid role 'boss'"),
        (("agents", "add", "bob smith", "--role", "agent"), "invalid agent name"),
        (("agents", "deactivate", "ghost"), "no agent named 'ghost'"),
    ],
)
def test_agent_refusals_are_one_line_with_exit_2(
    desk: Desk, migrated: Database, args: tuple[str, ...], message: str
) -> None:
    code, out, err = desk(*args)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_only_a_supervisor_manages_agents_through_the_command(
    desk: Desk, migrated: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, role in (("alice", "agent"), ("bob", "agent"), ("wang.fang", "supervisor")):
        desk("agents", "add", name, "--role", role)
    log_in(monkeypatch, "alice", 4301)
    attempts = [("deactivate", "bob"), ("add", "eve", "--role", "agent"), ("role", "alice", "--role", "supervisor")]
    for args in attempts:
        code, out, err = desk("agents", *args)
        assert (code, out) == (2, "")
        assert err == (
            "lifer-desk: only a supervisor or the host's operator (root, LIFER_SERVICE_ACCOUNT) manages agents; "
            "'alice' is not a supervisor\n"
        )
    log_in(monkeypatch, "wang.fang", 4302)
    assert desk("agents", "role", "bob", "--role", "supervisor") == (0, "agent bob is now supervisor\n", "")
    with migrated.read() as session:
        rows = session.connection().exec_driver_sql("SELECT actor, action FROM audit_event ORDER BY seq").all()
    assert [tuple(row) for row in rows][3:] == [("alice", "agent.denied")] * 3 + [("wang.fang", "agent.role")]


def test_duplicate_agent_is_refused(desk: Desk, migrated: Database) -> None:
    desk("agents", "add", "bob", "--role", "agent")
    code, _, err = desk("agents", "add", "bob", "--role", "agent")
    assert code == 2 and err == "lifer-desk: agent 'bob' already exists (role agent)\n"


def test_checkpoint_needs_the_audit_key(desk: Desk, migrated: Database) -> None:
    code, out, err = desk("audit", "checkpoint")
    assert (code, out) == (2, "")
    assert (
        err
        == "lifer-desk: configuration error: LIFER_AUDIT_KEY: is not set; it is needed to sign an audit checkpoint\n"
    )


def test_checkpoint_and_verify_round_trip(
    desk: Desk, migrated: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIFER_AUDIT_KEY", KEY)
    desk("agents", "add", "bob", "--role", "agent")
    code, out, _ = desk("audit", "checkpoint")
    assert code == 0 and json.loads(out)["seq"] == 1
    checkpoint = tmp_path / "head.json"
    assert desk("audit", "checkpoint", "--out", str(checkpoint)) == (0, f"checkpoint written to {checkpoint}\n", "")
    desk("agents", "deactivate", "bob")
    code, out, _ = desk("audit", "verify", "--checkpoint", str(checkpoint))
    assert code == 0
    assert out.splitlines()[0].startswith("audit chain OK: 2 events")
    assert out.splitlines()[1] == (
        f"checkpoint {checkpoint} matches the chain up to seq 1; 1 later events (seq 2-2) are not vouched for by it"
    )
    assert desk("audit", "checkpoint", "--out", str(checkpoint))[0] == 0
    code, out, _ = desk("audit", "verify", "--checkpoint", str(checkpoint))
    assert out.splitlines()[1] == f"checkpoint {checkpoint} matches the chain; it vouches for every event"

    monkeypatch.setenv("LIFER_AUDIT_KEY", "some other key")
    code, _, err = desk("audit", "verify", "--checkpoint", str(checkpoint))
    assert code == 2 and err == "lifer-desk: checkpoint signature does not match LIFER_AUDIT_KEY\n"
    code, _, err = desk("audit", "verify", "--checkpoint", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read checkpoint" in err and err.count("\n") == 1


def test_verify_on_a_broken_chain_exits_1_naming_seq_and_problem(desk: Desk, migrated: Database) -> None:
    for name in ("a", "b", "c"):
        desk("agents", "add", name, "--role", "agent")
    with migrated.engine.begin() as conn:
        if migrated.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_change ON audit_event")
        conn.exec_driver_sql("UPDATE audit_event SET actor = 'mallory' WHERE seq = 2")
    code, out, _ = desk("audit", "verify")
    assert code == 1
    assert out.startswith("audit chain BROKEN at seq 2: edited (")
    assert out.splitlines()[0].endswith("1 events verified before it")


def _drop_guards(db: Database) -> str:
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
            return "audit_event_no_update, audit_event_no_delete"
        conn.exec_driver_sql("DROP TRIGGER audit_event_no_change ON audit_event")
        return "audit_event_no_change"


def _append(db: Database, count: int) -> None:
    for n in range(count):
        with db.write() as session:
            audit.append(session, actor="hostadmin", action="ticket.note", entity_type="ticket", entity_id=n)


def test_verify_holds_the_chain_to_the_head_and_a_cut_tail_is_broken(desk: Desk, migrated: Database) -> None:
    _append(migrated, 42)
    dropped = _drop_guards(migrated)
    with migrated.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_event WHERE seq >= 38")
    code, out, _ = desk("audit", "verify")
    assert code == 1
    chain, guards = out.splitlines()
    assert chain == (
        "audit chain BROKEN at seq 38: missing (an event is missing (deleted, or the tail cut off)); "
        "37 events verified before it"
    )
    assert guards == (
        f"audit guards MISSING: {dropped} (the table no longer refuses every change); "
        "run `lifer-desk db upgrade` to restore them"
    )


def test_events_beyond_the_head_or_a_rehashed_last_event_are_caught(desk: Desk, migrated: Database) -> None:
    _append(migrated, 3)
    with migrated.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_head SET seq = 2")
    code, out, _ = desk("audit", "verify")
    assert code == 1 and out.startswith("audit chain BROKEN at seq 3: inserted (")
    with migrated.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE audit_head SET seq = 3, hash = '{'e' * 64}'")
    code, out, _ = desk("audit", "verify")
    assert code == 1
    assert out.startswith("audit chain BROKEN at seq 3: rewritten (")
    assert out.rstrip().endswith("no event up to it can be trusted")


def test_dropped_guards_are_reported_by_verify_and_restored_by_upgrade(desk: Desk, migrated: Database) -> None:
    _append(migrated, 2)
    dropped = _drop_guards(migrated)
    code, out, _ = desk("audit", "verify")
    assert code == 1
    assert out.splitlines()[0].startswith("audit chain OK: 2 events")
    assert out.splitlines()[1].startswith(f"audit guards MISSING: {dropped} ")
    code, out, err = desk("db", "upgrade")
    assert (code, err) == (0, "")
    assert out.splitlines()[1] == f"restored audit guards that were missing: {dropped} (recorded in the audit trail)"
    code, out, _ = desk("audit", "verify")
    assert (code, len(out.splitlines())) == (0, 1)
    assert out.startswith("audit chain OK: 3 events")
    assert desk("db", "upgrade")[1].count("\n") == 1
    with migrated.read() as session:
        action = session.connection().exec_driver_sql("SELECT action FROM audit_event WHERE seq = 3").scalar_one()
    assert action == "audit.guards_restored"


def test_a_database_failure_after_opening_is_one_line(desk: Desk, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only PostgreSQL (a hot standby, say) opens fine, then refuses the first write."""
    monkeypatch.setenv("LIFER_DATABASE_URL", pg_url)
    name = make_url(pg_url).database
    database = Database(pg_url)
    try:
        with database.engine.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            conn.commit()
    finally:
        database.dispose()
    code, out, err = desk("agents", "add", "bob", "--role", "agent")
    assert (code, out) == (2, "")
    assert err == "lifer-desk: database error: cannot execute INSERT in a read-only transaction\n"


@pytest.mark.parametrize("body", ["not json at all", "[1, 2]", '{"seq": 1}'])
def test_a_malformed_checkpoint_says_what_a_checkpoint_looks_like(
    desk: Desk, migrated: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    monkeypatch.setenv("LIFER_AUDIT_KEY", KEY)
    checkpoint = tmp_path / "odd.json"
    checkpoint.write_text(body, encoding="utf-8")
    code, out, err = desk("audit", "verify", "--checkpoint", str(checkpoint))
    assert (code, out) == (2, "")
    assert err == (
        "lifer-desk: malformed checkpoint: expected the JSON object that `lifer-desk audit checkpoint` writes "
        "(seq, hash, ts, sig)\n"
    )


def test_verify_against_a_checkpoint_needs_the_audit_key(desk: Desk, migrated: Database, tmp_path: Path) -> None:
    checkpoint = tmp_path / "head.json"
    checkpoint.write_text("{}", encoding="utf-8")
    code, out, err = desk("audit", "verify", "--checkpoint", str(checkpoint))
    assert (code, out) == (2, "")
    assert err == (
        "lifer-desk: configuration error: LIFER_AUDIT_KEY: is not set; it is needed to check a signed checkpoint\n"
    )


def test_a_locked_database_is_one_sentence_without_sql(
    desk: Desk, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when a long seed held another desk's note past the busy timeout."""
    monkeypatch.setenv("LIFER_DATABASE_URL", sqlite_url)
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 200)
    with closing(sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        code, out, err = desk("agents", "add", "bob", "--role", "agent")
    assert (code, out) == (2, "")
    assert (
        err == "lifer-desk: The database is busy with other desks' writes: nothing was saved, try again in a moment.\n"
    )


def test_macros_round_trip_is_audited_and_refuses_unknown_placeholders(desk: Desk, migrated: Database) -> None:
    assert desk("macros", "list")[1].startswith("no macros yet")
    added = desk(
        "macros",
        "add",
        "more-info",
        "--language",
        "zh",
        "--text",
        "{requester_name}您好，请补充信息。{ticket}",
        "--status",
        "pending_customer",
    )
    assert added == (0, "macro more-info (zh) added\n", "")
    assert desk("macros", "add", "more-info", "--language", "en", "--text", "Hello {requester_name}")[0] == 0
    code, _out, err = desk("macros", "add", "bad", "--language", "en", "--text", "Hi {customer}")
    assert code == 2 and "unknown placeholder {customer}" in err
    code, _out, err = desk("macros", "add", "more-info", "--language", "en", "--text", "again")
    assert code == 2 and "--replace" in err
    assert desk("macros", "list")[1].splitlines() == [
        "more-info  en  Hello {requester_name}",
        "more-info  zh  status=pending_customer  {requester_name}您好，请补充信息。{ticket}",
    ]
    assert desk("macros", "remove", "more-info", "--language", "en") == (0, "macro more-info (en) removed\n", "")
    assert [line.split()[0] for line in desk("macros", "list")[1].splitlines()] == ["more-info"]
    with migrated.read() as session:
        actions = [event.action for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]
    assert actions == ["macro.add", "macro.add", "macro.remove"]
