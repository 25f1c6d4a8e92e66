"""One error path: whatever fails, the agent reads one clear sentence under a fitting title, once, and the
unexpected leaves its traceback in desk.log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from textual.widgets import TextArea

from lifer_desk.admin_api import Unavailable
from lifer_desk.desk_log import log_to_file
from lifer_desk.services import queues, tickets
from lifer_desk.services.errors import DeskError
from lifer_desk.ui.text.errors import describe
from lifer_desk.ui.ticket.screen import TicketScreen

# What a database error quotes: the statement and its bound parameters, customer text among them.
STATEMENT = "INSERT INTO ticket_event (ticket_id, body) VALUES (?, ?)"
PARAMETERS = (1, "张三的手机号 13800138000")


def toasts(app) -> list[str]:
    """The notifications on screen, title and text, as the agent reads them (Textual exports no Toast class)."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


@pytest.fixture
def desk_log(tmp_path: Path) -> Iterator[Path]:
    """desk.log as the CLI installs it, for the length of one test."""
    path = tmp_path / "desk.log"
    handler = log_to_file(path)
    yield path
    logging.getLogger().removeHandler(handler)
    handler.close()


async def test_an_admin_api_outage_is_titled_as_one_not_as_a_refusal(desk_app, settle) -> None:
    app = desk_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.show_error(Unavailable(503, "Admin API unreachable", "GET /v1/users: ConnectTimeout"))
        await pilot.pause()
        [shown] = toasts(app)
        assert shown.startswith("Admin API unreachable\n")
        assert "Refused" not in shown
        assert "The admin API is unreachable" in shown


async def test_an_unexpected_error_in_a_worker_leaves_its_traceback_in_the_desk_log(
    desk_app, settle, monkeypatch, desk_log
) -> None:
    def broken(*_args: object, **_options: object) -> None:
        raise RuntimeError("counts went wrong")

    monkeypatch.setattr(queues, "counts", broken)
    app = desk_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert any("RuntimeError" in shown for shown in toasts(app))
        assert app.is_running
    logged = desk_log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged
    assert "RuntimeError: counts went wrong" in logged
    assert "in broken" in logged


async def test_a_database_error_shows_no_sql_and_no_parameters(
    desk_app, make_ticket, settle, monkeypatch, desk_log
) -> None:
    ticket = make_ticket()

    def failing(*_args: object) -> None:
        raise OperationalError(STATEMENT, PARAMETERS, Exception("disk I/O error"))

    monkeypatch.setattr(tickets, "add_note", failing)
    app = desk_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("我来处理")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [shown] = toasts(app)
        assert "The desk's database failed; the change was not saved." in shown
        for leak in ("INSERT", "13800138000", "disk I/O", "OperationalError"):
            assert leak not in shown
    logged = desk_log.read_text(encoding="utf-8")
    assert STATEMENT in logged
    assert "Traceback (most recent call last)" in logged


async def test_a_refused_write_is_said_once_in_the_ticket_not_again_in_a_toast(
    desk_app, make_ticket, settle, bob
) -> None:
    ticket = make_ticket()
    tickets.claim(bob, ticket.id)
    app = desk_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("c")
        await settle(pilot)
        assert "claimed by bob" in str(app.screen.query_one("#ticket-notice").render())
        assert toasts(app) == []


class _Busy(DeskError):
    title = "Database busy"
    severity = "information"


@pytest.mark.parametrize(
    ("error", "title", "text", "severity"),
    [
        (
            _Busy("Another agent is saving; try again."),
            "Database busy",
            "Another agent is saving; try again.",
            "information",
        ),
        (DeskError("ticket #3 is claimed by bob"), "Refused", "ticket #3 is claimed by bob", "warning"),
        (
            Unavailable(504, "Gateway Timeout"),
            "Admin API unreachable",
            "The admin API is unreachable: try again in a moment.",
            "warning",
        ),
        (KeyError("u_0001"), "Error", "Something went wrong (KeyError); the details are in desk.log.", "error"),
    ],
)
def test_each_kind_of_error_has_its_title_text_and_severity(
    error: BaseException, title: str, text: str, severity: str
) -> None:
    report = describe(error)
    assert (report.title, report.text, report.severity) == (title, text, severity)


class TestErrorSnapshots:
    """What the agent sees of a failure, at 80x24: one sentence in a toast over the ticket, no SQL."""

    def test_a_database_error_on_the_ticket_view(
        self, snap_compare, desk_app, make_ticket, settle, monkeypatch
    ) -> None:
        ticket = make_ticket()

        def failing(*_args: object) -> None:
            raise OperationalError(STATEMENT, PARAMETERS, Exception("disk I/O error"))

        monkeypatch.setattr(tickets, "add_note", failing)

        async def run_before(pilot) -> None:
            await settle(pilot)
            pilot.app.open_ticket(ticket.id)
            await settle(pilot)
            await pilot.press("i")
            await pilot.pause()
            pilot.app.screen.query_one(TextArea).insert("我来处理")
            await pilot.press("ctrl+s")
            await settle(pilot)

        assert snap_compare(desk_app(), terminal_size=(80, 24), run_before=run_before)
