"""`lifer-desk audit export` and `lifer-desk dashboard --json` through the real entry point: supervisors only,
filters as options, a 0600 file whose every line recomputes its hash, and the dashboard's keys."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lifer_desk.services.agents import Actor, add_agent
from lifer_desk.services.audit_review import line_hash_ok
from lifer_desk.store.db import Database
from tests.agent_support import log_in
from tests.audit_support import Event, load_chain
from tests.cli.test_cli_commands import Desk

START = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def db(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Database]:
    for variable in [v for v in os.environ if v.startswith("LIFER_")] + ["USER", "LNAME", "USERNAME"]:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LIFER_DATABASE_URL", db_url)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    database = Database(db_url)
    for name, role in (("alice", "agent"), ("sam", "supervisor")):
        add_agent(database, actor=Actor("hostadmin", operator=True), name=name, role=role)
    load_chain(
        database,
        [
            Event(
                START + timedelta(hours=n),
                "alice" if n % 2 else "bob",
                "verification.attempt",
                "verification",
                str(n),
                {"account_id": f"u_{n % 3}"},
            )
            for n in range(12)
        ],
    )
    yield database
    database.dispose()


def run_as(desk: Desk, monkeypatch: pytest.MonkeyPatch, user: str, *args: str) -> tuple[int, str, str]:
    log_in(monkeypatch, user, 60000 + sum(map(ord, user)))
    return desk(*args)


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Desk:
    return Desk(monkeypatch, capsys)


def test_a_supervisor_exports_a_filtered_range_to_a_private_file(
    db: Database, desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "u1.csv"
    code, _, err = run_as(
        desk, monkeypatch, "sam", "audit", "export", "--entity", "account:u_1", "--since", "2026-11-01 12:00",
        "--format", "csv", "--out", str(out),
    )  # fmt: skip
    # Adding the two agents took seq 1-2, so event n is seq n + 3. Account u_1 is n = 1, 4, 7, 10; from 12:00 in
    # Shanghai (04:00 UTC) on: n = 4, 7, 10.
    assert code == 0 and "exported 3 events (seq 7-13)" in err
    assert out.stat().st_mode & 0o777 == 0o600
    code, stdout, _ = run_as(desk, monkeypatch, "sam", "audit", "export", "--actor", "bob")
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert code == 0 and [line["seq"] for line in lines] == [3, 5, 7, 9, 11, 13] and all(map(line_hash_ok, lines))


def test_an_agent_is_refused_the_export_and_the_dashboard(
    db: Database, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    for args in (("audit", "export"), ("dashboard", "--json")):
        code, out, err = run_as(desk, monkeypatch, "alice", *args)
        assert (code, out) == (2, "") and "for supervisors only" in err


def test_bad_export_options_get_one_line(db: Database, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_as(desk, monkeypatch, "sam", "audit", "export", "--since", "yesterday")
    assert code == 2 and "--since takes a date or time" in err
    code, _, err = run_as(desk, monkeypatch, "sam", "audit", "export", "--format", "xml")
    assert code == 2 and "jsonl or csv" in err


def test_dashboard_json_has_the_keys_scripts_read(db: Database, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run_as(desk, monkeypatch, "sam", "dashboard", "--json")
    figures = json.loads(out)
    assert code == 0
    assert {
        "queues",
        "breached",
        "requests_due_3d",
        "requests_overdue",
        "verification_failures_by_agent",
        "workload",
    } <= figures.keys()
