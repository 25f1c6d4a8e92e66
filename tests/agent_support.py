"""Agents as tests need them: every desk write checks that its agent is an active one (services.writing), and
the OS user is the real uid's passwd entry (services.identity), which a test stands in for with `log_in`."""

from __future__ import annotations

import os
import pwd

import pytest
from sqlmodel import select

from lifer_desk.store.db import Database
from lifer_desk.store.models import Agent


def enrol(db: Database, name: str, role: str = "agent") -> None:
    """Make `name` an active agent, written straight to the table so that no audit event is added to count."""
    with db.write() as session:
        if session.exec(select(Agent).where(Agent.name == name)).first() is None:
            session.add(Agent(name=name, display_name=name, role=role, active=True))


def log_in(monkeypatch: pytest.MonkeyPatch, name: str, uid: int) -> str:
    """Run as uid `uid`, which the password database names `name`; LOGNAME and USER claim someone else."""
    real = pwd.getpwuid

    def getpwuid(wanted: int) -> pwd.struct_passwd:
        if wanted == uid:
            return pwd.struct_passwd((name, "x", uid, uid, "", f"/home/{name}", "/bin/sh"))
        return real(wanted)

    monkeypatch.setattr(os, "getuid", lambda: uid)
    monkeypatch.setattr(pwd, "getpwuid", getpwuid)
    for variable in ("LOGNAME", "USER"):
        monkeypatch.setenv(variable, "boss")
    return name
