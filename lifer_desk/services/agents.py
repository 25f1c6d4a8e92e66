"""Agents: the desk's staff, added, listed and deactivated; every change audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.services import audit_trail
from lifer_desk.services.errors import NotFound, Refused
from lifer_desk.store.db import Database
from lifer_desk.store.models import Agent

# Names are OS user names (DESIGN 4: the SSH login is the authentication), so they follow the same rules.
NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
DISPLAY_NAME_MAX = 128
ADD_HINT = "lifer-desk agents add NAME --role agent"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class AgentInfo:
    name: str
    display_name: str
    role: Role
    active: bool

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR


def _info(row: Agent) -> AgentInfo:
    return AgentInfo(row.name, row.display_name, Role(row.role), row.active)


def validate_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise Refused(f"invalid agent name {name!r}: use the OS user name (letters, digits, '_', '.', '-'; at most 64)")
    return name


def validate_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise Refused(f"invalid role {role!r}: choose agent or supervisor") from None


def validate_display_name(display_name: str | None, name: str) -> str:
    value = (display_name or "").strip() or name
    if len(value) > DISPLAY_NAME_MAX:
        raise Refused(f"display name is longer than {DISPLAY_NAME_MAX} characters")
    if not value.isprintable():
        raise Refused("display name contains control characters")
    return value


def _find(session: Session, name: str) -> Agent | None:
    return session.exec(select(Agent).where(Agent.name == name)).first()


def find_agent(db: Database, name: str) -> AgentInfo | None:
    with db.read() as session:
        row = _find(session, name)
        return _info(row) if row else None


@dataclass(frozen=True)
class AddOutcome:
    agent: AgentInfo
    reactivated: bool


def add_agent(db: Database, *, actor: str, name: str, role: str, display_name: str | None = None) -> AddOutcome:
    """Add an active agent; an active agent of that name is refused, a deactivated one comes back.

    Bringing a deactivated agent back through `add` keeps one command for "let this person in", which
    is the command the identity refusal names.
    """
    name = validate_name(name)
    checked_role = validate_role(role)
    shown = validate_display_name(display_name, name)
    try:
        with db.write() as session:
            row = _find(session, name)
            if row is not None and row.active:
                raise Refused(f"agent {name!r} already exists (role {row.role})")
            reactivated = row is not None
            if row is None:
                row = Agent(name=name, display_name=shown, role=checked_role.value, active=True)
            else:
                row.display_name, row.role, row.active = shown, checked_role.value, True
            session.add(row)
            session.flush()
            action = AuditAction.AGENT_REACTIVATE if reactivated else AuditAction.AGENT_ADD
            audit_trail.record(session, actor, action, "agent", name, {"role": checked_role.value})
            return AddOutcome(_info(row), reactivated)
    except IntegrityError:
        # Another process added the same name between our check and our insert.
        raise Refused(f"agent {name!r} already exists") from None


def list_agents(db: Database, *, include_inactive: bool = True) -> list[AgentInfo]:
    with db.read() as session:
        query = select(Agent).order_by(Agent.name)
        if not include_inactive:
            query = query.where(Agent.active)
        return [_info(row) for row in session.exec(query)]


def deactivate_agent(db: Database, *, actor: str, name: str) -> AgentInfo:
    with db.write() as session:
        row = _find(session, name)
        if row is None:
            raise NotFound(f"no agent named {name!r}")
        if not row.active:
            raise Refused(f"agent {name!r} is already deactivated")
        row.active = False
        session.add(row)
        session.flush()
        audit_trail.record(session, actor, AuditAction.AGENT_DEACTIVATE, "agent", name)
        return _info(row)
