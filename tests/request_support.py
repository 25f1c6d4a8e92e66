"""Helpers for the request tests: a settable clock, contexts for named agents, tickets with a linked account,
and a verification recorded as the verification service records a verified caller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from lifer_desk.config import Settings
from lifer_desk.domain.identity import Outcome
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.store import verifications
from lifer_desk.store.db import Database
from tests.agent_support import enrol

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ACCOUNT = "u-0001"


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def context(db: Database, clock: Clock, agent: str = "alice", role: str = "agent") -> DeskContext:
    enrol(db, agent, role)
    return DeskContext(db, Settings(database_url=db.url), agent, role, clock=clock)


def open_ticket(ctx: DeskContext, account_id: str | None = ACCOUNT) -> int:
    draft = tickets.TicketDraft(
        Channel.PHONE, "删除账号", "please delete my account", "+86 138 0000 0000", "张三", Category.DELETION,
        Priority.NORMAL, account_id=account_id,
    )  # fmt: skip
    return tickets.open_ticket(ctx, draft).id


def record_verified(ctx: DeskContext, ticket_id: int, account_id: str = ACCOUNT) -> datetime:
    """A verified attempt on `ticket_id` at the context's time, valid for the configured TTL."""
    now = ctx.clock()
    with ctx.db.write() as session:
        verifications.add_attempt(
            session,
            ticket_id=ticket_id,
            account_id=account_id,
            agent=ctx.agent,
            fields_stated=["email", "username", "birthday"],
            results={"email": "match", "username": "match", "birthday": "match"},
            outcome=Outcome.VERIFIED,
            attempt=1,
            at=now,
            expires_at=now + timedelta(hours=ctx.settings.verification_ttl_hours),
        )
    return now


def tamper(db: Database, request_id: int, **columns: str) -> None:
    """Change a request row behind the services' back, as someone with database access could."""
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    with db.write() as session:
        session.execute(text(f"UPDATE data_request SET {assignments} WHERE id = :id"), {**columns, "id": request_id})
