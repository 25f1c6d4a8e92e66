"""Each agent's language (issue 15): migration 0014, `agents add --lang` and `agents set NAME --lang`, audited with
codes only; and switching it changes the agent's next desk session and the CLI's messages to them."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import inspect
from sqlmodel import col, select

from lifer_desk.config import Settings
from lifer_desk.services.agents import Actor, find_agent, set_language
from lifer_desk.services.context import DeskContext
from lifer_desk.store.db import Database
from lifer_desk.store.migrate import alembic_config, upgrade
from lifer_desk.store.models import AuditEvent
from lifer_desk.ui import DeskApp
from tests.agent_support import enrol, log_in
from tests.cli.test_cli_commands import Desk
from tests.cli.test_cli_commands import desk as desk  # a fixture
from tests.cli.test_cli_commands import migrated as migrated  # a fixture
from tests.fakes.admin_api import FakeAdminApi, with_admin
from tests.ui.screen_support import screen_lines
from tests.ui.ui_support import NOW

HOST = Actor("root", operator=True)


def _agent_columns(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return {column["name"] for column in inspect(conn).get_columns("agent")}


def test_0014_adds_the_language_column_and_goes_back_down(db: Database) -> None:
    command.downgrade(alembic_config(db), "0013")
    assert "lang" not in _agent_columns(db)
    upgrade(db)
    assert "lang" in _agent_columns(db)


def test_a_language_is_set_per_agent_and_audited_as_codes(db: Database) -> None:
    enrol(db, "alice")
    assert find_agent(db, "alice").lang is None  # type: ignore[union-attr]  # enrolled just above
    set_language(db, actor=HOST, name="alice", lang="zh_CN")
    set_language(db, actor=HOST, name="alice", lang=None)
    with db.read() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "agent.lang").order_by(col(AuditEvent.seq)))
        details = [json.loads(event.details) for event in events]
    assert details == [{"from": None, "to": "zh_CN"}, {"from": "zh_CN", "to": None}]


def test_an_unknown_language_or_a_mere_agent_is_refused(desk: Desk, migrated: Database, monkeypatch) -> None:
    assert desk("agents", "add", "alice", "--role", "agent", "--lang", "zh_CN")[:2] == (
        0,
        "agent alice added as agent\n",
    )
    code, _out, err = desk("agents", "set", "alice", "--lang", "fr")
    assert (code, err) == (2, "lifer-desk: unsupported language 'fr': choose en or zh_CN\n")
    log_in(monkeypatch, "alice", 1000)
    code, _out, err = desk("agents", "set", "alice", "--lang", "en")
    assert code == 2
    assert "only a supervisor or the host's operator" in err
    assert find_agent(migrated, "alice").lang == "zh_CN"  # type: ignore[union-attr]  # added above


def _session(db: Database) -> DeskContext:
    return with_admin(
        DeskContext(db, Settings(database_url=db.url), "alice", "agent", clock=lambda: NOW), FakeAdminApi()
    )


async def _first_screen(db: Database) -> str:
    app = DeskApp(_session(db))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        return "\n".join(screen_lines(app.export_screenshot()))


async def test_switching_an_agents_language_changes_their_next_session_and_the_cli(
    desk: Desk, migrated: Database, monkeypatch
) -> None:
    desk("agents", "add", "alice", "--role", "agent")
    english = await _first_screen(migrated)
    assert desk("agents", "set", "alice", "--lang", "zh_CN")[:2] == (0, "agent alice now works in zh_CN\n")
    chinese = await _first_screen(migrated)
    assert ("Queues" in english, "队列" in english) == (True, False)
    assert ("Queues" in chinese, "队列" in chinese) == (False, True)

    log_in(monkeypatch, "alice", 1000)
    assert desk("requests", "show", "999") == (2, "", "lifer-desk: 没有请求 #999\n")
    log_in(monkeypatch, "hostadmin", 0)
    desk("agents", "set", "alice", "--lang", "default")
    log_in(monkeypatch, "alice", 1000)
    assert desk("requests", "show", "999") == (2, "", "lifer-desk: no request #999\n")
