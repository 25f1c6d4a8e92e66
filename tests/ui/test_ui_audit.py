"""Audit and dashboard modes: supervisors only (an agent is told, and the attempt audited), filters, detail,
a tampered chain shown in red with the table at the first bad event, export and checkpoint; 80x24 snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual.pilot import Pilot

from lifer_desk.config import Secret
from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.requests import DeletionScope
from lifer_desk.services import audit_review, requests
from lifer_desk.services.context import DeskContext
from lifer_desk.store import verifications
from lifer_desk.store.db import Database
from lifer_desk.ui import DeskApp
from lifer_desk.ui.audit.screen import AuditScreen
from lifer_desk.ui.dashboard.screen import DashboardScreen
from lifer_desk.ui.queues.screen import QueuesScreen
from lifer_desk.ui.requests.detail import RequestDetailScreen
from lifer_desk.ui.requests.screen import RequestsScreen
from tests.agent_support import enrol
from tests.audit_support import Event, drop_triggers, load_chain
from tests.fakes.admin_api import FakeAdminApi, with_admin
from tests.ui.requests.request_ui_support import admin_with_images, verified_ticket
from tests.ui.ui_support import NOW, Notices


def _trail(db: Database) -> None:
    events = []
    for n in range(1, 31):
        at = NOW - timedelta(minutes=(31 - n) * 9)
        if n % 3 == 0:
            events.append(
                Event(
                    at,
                    "alice",
                    AuditAction.ACCOUNT_LOOKUP,
                    "account",
                    f"u_{n % 2}",
                    {"reason": "verify_identity", "ticket_id": n},
                )
            )
        elif n % 3 == 1:
            events.append(Event(at, "bob", AuditAction.TICKET_CLAIM, "ticket", str(n), {"masked": "z***@qq.com"}))
        else:
            details = {"account_id": f"u_{n % 2}", "ticket_id": n, "outcome": "failed", "名字": "王*"}
            events.append(Event(at, "alice", AuditAction.VERIFICATION_ATTEMPT, "verification", str(n), details))
    load_chain(db, events)


@pytest.fixture
def sam(ctx: DeskContext, tmp_path: Path) -> DeskContext:
    enrol(ctx.db, "sam", "supervisor")
    _trail(ctx.db)
    settings = replace(ctx.settings, audit_key=Secret("k" * 32), audit_checkpoint_dir=tmp_path / "checkpoints")
    return replace(ctx, agent="sam", role="supervisor", settings=settings)


def app_for(ctx: DeskContext) -> DeskApp:
    return DeskApp(with_admin(ctx, FakeAdminApi()))


def pressing(settle, *keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


def test_the_audit_table_80x24(snap_compare, sam: DeskContext, settle) -> None:
    assert snap_compare(app_for(sam), terminal_size=(80, 24), run_before=pressing(settle, "4"))


def test_the_detail_pane_80x24(snap_compare, sam: DeskContext, settle) -> None:
    assert snap_compare(app_for(sam), terminal_size=(80, 24), run_before=pressing(settle, "4", "down", "enter"))


def test_a_broken_chain_in_red_at_its_first_bad_seq_80x24(snap_compare, sam: DeskContext, settle) -> None:
    drop_triggers(sam.db)
    with sam.db.write() as session:
        session.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE seq = 12"))
    assert snap_compare(app_for(sam), terminal_size=(80, 24), run_before=pressing(settle, "4"))


def _dashboard_data(ctx: DeskContext, make_ticket) -> None:
    for n in range(6):
        make_ticket(f"退款 {n}", age=timedelta(days=n * 2, hours=1))
    with ctx.db.write() as session:
        for agent, failures in (("alice", 1), ("bob", 1), ("mallory", 7)):
            for n in range(failures):
                verifications.add_attempt(
                    session, ticket_id=None, account_id="u_1", agent=agent, fields_stated=["email"],
                    results={"email": "mismatch"}, outcome="failed", attempt=1, at=NOW - timedelta(hours=n),
                    expires_at=None,
                )  # fmt: skip


def test_the_dashboard_80x24(snap_compare, sam: DeskContext, make_ticket, settle) -> None:
    _dashboard_data(sam, make_ticket)
    assert snap_compare(app_for(sam), terminal_size=(80, 24), run_before=pressing(settle, "5"))


def test_the_dashboard_under_no_color_80x24(snap_compare, sam: DeskContext, make_ticket, settle, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    _dashboard_data(sam, make_ticket)
    assert snap_compare(app_for(sam), terminal_size=(80, 24), run_before=pressing(settle, "5"))


@pytest.mark.parametrize("key", ["4", "5"])
async def test_an_agent_is_told_the_mode_is_for_supervisors(ctx: DeskContext, settle, key: str) -> None:
    notices = Notices()
    app = app_for(ctx)
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, QueuesScreen)
        assert any("for supervisors only" in message for message in notices.messages)
    with ctx.db.read() as session:
        denied = session.execute(text("SELECT actor, details FROM audit_event WHERE action = 'audit.denied'")).all()
    assert [(actor, json.loads(details)["attempted"]) for actor, details in denied] == [
        ("alice", "list" if key == "4" else "dashboard")
    ]


async def test_who_viewed_what_and_an_export_from_the_pane(sam: DeskContext, settle, tmp_path: Path) -> None:
    notices = Notices()
    app = app_for(sam)
    out = tmp_path / "viewed.jsonl"
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        await pilot.press("w")
        await settle(pilot)
        shown = [row.cells[3].plain for row in app.screen.table.buffered_rows]
        assert shown and set(shown) <= {"account.lookup", "verification.attempt"}
        await pilot.press("x")
        await settle(pilot)
        await pilot.press(*str(out), "enter")
        await settle(pilot)
        assert any("Exported 20 events" in message for message in notices.messages)
        await pilot.press("C")
        await settle(pilot)
        assert any("Checkpoint of seq" in message for message in notices.messages)
        assert "signature valid" in str(app.screen.query_one("#audit-status").render())
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 20 and out.stat().st_mode & 0o777 == 0o600


async def test_the_filter_dialog_narrows_the_table_and_refuses_a_bad_entity(sam: DeskContext, settle) -> None:
    app = app_for(sam)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4", "f")
        await settle(pilot)
        await pilot.press("tab", "tab", *"mailbox:1", "enter")
        await settle(pilot)
        assert "TYPE:ID" in str(app.screen.query_one(".dialog-hint").render())
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("f", *"bob", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        assert {row.cells[2].plain for row in app.screen.table.buffered_rows} == {"bob"}


async def test_the_dashboard_redraws_nothing_when_nothing_changed(sam: DeskContext, settle) -> None:
    app = app_for(sam)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        queues = screen.query_one("#dash-queues")
        before = queues.render()
        screen.refresh_figures()
        await settle(pilot)
        assert queues.render() is before


async def test_the_request_link_opens_the_request_in_requests_mode(sam: DeskContext, settle) -> None:
    ticket_id = verified_ticket(sam)
    request_id = requests.raise_deletion(sam, ticket_id, DeletionScope.ACCOUNT, etag='"1"').id
    # The newest event, so the first row: one about the request.
    load_chain(sam.db, [Event(NOW, "sam", AuditAction.REQUEST_APPROVE, "data_request", str(request_id))])
    app = DeskApp(with_admin(sam, admin_with_images()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4", "enter")
        await settle(pilot)
        assert f"request #{request_id}" in str(app.screen.query_one("#audit-detail").render())
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RequestDetailScreen) and app.current_mode == "requests"
        assert app.screen.title_text == f"Request #{request_id}"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)


async def test_a_supervisor_is_warned_of_a_stale_checkpoint_on_start_and_on_the_dashboard(
    sam: DeskContext, settle
) -> None:
    notices = Notices()
    app = app_for(sam)
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await settle(pilot)
        assert any("No audit checkpoint in the last 24 h" in message for message in notices.messages)
        await pilot.press("5")
        await settle(pilot)
        assert "No audit checkpoint in the last 24 h" in str(app.screen.query_one("#dash-title").render())


async def _checkpoint_notices(ctx: DeskContext, settle) -> list[str]:
    notices = Notices()
    async with app_for(ctx).run_test(size=(80, 24), message_hook=notices) as pilot:
        await settle(pilot)
    return [message for message in notices.messages if "checkpoint" in message]


async def test_no_checkpoint_warning_for_an_agent_nor_after_a_fresh_checkpoint(
    sam: DeskContext, ctx: DeskContext, settle
) -> None:
    assert await _checkpoint_notices(replace(ctx, settings=sam.settings), settle) == []
    audit_review.write_checkpoint_file(sam)
    assert await _checkpoint_notices(sam, settle) == []


async def test_the_audit_tables_status_line_says_which_row_in_words(sam: DeskContext, settle) -> None:
    # The trail is not counted (ten million events are not free to count), so the line names the row alone.
    app = app_for(sam)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)
        table = app.screen.table
        assert str(table.render_line(table.size.height - 1).text).strip() == "row 3"
