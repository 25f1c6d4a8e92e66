"""80x24 snapshots of the desk in Simplified Chinese (issue 15): every mode, the ticket view, the verify dialog,
help, and the d/e request dialogs, so that CJK labels (2 cells each) and Babel's dates and durations fit.

Each agent is put on zh_CN as a supervisor would (`agents set NAME --lang zh_CN`); the scenes are the UI
tests' own, with their fixed clocks.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from lifer_desk.store import audit
from tests.i18n.zh_support import speak
from tests.ui.requests.request_ui_support import MINOR, raise_deletions, supervisor, verified_ticket
from tests.ui.requests.test_ui_request_snapshots import desk_as
from tests.ui.test_ui_audit import _dashboard_data, app_for, pressing
from tests.ui.test_ui_audit import sam as sam  # a fixture
from tests.ui.test_ui_feedback_snapshots import in_feedback
from tests.ui.test_ui_feedback_snapshots import seeded_app as seeded_app  # a fixture
from tests.ui.test_ui_snapshots import seeded as seeded  # a fixture
from tests.ui.test_ui_snapshots import show_all
from tests.ui.test_ui_verification_snapshots import ADULT, WRONG_BIRTHDAY, desk_on, stating, ticket_on, verifying
from tests.ui.ui_support import NOW

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def fixed_audit_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Choosing the language is audited; at the desk's fixed time, so the audit pane reads the same every run.
    monkeypatch.setattr(audit, "utcnow", lambda: NOW)


class TestQueuesAndTicketInChinese:
    """Mode 1: the queues, a ticket, help and the verify dialog."""

    def test_queues(self, snap_compare, desk_app, ctx, seeded, settle) -> None:
        speak(ctx.db, "zh_CN", "alice")
        assert snap_compare(desk_app(), terminal_size=SIZE, run_before=show_all(settle))

    def test_ticket_view(self, snap_compare, desk_app, ctx, seeded, settle) -> None:
        speak(ctx.db, "zh_CN", "alice")

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            pilot.app.open_ticket(seeded[1])
            await settle(pilot)

        assert snap_compare(desk_app(), terminal_size=SIZE, run_before=run_before)

    def test_help(self, snap_compare, desk_app, ctx, seeded, settle) -> None:
        speak(ctx.db, "zh_CN", "alice")
        assert snap_compare(desk_app(), terminal_size=SIZE, run_before=pressing(settle, "question_mark"))

    def test_command_palette(self, snap_compare, desk_app, ctx, seeded, settle) -> None:
        speak(ctx.db, "zh_CN", "alice")
        assert snap_compare(desk_app(), terminal_size=SIZE, run_before=pressing(settle, "ctrl+p"))

    def test_verify_dialog_with_a_failure(self, snap_compare, ctx, settle) -> None:
        speak(ctx.db, "zh_CN", "alice")
        ticket_id = ticket_on(ctx, ADULT.id)
        run_before = verifying(settle, ticket_id, stating("zhang.san@qq.com", "xiaozhang", "1990-05-17"))
        assert snap_compare(desk_on(ctx, ADULT, WRONG_BIRTHDAY), terminal_size=SIZE, run_before=run_before)


class TestRequestDialogsInChinese:
    """`d` and `e` on a verified ticket."""

    def test_deletion_dialog(self, snap_compare, ctx, settle) -> None:
        speak(ctx.db, "zh_CN", "alice")
        ticket_id = verified_ticket(ctx, MINOR.id)
        assert snap_compare(desk_as(ctx, ticket_id), terminal_size=SIZE, run_before=pressing(settle, "d"))

    def test_correction_dialog(self, snap_compare, ctx, settle) -> None:
        speak(ctx.db, "zh_CN", "alice")
        ticket_id = verified_ticket(ctx)
        assert snap_compare(desk_as(ctx, ticket_id), terminal_size=SIZE, run_before=pressing(settle, "e"))


class TestModesInChinese:
    """Modes 2 to 5: feedback, requests, audit and the dashboard."""

    def test_feedback(self, snap_compare, ctx, seeded_app, settle) -> None:
        speak(ctx.db, "zh_CN", "alice")
        assert snap_compare(seeded_app(), terminal_size=SIZE, run_before=in_feedback(settle))

    def test_requests_as_a_supervisor(self, snap_compare, ctx, settle) -> None:
        boss = supervisor(ctx)
        raise_deletions(ctx, boss)
        speak(ctx.db, "zh_CN", boss.agent)
        assert snap_compare(desk_as(boss), terminal_size=SIZE, run_before=pressing(settle, "3"))

    def test_audit(self, snap_compare, sam, settle) -> None:
        speak(sam.db, "zh_CN", "sam")
        assert snap_compare(app_for(sam), terminal_size=SIZE, run_before=pressing(settle, "4"))

    def test_dashboard(self, snap_compare, sam, make_ticket, settle) -> None:
        _dashboard_data(sam, make_ticket)
        speak(sam.db, "zh_CN", "sam")
        assert snap_compare(app_for(sam), terminal_size=SIZE, run_before=pressing(settle, "5"))
