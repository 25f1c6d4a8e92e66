"""Who is at the desk: the OS user, or in demo mode the chosen agent; strangers are refused."""

from __future__ import annotations

import pwd

import pytest

from lifer_desk.config import Settings
from lifer_desk.services.agents import Actor, Role, add_agent, deactivate_agent
from lifer_desk.services.errors import PermissionDenied, UnknownAgent
from lifer_desk.services.identity import current_agent, host_actor, os_user
from lifer_desk.store.db import Database
from tests.agent_support import log_in

ROOT = Actor("root", operator=True)


@pytest.fixture
def login(monkeypatch: pytest.MonkeyPatch) -> str:
    return log_in(monkeypatch, "alice", 4242)


def test_the_os_user_is_the_agent(db: Database, login: str) -> None:
    add_agent(db, actor=ROOT, name=login, role="supervisor")
    agent = current_agent(db, Settings())
    assert (agent.name, agent.role, agent.active) == ("alice", Role.SUPERVISOR, True)


def test_unknown_os_user_is_told_the_command_that_adds_agents(db: Database, login: str) -> None:
    with pytest.raises(UnknownAgent) as refused:
        current_agent(db, Settings())
    assert str(refused.value) == (
        "'alice' is not a lifer-desk agent; an administrator can add it with `lifer-desk agents add alice --role agent`"
    )


def test_deactivated_os_user_is_refused(db: Database, login: str) -> None:
    add_agent(db, actor=ROOT, name=login, role="agent")
    deactivate_agent(db, actor=ROOT, name=login)
    with pytest.raises(UnknownAgent, match=r"'alice' is a deactivated lifer-desk agent.*lifer-desk agents add alice"):
        current_agent(db, Settings())


def test_outside_demo_mode_nobody_acts_as_someone_else(db: Database, login: str) -> None:
    add_agent(db, actor=ROOT, name=login, role="agent")
    add_agent(db, actor=ROOT, name="boss", role="supervisor")
    with pytest.raises(PermissionDenied, match="only demo mode"):
        current_agent(db, Settings(), as_agent="boss")
    assert current_agent(db, Settings(agent="boss"), as_agent=login).name == login


def test_demo_mode_uses_the_chosen_agent_then_the_setting(db: Database, login: str) -> None:
    add_agent(db, actor=ROOT, name="demo.agent", role="agent")
    add_agent(db, actor=ROOT, name="demo.boss", role="supervisor")
    settings = Settings(agent="demo.agent")
    assert current_agent(db, settings, demo=True).name == "demo.agent"
    assert current_agent(db, settings, demo=True, as_agent="demo.boss").name == "demo.boss"
    with pytest.raises(UnknownAgent, match="'ghost' is not a lifer-desk agent"):
        current_agent(db, settings, demo=True, as_agent="ghost")


def test_demo_mode_without_an_agent_says_how_to_choose(db: Database, login: str) -> None:
    with pytest.raises(UnknownAgent, match="LIFER_AGENT"):
        current_agent(db, Settings(), demo=True)


def test_logname_and_user_do_not_decide_who_you_are(db: Database, login: str) -> None:
    add_agent(db, actor=ROOT, name="boss", role="supervisor")
    with pytest.raises(UnknownAgent, match="'alice' is not a lifer-desk agent"):
        current_agent(db, Settings())
    assert os_user() == "alice"


def test_a_uid_without_a_passwd_entry_is_refused_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    with pytest.raises(UnknownAgent, match=r"uid \d+ has no entry in the password database"):
        os_user()


@pytest.mark.parametrize(
    ("name", "uid", "service_account", "operator"),
    [
        ("root", 0, None, True),
        ("lifer", 4243, "lifer", True),
        ("alice", 4242, "lifer", False),
        ("alice", 4242, None, False),
    ],
)
def test_root_and_the_service_account_operate_the_host(
    monkeypatch: pytest.MonkeyPatch, name: str, uid: int, service_account: str | None, operator: bool
) -> None:
    log_in(monkeypatch, name, uid)
    assert host_actor(Settings(service_account=service_account)) == Actor(name, operator=operator)
