"""Adding, listing and deactivating agents: validated, audited in the same transaction, plain results."""

from __future__ import annotations

import dataclasses
import re

import pytest

from lifer_desk.services.agents import (
    Actor,
    AgentInfo,
    Role,
    add_agent,
    deactivate_agent,
    find_agent,
    list_agents,
    set_role,
)
from lifer_desk.services.audit import recent
from lifer_desk.services.errors import NotFound, PermissionDenied, Refused
from lifer_desk.store.audit import verify_chain
from lifer_desk.store.db import Database

ROOT = Actor("root", operator=True)
ADMIN = Actor("admin", operator=True)


def test_add_returns_a_frozen_plain_result_and_audits(db: Database) -> None:
    outcome = add_agent(db, actor=ROOT, name="wang.fang", role="supervisor", display_name="  王芳 ")
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
    assert add_agent(db, actor=ROOT, name="bob", role="agent").agent.display_name == "bob"


def test_duplicate_is_refused_and_changes_nothing(db: Database) -> None:
    add_agent(db, actor=ROOT, name="bob", role="agent")
    with pytest.raises(Refused, match="'bob' already exists"):
        add_agent(db, actor=ROOT, name="bob", role="supervisor")
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
        add_agent(db, actor=ROOT, name=name, role=role, display_name=display_name)
    assert list_agents(db) == []
    assert recent(db, 10) == []


def test_list_is_sorted_and_can_leave_out_deactivated(db: Database) -> None:
    for name in ("carol", "alice", "bob"):
        add_agent(db, actor=ROOT, name=name, role="agent")
    deactivate_agent(db, actor=ROOT, name="bob")
    assert [a.name for a in list_agents(db)] == ["alice", "bob", "carol"]
    assert [a.name for a in list_agents(db, include_inactive=False)] == ["alice", "carol"]


def test_deactivate_is_audited(db: Database) -> None:
    add_agent(db, actor=ROOT, name="bob", role="agent")
    assert deactivate_agent(db, actor=ADMIN, name="bob") == AgentInfo("bob", "bob", Role.AGENT, False)
    newest = recent(db, 1)[0]
    assert (newest.seq, newest.actor, newest.action, newest.entity_id) == (2, "admin", "agent.deactivate", "bob")
    assert verify_chain(db).ok


def test_deactivating_an_unknown_or_deactivated_agent_is_refused(db: Database) -> None:
    with pytest.raises(NotFound, match="no agent named 'ghost'"):
        deactivate_agent(db, actor=ROOT, name="ghost")
    add_agent(db, actor=ROOT, name="bob", role="agent")
    deactivate_agent(db, actor=ROOT, name="bob")
    with pytest.raises(Refused, match="already deactivated"):
        deactivate_agent(db, actor=ROOT, name="bob")
    assert [e.action for e in recent(db, 10)] == ["agent.deactivate", "agent.add"]


def test_adding_a_deactivated_agent_brings_them_back(db: Database) -> None:
    add_agent(db, actor=ROOT, name="bob", role="agent")
    deactivate_agent(db, actor=ROOT, name="bob")
    outcome = add_agent(db, actor=ROOT, name="bob", role="supervisor", display_name="Bob")
    assert outcome.reactivated
    assert find_agent(db, "bob") == AgentInfo("bob", "Bob", Role.SUPERVISOR, True)
    newest = recent(db, 1)[0]
    assert (newest.action, dict(newest.details)) == ("agent.reactivate", {"role": "supervisor"})


def _denied(db: Database) -> list[tuple[str, str, dict[str, object]]]:
    return [(e.actor, e.entity_id, dict(e.details)) for e in recent(db, 50) if e.action == "agent.denied"]


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({}, "not_an_agent"),
        ({"role": "agent"}, "not_a_supervisor"),
        ({"role": "supervisor", "deactivated": True}, "deactivated"),
    ],
)
def test_only_an_active_supervisor_or_the_operator_manages_agents(
    db: Database, setup: dict[str, object], reason: str
) -> None:
    add_agent(db, actor=ROOT, name="bob", role="agent")
    if setup:
        add_agent(db, actor=ROOT, name="mallory", role=str(setup["role"]))
        if setup.get("deactivated"):
            deactivate_agent(db, actor=ROOT, name="mallory")
    before = list_agents(db)
    mallory = Actor("mallory")
    attempts = [
        ("agent.add", "eve", lambda: add_agent(db, actor=mallory, name="eve", role="supervisor")),
        ("agent.deactivate", "bob", lambda: deactivate_agent(db, actor=mallory, name="bob")),
        ("agent.role", "mallory", lambda: set_role(db, actor=mallory, name="mallory", role="supervisor")),
    ]
    for _action, _target, attempt in attempts:
        with pytest.raises(PermissionDenied, match="only a supervisor or the host's operator"):
            attempt()
    assert list_agents(db) == before
    refusals = [("mallory", target, {"attempted": action, "reason": reason}) for action, target, _ in attempts]
    assert _denied(db) == refusals[::-1]
    assert verify_chain(db).ok


def test_a_supervisor_manages_agents_and_is_named_in_the_audit(db: Database) -> None:
    add_agent(db, actor=ROOT, name="wang.fang", role="supervisor")
    boss = Actor("wang.fang")
    add_agent(db, actor=boss, name="bob", role="agent")
    assert set_role(db, actor=boss, name="bob", role="supervisor") == AgentInfo("bob", "bob", Role.SUPERVISOR, True)
    deactivate_agent(db, actor=boss, name="bob")
    events = [(e.actor, e.action, e.entity_id, dict(e.details)) for e in recent(db, 10)][::-1]
    assert events[1:] == [
        ("wang.fang", "agent.add", "bob", {"role": "agent"}),
        ("wang.fang", "agent.role", "bob", {"from": "agent", "to": "supervisor"}),
        ("wang.fang", "agent.deactivate", "bob", {}),
    ]


def test_role_changes_are_checked(db: Database) -> None:
    add_agent(db, actor=ROOT, name="bob", role="agent")
    with pytest.raises(Refused, match="already has the role agent"):
        set_role(db, actor=ROOT, name="bob", role="agent")
    with pytest.raises(Refused, match="invalid role 'boss'"):
        set_role(db, actor=ROOT, name="bob", role="boss")
    with pytest.raises(NotFound, match="no agent named 'ghost'"):
        set_role(db, actor=ROOT, name="ghost", role="agent")
    deactivate_agent(db, actor=ROOT, name="bob")
    with pytest.raises(Refused, match=r"is deactivated; `lifer-desk agents add bob --role ROLE` brings them back"):
        set_role(db, actor=ROOT, name="bob", role="supervisor")
