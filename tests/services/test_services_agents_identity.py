"""Who is at the desk: the OS user, or in demo mode the chosen agent; strangers are refused."""

from __future__ import annotations

import getpass

import pytest

from lifer_desk.config import Settings
from lifer_desk.services.agents import Role, add_agent, deactivate_agent
from lifer_desk.services.errors import PermissionDenied, UnknownAgent
from lifer_desk.services.identity import current_agent, os_user
from lifer_desk.store.db import Database


@pytest.fixture
def login(monkeypatch: pytest.MonkeyPatch) -> str:
    # getpass reads these before the password database, so they decide the OS user here.
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LOGNAME", "alice")
    return "alice"


def test_the_os_user_is_the_agent(db: Database, login: str) -> None:
    add_agent(db, actor="root", name=login, role="supervisor")
    agent = current_agent(db, Settings())
    assert (agent.name, agent.role, agent.active) == ("alice", Role.SUPERVISOR, True)


def test_unknown_os_user_is_told_the_command_that_adds_agents(db: Database, login: str) -> None:
    with pytest.raises(UnknownAgent) as refused:
        current_agent(db, Settings())
    assert str(refused.value) == (
        "'alice' is not a lifer-desk agent; an administrator can add it with `lifer-desk agents add alice --role agent`"
    )


def test_deactivated_os_user_is_refused(db: Database, login: str) -> None:
    add_agent(db, actor="root", name=login, role="agent")
    deactivate_agent(db, actor="root", name=login)
    with pytest.raises(UnknownAgent, match=r"'alice' is a deactivated lifer-desk agent.*lifer-desk agents add alice"):
        current_agent(db, Settings())


def test_outside_demo_mode_nobody_acts_as_someone_else(db: Database, login: str) -> None:
    add_agent(db, actor="root", name=login, role="agent")
    add_agent(db, actor="root", name="boss", role="supervisor")
    with pytest.raises(PermissionDenied, match="only demo mode"):
        current_agent(db, Settings(), as_agent="boss")
    assert current_agent(db, Settings(agent="boss"), as_agent=login).name == login


def test_demo_mode_uses_the_chosen_agent_then_the_setting(db: Database, login: str) -> None:
    add_agent(db, actor="root", name="demo.agent", role="agent")
    add_agent(db, actor="root", name="demo.boss", role="supervisor")
    settings = Settings(agent="demo.agent")
    assert current_agent(db, settings, demo=True).name == "demo.agent"
    assert current_agent(db, settings, demo=True, as_agent="demo.boss").name == "demo.boss"
    with pytest.raises(UnknownAgent, match="'ghost' is not a lifer-desk agent"):
        current_agent(db, settings, demo=True, as_agent="ghost")


def test_demo_mode_without_an_agent_says_how_to_choose(db: Database, login: str) -> None:
    with pytest.raises(UnknownAgent, match="LIFER_AGENT"):
        current_agent(db, Settings(), demo=True)


def test_an_unnamed_os_user_is_refused_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", no_user)
    with pytest.raises(UnknownAgent, match="cannot tell which OS user"):
        os_user()
