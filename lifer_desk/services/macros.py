"""Macros (canned replies): managed from the host's CLI by a supervisor or the operator, used in the ticket view.

A macro is a reply text in one language with placeholders (`domain.macros`), and optionally the status,
priority and category it also sets. Using one is one transaction: the reply and each change, audited each, and
a `ticket.macro` event naming the macro; a refused step (a transition the ticket cannot make) leaves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.macros import NAME_PATTERN, Language, Placeholder, fill, unknown_placeholders
from lifer_desk.domain.text_safety import storable
from lifer_desk.domain.tickets import Category, Priority, TicketStatus
from lifer_desk.i18n import _
from lifer_desk.services import audit_trail, tickets
from lifer_desk.services.agents import Actor, Role
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound, PermissionDenied, Refused
from lifer_desk.services.queues import choice
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.services.writing import writing
from lifer_desk.store.db import Database
from lifer_desk.store.models import Agent, Macro
from lifer_desk.store.types import utcnow


@dataclass(frozen=True)
class MacroView:
    id: int
    name: str
    language: str
    body: str
    status: str | None
    priority: str | None
    category: str | None


@dataclass(frozen=True)
class NewMacro:
    name: str
    language: str
    body: str
    status: str | None = None
    priority: str | None = None
    category: str | None = None


def _view(row: Macro) -> MacroView:
    assert row.id is not None
    return MacroView(row.id, row.name, row.language, row.body, row.status, row.priority, row.category)


def _check_editor(session: Session, actor: Actor) -> None:
    if actor.operator:
        return
    row = session.exec(select(Agent).where(Agent.name == actor.name)).first()
    if row is None or not row.active or row.role != Role.SUPERVISOR:
        raise PermissionDenied(
            _("only a supervisor or the host's operator manages macros; {name!r} is not an active supervisor").format(
                name=actor.name
            )
        )


def checked(new: NewMacro) -> NewMacro:
    """The macro as it will be stored, or Refused naming what is wrong with it."""
    if not NAME_PATTERN.fullmatch(new.name):
        raise Refused(_("a macro name is lower-case letters, digits, - and _ (at most 64), like verify-steps"))
    try:
        language = Language(new.language).value
    except ValueError:
        raise Refused(_("a macro's language is zh or en, not {value!r}").format(value=new.language)) from None
    body = storable(new.body).strip()
    if not body:
        raise Refused(_("the macro's text is empty"))
    if len(body) > tickets.MAX_TEXT:
        raise Refused(_("the macro's text is longer than {n} characters").format(n=tickets.MAX_TEXT))
    if unknown := unknown_placeholders(body):
        known = ", ".join("{" + member.value + "}" for member in Placeholder)
        raise Refused(
            _("unknown placeholder {names} in the macro; the placeholders are {known}").format(
                names=", ".join("{" + name + "}" for name in unknown), known=known
            )
        )
    return NewMacro(
        new.name,
        language,
        body,
        _value(choice(TicketStatus, new.status, _("status"))),
        _value(choice(Priority, new.priority, _("priority"))),
        _value(choice(Category, new.category, _("category"))),
    )


def _value(member: TicketStatus | Priority | Category | None) -> str | None:
    return member.value if member is not None else None


def add_macro(db: Database, actor: Actor, new: NewMacro, *, replace: bool = False) -> MacroView:
    """Add a macro (or, with `replace`, rewrite the one of that name and language)."""
    new = checked(new)
    with db.write() as session:
        _check_editor(session, actor)
        row = _find(session, new.name, new.language)
        if row is not None and not replace:
            raise Refused(
                _("macro {name} ({language}) exists; add --replace to rewrite it").format(
                    name=new.name, language=new.language
                )
            )
        existed = row is not None
        if row is None:
            row = Macro(name=new.name, language=new.language, body="", created_by=actor.name, created_at=utcnow())
        row.body, row.status, row.priority, row.category = new.body, new.status, new.priority, new.category
        session.add(row)
        session.flush()
        details = {"name": new.name, "language": new.language, "replaced": existed}
        audit_trail.record(session, actor.name, AuditAction.MACRO_ADD, "macro", row.id or 0, details)
        return _view(row)


def _find(session: Session, name: str, language: str) -> Macro | None:
    return session.exec(select(Macro).where(Macro.name == name, Macro.language == language)).first()


def list_macros(db: Database) -> list[MacroView]:
    with db.read() as session:
        rows = session.exec(select(Macro).order_by(col(Macro.name), col(Macro.language)))
        return [_view(row) for row in rows]


def remove_macro(db: Database, actor: Actor, name: str, language: str | None = None) -> list[MacroView]:
    """Remove the macro `name` (in every language, or just `language`); returns what was removed."""
    with db.write() as session:
        _check_editor(session, actor)
        statement = select(Macro).where(Macro.name == name)
        if language:
            statement = statement.where(Macro.language == language)
        rows = list(session.exec(statement))
        if not rows:
            raise NotFound(_("no macro named {name}").format(name=name))
        removed = [_view(row) for row in rows]
        for row in rows:
            audit_trail.record(
                session,
                actor.name,
                AuditAction.MACRO_REMOVE,
                "macro",
                row.id or 0,
                {"name": name, "language": row.language},
            )
            session.delete(row)
        return removed


def filled_text(ctx: DeskContext, macro: MacroView, ticket: TicketDetail, agent_name: str) -> str:
    """The macro's text for `ticket`, placeholders filled in the agent's time zone."""
    zone = ctx.settings.timezone

    def day(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d") if moment else ""

    values = {
        Placeholder.REQUESTER_NAME: ticket.requester_name,
        Placeholder.TICKET: f"#{ticket.id}",
        Placeholder.AGENT: agent_name,
        Placeholder.TODAY: day(ctx.clock()),
        Placeholder.RESOLUTION_DUE: day(ticket.resolution_due),
        Placeholder.LEGAL_DUE: day(ticket.legal_delete_due),
    }
    return fill(macro.body, values)


def prepared(ctx: DeskContext, ticket: TicketDetail, macro_id: int) -> tuple[MacroView, str]:
    """The macro and its text for this ticket, for the agent to read and edit before it is sent."""
    with ctx.db.read() as session:
        row = session.get(Macro, macro_id)
        if row is None:
            raise NotFound(_("that macro was removed meanwhile"))
        agent = session.exec(select(Agent).where(Agent.name == ctx.agent)).first()
        macro = _view(row)
    return macro, filled_text(ctx, macro, ticket, agent.display_name if agent else ctx.agent)


def apply_macro(ctx: DeskContext, seen: TicketDetail, macro: MacroView, body: str) -> TicketDetail:
    """Send `body` (the macro's text as the agent left it) and make the macro's changes, in one step."""
    with writing(ctx) as session:
        current = tickets.reply_in(session, ctx, seen, body)
        if macro.status and macro.status != current.status:
            current = tickets.status_in(session, ctx, current, macro.status)
        if macro.priority and macro.priority != current.priority:
            current = tickets.priority_in(session, ctx, current, macro.priority)
        if macro.category and macro.category != current.category:
            current = tickets.category_in(session, ctx, current, macro.category)
        details = {"macro": macro.name, "language": macro.language}
        audit_trail.record(session, ctx.agent, AuditAction.TICKET_MACRO, "ticket", seen.id, details)
        return current
