"""`lifer-desk requests ...` end to end through the real entry point, over the in-process admin-API sandbox:
raising (waiting for verification, or straight to approval), four-eyes, reject with a reason, the stable JSON,
and one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from lifer_desk.domain.requests import DeletionScope
from lifer_desk.services import requests
from lifer_desk.services.agents import Actor, add_agent
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database
from lifer_desk.store.types import utcnow
from tests.agent_support import enrol, log_in
from tests.cli.test_cli_commands import Desk as Runner
from tests.request_support import Clock, context, open_ticket, record_verified, tamper
from tests.verification_support import ADULT_WITH_GENDER, UNDER_14_WITHOUT_CONSENT, stored_user

JSON_KEYS = {
    "id", "kind", "state", "account_id", "ticket_id", "requested_by", "approved_by", "due_calendar", "due_working",
    "payload_hash",
}  # fmt: skip


class Desk:
    """Runs `lifer-desk ARGS...` as an OS user: the runner of the other CLI tests, as that user's uid."""

    def __init__(self, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
        self._run = run
        self._monkeypatch = monkeypatch

    def __call__(self, user: str, *args: str) -> tuple[int, str, str]:
        # The desk takes the OS user from the real uid: each test user gets a uid of its own.
        log_in(self._monkeypatch, user, 60000 + sum(map(ord, user)))
        return self._run(*args)


@pytest.fixture
def db(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sandbox_template: Path) -> Iterator[Database]:
    for variable in [v for v in os.environ if v.startswith("LIFER_")] + ["USER", "LNAME", "USERNAME"]:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LIFER_DATABASE_URL", db_url)
    # The admin-API factory's in-process sandbox lives in the data directory: give it a seeded copy.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (tmp_path / "data" / "lifer-desk").mkdir(parents=True)
    shutil.copyfile(sandbox_template, tmp_path / "data" / "lifer-desk" / "sandbox.db")
    monkeypatch.chdir(tmp_path)  # no stray .env
    database = Database(db_url)
    for name, role in (("alice", "agent"), ("sam", "supervisor")):
        add_agent(database, actor=Actor("hostadmin", operator=True), name=name, role=role)
    yield database
    database.dispose()


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Desk:
    return Desk(Runner(monkeypatch, capsys), monkeypatch)


@pytest.fixture
def alice(db: Database) -> DeskContext:
    return context(db, Clock(utcnow()), "alice", "agent")


@pytest.fixture
def account(sandbox_template: Path) -> str:
    return stored_user(sandbox_template, ADULT_WITH_GENDER).id


def one_line_error(result: tuple[int, str, str], fragment: str) -> None:
    code, out, err = result
    assert code == 2 and out == "" and err.count("\n") == 1 and fragment in err, result


def test_a_deletion_is_raised_approved_by_another_supervisor_and_listed(
    desk: Desk, alice: DeskContext, account: str
) -> None:
    ticket_id = open_ticket(alice, account)
    code, out, err = desk(
        "alice", "requests", "new", "--ticket", str(ticket_id), "--kind", "delete", "--scope", "account", "--json"
    )
    assert code == 0 and err == ""
    waiting = json.loads(out)
    assert set(waiting) >= JSON_KEYS and waiting["state"] == "awaiting_verification"
    assert waiting["account_id"] == account and waiting["ticket_id"] == ticket_id and waiting["requested_by"] == "alice"
    assert waiting["payload"]["etag"]  # read from the admin API, and bound by the hash

    record_verified(alice, ticket_id, account)
    code, out, _ = desk("alice", "requests", "new", "--ticket", str(ticket_id), "--kind", "delete", "--scope", "diary")
    assert code == 0 and out.startswith("request #2 is awaiting_approval")

    one_line_error(desk("alice", "requests", "approve", "2"), "only a supervisor can approve")
    code, out, _ = desk("sam", "requests", "approve", "2", "--json")
    approved = json.loads(out)
    assert code == 0 and approved["state"] == "approved" and approved["approved_by"] == "sam"
    assert approved["due_working"] is not None and approved["due_calendar"] is not None

    code, out, _ = desk("sam", "requests", "list", "--json")
    listed = json.loads(out)
    # Nearest deadline first: the request whose clock has not started comes last.
    assert code == 0 and [row["id"] for row in listed] == [2, 1]
    code, out, _ = desk("sam", "requests", "list", "--state", "approved", "--due-within", "30d", "--json")
    assert [row["id"] for row in json.loads(out)] == [2]
    code, out, _ = desk("sam", "requests", "list")
    assert code == 0 and out.splitlines()[0].startswith("ID\tSTATE") and len(out.splitlines()) == 3

    code, out, _ = desk("alice", "requests", "show", "2", "--json")
    shown = json.loads(out)
    assert [entry["action"] for entry in shown["history"]] == ["request.raise", "request.submit", "request.approve"]
    code, out, _ = desk("alice", "requests", "show", "2")
    assert code == 0 and f"payload_hash: {approved['payload_hash']}" in out


def test_a_rejection_needs_a_reason_and_is_for_supervisors(desk: Desk, alice: DeskContext, account: str) -> None:
    ticket_id = open_ticket(alice, account)
    record_verified(alice, ticket_id, account)
    desk("alice", "requests", "new", "--ticket", str(ticket_id), "--kind", "correct", "--set", "email=new@example.com")
    one_line_error(desk("alice", "requests", "reject", "1", "--reason", "no"), "only a supervisor")
    one_line_error(desk("sam", "requests", "reject", "1", "--reason", " "), "give a reason")
    code, out, _ = desk("sam", "requests", "reject", "1", "--reason", "caller withdrew", "--json")
    assert code == 0 and json.loads(out)["reject_reason"] == "caller withdrew"


def test_images_are_checked_against_the_admin_api(
    desk: Desk, alice: DeskContext, account: str, sandbox_template: Path
) -> None:
    with sqlite3.connect(sandbox_template) as conn:
        owned = [row[0] for row in conn.execute("SELECT id FROM image WHERE user_id = ? ORDER BY id", (account,))]
    ticket_id = open_ticket(alice, account)
    new = ("alice", "requests", "new", "--ticket", str(ticket_id), "--kind", "delete")
    one_line_error(desk(*new, "--scope", "images:no-such-image"), "has no image no-such-image")
    if owned:
        code, out, _ = desk(*new, "--scope", f"images:{owned[0]}", "--json")
        assert code == 0 and json.loads(out)["payload"]["image_ids"] == [owned[0]]


def test_a_deletion_for_an_under_14_without_consent_is_urgent(
    desk: Desk, alice: DeskContext, account: str, sandbox_template: Path
) -> None:
    minor = stored_user(sandbox_template, UNDER_14_WITHOUT_CONSENT).id
    for account_id, priority in ((minor, "urgent"), (account, "normal")):
        ticket_id = str(open_ticket(alice, account_id))
        code, out, _ = desk(
            "alice", "requests", "new", "--ticket", ticket_id, "--kind", "delete", "--scope", "diary", "--json"
        )
        assert code == 0 and json.loads(out)["priority"] == priority


def test_bad_input_is_one_line_with_exit_code_2(desk: Desk, alice: DeskContext, account: str) -> None:
    ticket_id = str(open_ticket(alice, account))
    new = ("alice", "requests", "new", "--ticket", ticket_id)
    one_line_error(desk(*new, "--kind", "correct", "--set", "email=not-an-email"), "email")
    one_line_error(desk(*new, "--kind", "correct", "--set", "shoe=42"), "--set field must be one of")
    one_line_error(desk(*new, "--kind", "delete", "--scope", "everything"), "--scope must be one of")
    one_line_error(desk(*new, "--kind", "delete"), "a deletion takes --scope")
    one_line_error(desk(*new, "--kind", "erase", "--scope", "account"), "--kind must be delete or correct")
    one_line_error(
        desk(
            "alice",
            "requests",
            "new",
            "--ticket",
            str(open_ticket(alice, None)),
            "--kind",
            "delete",
            "--scope",
            "diary",
        ),
        "link the caller's account",
    )
    one_line_error(desk("alice", "requests", "list", "--due-within", "soon"), "--due-within takes")
    one_line_error(desk("alice", "requests", "list", "--state", "limbo"), "--state must be one of")
    one_line_error(desk("alice", "requests", "show", "99"), "no request #99")
    one_line_error(desk("mallory", "requests", "list"), "is not a lifer-desk agent")


def test_an_approved_request_is_delivered_by_outbox_run_and_its_receipt_printed(
    desk: Desk, alice: DeskContext, account: str, sandbox_template: Path
) -> None:
    with sqlite3.connect(sandbox_template) as conn:
        entries = {row[0] for row in conn.execute("SELECT id FROM diary_entry WHERE user_id = ?", (account,))}
    assert entries
    ticket_id = open_ticket(alice, account)
    record_verified(alice, ticket_id, account)
    desk("alice", "requests", "new", "--ticket", str(ticket_id), "--kind", "delete", "--scope", "diary")
    desk("sam", "requests", "approve", "1")
    code, out, _ = desk("alice", "outbox", "status", "--json")
    assert code == 0 and json.loads(out) == {"failing_since": None, "pending": 1, "in_flight": 0, "failed": 0}

    code, out, err = desk("alice", "outbox", "run", "--until-idle")
    assert (code, out, err) == (0, "", "")
    code, out, _ = desk("alice", "requests", "receipt", "1", "--json")
    receipt = json.loads(out)
    assert code == 0 and receipt["request_id"] == 1 and receipt["state"] == "completed"
    assert {item["id"] for item in receipt["items"]} == entries
    assert all(set(item) >= {"kind", "id", "at"} and item["kind"] == "diary_entry" for item in receipt["items"])
    code, out, _ = desk("alice", "requests", "receipt", "1")
    assert code == 0 and out.splitlines()[0] == "request #1 is completed" and len(out.splitlines()) == 1 + len(entries)
    code, out, _ = desk("alice", "outbox", "status")
    assert code == 0 and out.splitlines()[:3] == ["pending: 0", "in flight: 0", "failed requests: 0"]
    one_line_error(desk("alice", "requests", "receipt", "99"), "no request #99")


def test_cancel_by_the_requester_or_a_supervisor(desk: Desk, alice: DeskContext, account: str, db: Database) -> None:
    enrol(db, "bob", "agent")
    ticket_id = str(open_ticket(alice, account))
    for scope in ("diary", "payment_links"):
        desk("alice", "requests", "new", "--ticket", ticket_id, "--kind", "delete", "--scope", scope)
    one_line_error(desk("bob", "requests", "cancel", "1"), "only the agent who raised a request")
    code, out, err = desk("alice", "requests", "cancel", "1", "--json")
    assert code == 0 and err == ""
    cancelled = json.loads(out)
    assert set(cancelled) >= JSON_KEYS and cancelled["state"] == "cancelled" and cancelled["cancelled_by"] == "alice"
    code, out, _ = desk("sam", "requests", "cancel", "2")
    assert code == 0 and out.startswith("request #2 is cancelled")
    one_line_error(desk("sam", "requests", "cancel", "2"), "cannot go from cancelled to cancelled")
    one_line_error(desk("sam", "requests", "cancel", "9"), "no request #9")


def test_list_marks_what_expired_before_it_lists(desk: Desk, db: Database, account: str) -> None:
    # Raised 73 hours ago and never verified: past the 72 h approval expiry, though no desk has swept it.
    long_ago = context(db, Clock(utcnow() - timedelta(hours=73)), "alice", "agent")
    ticket_id = open_ticket(long_ago, account)
    stale = requests.raise_deletion(long_ago, ticket_id, DeletionScope.DIARY, etag=None)
    fresh = requests.raise_deletion(context(db, Clock(utcnow()), "alice"), ticket_id, DeletionScope.DIARY, etag=None)
    code, out, _ = desk("sam", "requests", "list", "--json")
    states = {row["id"]: row["state"] for row in json.loads(out)}
    assert code == 0 and states == {stale.id: "expired", fresh.id: "awaiting_verification"}
    code, out, _ = desk("sam", "requests", "list", "--state", "awaiting_verification", "--json")
    assert [row["id"] for row in json.loads(out)] == [fresh.id]


def test_both_expiries_are_settings(
    desk: Desk, alice: DeskContext, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIFER_REQUEST_APPROVAL_HOURS", "1.5")
    monkeypatch.setenv("LIFER_REQUEST_EXECUTION_HOURS", "2")
    ticket_id = open_ticket(alice, account)
    record_verified(alice, ticket_id, account)
    new = ("requests", "new", "--ticket", str(ticket_id), "--kind", "delete", "--scope", "diary", "--json")
    raised = json.loads(desk("alice", *new)[1])
    since = datetime.fromisoformat(raised["state_since"])
    assert datetime.fromisoformat(raised["expires_at"]) - since == timedelta(hours=1.5)
    approved = json.loads(desk("sam", "requests", "approve", str(raised["id"]), "--json")[1])
    assert datetime.fromisoformat(approved["expires_at"]) - datetime.fromisoformat(
        approved["approved_at"]
    ) == timedelta(hours=2)


def test_retry_by_a_supervisor_and_resubmit_by_the_requester(
    desk: Desk, alice: DeskContext, account: str, db: Database
) -> None:
    enrol(db, "bob", "agent")
    ticket_id = str(open_ticket(alice, account))
    for scope in ("diary", "payment_links"):
        desk("alice", "requests", "new", "--ticket", ticket_id, "--kind", "delete", "--scope", scope)
    tamper(db, 1, state="failed")
    one_line_error(desk("alice", "requests", "retry", "1"), "only a supervisor can retry")
    code, out, _ = desk("sam", "requests", "retry", "1")
    assert code == 0 and out.startswith("request #1 is executing")
    one_line_error(desk("sam", "requests", "retry", "1"), "only a failed request can be retried")
    one_line_error(desk("alice", "requests", "resubmit", "2"), "only an expired request can be re-submitted")
    tamper(db, 2, state="expired")
    one_line_error(desk("bob", "requests", "resubmit", "2"), "only the agent who raised a request")
    code, out, err = desk("alice", "requests", "resubmit", "2", "--json")
    assert code == 0 and err == ""
    again = json.loads(out)
    assert again["state"] == "awaiting_verification" and again["approved_by"] is None, "the caller is not verified"
    one_line_error(desk("alice", "requests", "resubmit", "9"), "no request #9")
