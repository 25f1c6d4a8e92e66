"""Adding, listing and deactivating agents: validated, audited in the same transaction, plain results."""

from __future__ import annotations

import dataclasses
import re

import pytest

from lifer_desk.services.agents import AgentInfo, Role, add_agent, deactivate_agent, find_agent, list_agents
from lifer_desk.services.audit import recent
from lifer_desk.services.errors import NotFound, Refused
from lifer_desk.store.audit import verify_chain
from lifer_desk.store.db import Database


def test_add_returns_a_frozen_plain_result_and_audits(db: Database) -> None:
    outcome = add_agent(db, actor="root", name="wang.fang", role="supervisor", display_name="  王芳 ")
    assert outcome.agent == AgentInfo("wang.fang", "王芳", Role.SUPERVISOR, True)
    assert not outcome.reactivated
    assert outcome.agent.is_supervisor
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.agent.active = False  # type: ignore[misc]
    [event] = recent(db, 10)
    assert (event.actor, event.action, event.entity_type, event.entity_id) == (
        "root",
        "agent.add",
        "agent",
        "wang.fang",
    )
    assert dict(event.details) == {"role": "supervisor"}
    assert verify_chain(db).ok


def test_display_name_defaults_to_the_name(db: Database) -> None:
    assert add_agent(db, actor="root", name="bob", role="agent").agent.display_name == "bob"


def test_duplicate_is_refused_and_changes_nothing(db: Database) -> None:
    add_agent(db, actor="root", name="bob", role="agent")
    with pytest.raises(Refused, match="'bob' already exists"):
        add_agent(db, actor="root", name="bob", role="supervisor")
    assert find_agent(db, "bob") == AgentInfo("bob", "bob", Role.AGENT, True)
    assert len(recent(db, 10)) == 1


@pytest.mark.parametrize(
    ("name", "role", "display_name", "message"),
    [
        ("bob smith", "agent", None, "invalid agent name"),
        ("-bob", "agent", None, "invalid agent name"),
        ("", "agent", None, "invalid agent name"),
        ("b" * 65, "agent", None, "invalid agent name"),
        ("bob", "admin", None, "invalid role 'admin': choose agent or supervisor"),
        ("bob", "agent", "Bob\x1b[31m", "control characters"),
        ("bob", "agent", "x" * 129, "longer than 128"),
    ],
)
def test_invalid_input_is_refused_before_anything_is_written(
    db: Database, name: str, role: str, display_name: str | None, message: str
) -> None:
    with pytest.raises(Refused, match=re.escape(message)):
        add_agent(db, actor="root", name=name, role=role, display_name=display_name)
    assert list_agents(db) == []
    assert recent(db, 10) == []


def test_list_is_sorted_and_can_leave_out_deactivated(db: Database) -> None:
    for name in ("carol", "alice", "bob"):
        add_agent(db, actor="root", name=name, role="agent")
    deactivate_agent(db, actor="root", name="bob")
    assert [a.name for a in list_agents(db)] == ["alice", "bob", "carol"]
    assert [a.name for a in list_agents(db, include_inactive=False)] == ["alice", "carol"]


def test_deactivate_is_audited(db: Database) -> None:
    add_agent(db, actor="root", name="bob", role="agent")
    assert deactivate_agent(db, actor="admin", name="bob") == AgentInfo("bob", "bob", Role.AGENT, False)
    newest = recent(db, 1)[0]
    assert (newest.seq, newest.actor, newest.action, newest.entity_id) == (2, "admin", "agent.deactivate", "bob")
    assert verify_chain(db).ok


def test_deactivating_an_unknown_or_deactivated_agent_is_refused(db: Database) -> None:
    with pytest.raises(NotFound, match="no agent named 'ghost'"):
        deactivate_agent(db, actor="root", name="ghost")
    add_agent(db, actor="root", name="bob", role="agent")
    deactivate_agent(db, actor="root", name="bob")
    with pytest.raises(Refused, match="already deactivated"):
        deactivate_agent(db, actor="root", name="bob")
    assert [e.action for e in recent(db, 10)] == ["agent.deactivate", "agent.add"]


def test_adding_a_deactivated_agent_brings_them_back(db: Database) -> None:
    add_agent(db, actor="root", name="bob", role="agent")
    deactivate_agent(db, actor="root", name="bob")
    outcome = add_agent(db, actor="root", name="bob", role="supervisor", display_name="Bob")
    assert outcome.reactivated
    assert find_agent(db, "bob") == AgentInfo("bob", "Bob", Role.SUPERVISOR, True)
    newest = recent(db, 1)[0]
    assert (newest.action, dict(newest.details)) == ("agent.reactivate", {"role": "supervisor"})
