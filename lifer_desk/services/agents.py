"""Agents: the desk's staff, added, listed, deactivated and given roles; every change (and every refusal) audited.

Only a supervisor, or the operator of the host (root, or the service account named by
`LIFER_SERVICE_ACCOUNT`), manages agents. The host operator needs no agent row, which is how the first
supervisor is added. Whether the actor may do it is decided inside the write transaction, so a supervisor
deactivated a moment ago is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.i18n import LANGUAGES, _
from lifer_desk.services import audit_trail
from lifer_desk.services.errors import AgentDeactivated, NotFound, PermissionDenied, Refused
from lifer_desk.store import tickets as store_tickets
from lifer_desk.store.db import Database
from lifer_desk.store.models import Agent
from lifer_desk.store.types import utcnow

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
    # The interface language chosen for them; None follows LIFER_LANG.
    lang: str | None = None

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR


@dataclass(frozen=True)
class Actor:
    """Who asks for a change to the agents: an OS user, and whether they operate the host (root, service account)."""

    name: str
    operator: bool = False


def _info(row: Agent) -> AgentInfo:
    return AgentInfo(row.name, row.display_name, Role(row.role), row.active, row.lang)


def validate_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise Refused(f"invalid agent name {name!r}: use the OS user name (letters, digits, '_', '.', '-'; at most 64)")
    return name


def validate_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise Refused(f"invalid role {role!r}: choose agent or supervisor") from None


def validate_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise Refused(
            _("unsupported language {lang!r}: choose {languages}").format(lang=lang, languages=" or ".join(LANGUAGES))
        )
    return lang


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
        return agent_in(session, name)


def agent_in(session: Session, name: str) -> AgentInfo | None:
    """`find_agent` in the caller's transaction."""
    row = _find(session, name)
    return _info(row) if row else None


class _NotManager(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _check_manager(session: Session, actor: Actor) -> None:
    if actor.operator:
        return
    row = _find(session, actor.name)
    if row is None:
        reason, state = "not_an_agent", "is not a lifer-desk agent"
    elif not row.active:
        reason, state = "deactivated", "is a deactivated agent"
    elif row.role != Role.SUPERVISOR:
        reason, state = "not_a_supervisor", "is not a supervisor"
    else:
        return
    raise _NotManager(
        reason,
        "only a supervisor or the host's operator (root, LIFER_SERVICE_ACCOUNT) manages agents; "
        f"{actor.name!r} {state}",
    )


@contextmanager
def _managing(db: Database, actor: Actor, action: str, name: str) -> Iterator[Session]:
    """A write transaction for a change to agent `name`, refused (and the refusal audited) unless `actor` may."""
    try:
        with db.write() as session:
            _check_manager(session, actor)
            yield session
    except _NotManager as refused:
        # Its own transaction: the refused one rolled back, and the attempt must stay on record.
        with db.write() as session:
            details = {"attempted": action, "reason": refused.reason}
            audit_trail.record(session, actor.name, AuditAction.AGENT_DENIED, "agent", name, details)
        raise PermissionDenied(str(refused)) from None


def require_active(session: Session, name: str) -> AgentInfo:
    """The agent `name`, inside the caller's write transaction; refused if it was deactivated meanwhile."""
    row = _find(session, name)
    if row is None:
        raise AgentDeactivated(_("{name!r} is not a lifer-desk agent; this desk can make no changes").format(name=name))
    if not row.active:
        message = _("agent {name!r} has been deactivated; this desk can no longer make changes")
        raise AgentDeactivated(message.format(name=name))
    return _info(row)


@dataclass(frozen=True)
class AddOutcome:
    agent: AgentInfo
    reactivated: bool


def add_agent(
    db: Database,
    *,
    actor: Actor,
    name: str,
    role: str,
    display_name: str | None = None,
    lang: str | None = None,
    install_key: Callable[[], str] | None = None,
) -> AddOutcome:
    """Add an active agent; an active agent of that name is refused, a deactivated one comes back.

    Bringing a deactivated agent back through `add` keeps one command for "let this person in", which
    is the command the identity refusal names. `install_key` (the service-account deployment's SSH key)
    runs inside the transaction once the agent is in, and returns the key's fingerprint: if it fails,
    the agent is not added either.
    """
    name = validate_name(name)
    checked_role = validate_role(role)
    shown = validate_display_name(display_name, name)
    language = validate_language(lang) if lang is not None else None
    try:
        with _managing(db, actor, "agent.add", name) as session:
            row = _find(session, name)
            if row is not None and row.active:
                raise Refused(f"agent {name!r} already exists (role {row.role})")
            reactivated = row is not None
            if row is None:
                row = Agent(name=name, display_name=shown, role=checked_role.value, active=True, lang=language)
            else:
                row.display_name, row.role, row.active, row.lang = shown, checked_role.value, True, language
            session.add(row)
            session.flush()
            action = AuditAction.AGENT_REACTIVATE if reactivated else AuditAction.AGENT_ADD
            # The language code, never a translated name: audit details stay language-neutral.
            added = {"role": checked_role.value, **({"lang": language} if language else {})}
            audit_trail.record(session, actor.name, action, "agent", name, added)
            if install_key is not None:
                fingerprint = install_key()
                details = {"fingerprint": fingerprint}
                audit_trail.record(session, actor.name, AuditAction.AGENT_KEY_ADD, "agent", name, details)
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


def _active_row(session: Session, name: str, inactive: str) -> Agent:
    row = _find(session, name)
    if row is None:
        raise NotFound(f"no agent named {name!r}")
    if not row.active:
        raise Refused(inactive.format(name=name))
    return row


_BRING_BACK = "agent {name!r} is deactivated; `lifer-desk agents add {name} --role ROLE` brings them back"


def deactivate_agent(
    db: Database, *, actor: Actor, name: str, remove_keys: Callable[[], list[str]] | None = None
) -> AgentInfo:
    """Deactivate an agent: their open desk is refused at its next write (`require_active`).

    `remove_keys` (the service-account deployment) takes the agent's SSH keys out inside the transaction and
    returns their fingerprints, so that a refused or failed deactivation leaves the keys, and the keys never
    outlive the agent.
    """
    with _managing(db, actor, "agent.deactivate", name) as session:
        row = _active_row(session, name, "agent {name!r} is already deactivated")
        row.active = False
        session.add(row)
        session.flush()
        # Their claims cannot be given back as them any more: run them out now, so `n` passes them on first.
        released = store_tickets.expire_claims_of(session, name, utcnow())
        details = {"claims_released": released} if released else None
        audit_trail.record(session, actor.name, AuditAction.AGENT_DEACTIVATE, "agent", name, details)
        for fingerprint in remove_keys() if remove_keys is not None else []:
            removed = {"fingerprint": fingerprint}
            audit_trail.record(session, actor.name, AuditAction.AGENT_KEY_REMOVE, "agent", name, removed)
        return _info(row)


def set_role(db: Database, *, actor: Actor, name: str, role: str) -> AgentInfo:
    """Promote an agent to supervisor or back; a deactivated agent comes back through `add_agent` instead."""
    checked_role = validate_role(role)
    with _managing(db, actor, "agent.role", name) as session:
        row = _active_row(session, name, _BRING_BACK)
        if row.role == checked_role.value:
            raise Refused(f"agent {name!r} already has the role {checked_role.value}")
        before, row.role = row.role, checked_role.value
        session.add(row)
        session.flush()
        details = {"from": before, "to": checked_role.value}
        audit_trail.record(session, actor.name, AuditAction.AGENT_ROLE, "agent", name, details)
        return _info(row)


def set_language(db: Database, *, actor: Actor, name: str, lang: str | None) -> AgentInfo:
    """Choose an active agent's interface language (None: back to LIFER_LANG); their next session speaks it."""
    language = validate_language(lang) if lang is not None else None
    with _managing(db, actor, "agent.lang", name) as session:
        row = _active_row(session, name, _BRING_BACK)
        before, row.lang = row.lang, language
        session.add(row)
        session.flush()
        # Codes, not names: audit details stay language-neutral.
        audit_trail.record(session, actor.name, AuditAction.AGENT_LANG, "agent", name, {"from": before, "to": language})
        return _info(row)


def agent_language(db: Database, name: str, default: str) -> str:
    """The language agent `name` works in: their own choice, else `default` (LIFER_LANG)."""
    agent = find_agent(db, name)
    return agent.lang if agent is not None and agent.lang else default
