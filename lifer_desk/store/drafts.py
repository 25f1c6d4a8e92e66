"""Draft rows: one per agent, ticket and kind. Runs inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from lifer_desk.store.models import Draft


def get_draft(session: Session, agent: str, ticket_id: int, kind: str) -> str | None:
    statement = select(Draft.body).where(
        col(Draft.agent) == agent, col(Draft.ticket_id) == ticket_id, col(Draft.kind) == kind
    )
    return session.exec(statement).first()


def put_draft(session: Session, agent: str, ticket_id: int, kind: str, body: str, at: datetime) -> None:
    """Insert or replace in one statement: the same agent's two desks may save the same draft at once."""
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    statement = insert(Draft).values(agent=agent, ticket_id=ticket_id, kind=kind, body=body, updated_at=at)
    statement = statement.on_conflict_do_update(
        index_elements=["agent", "ticket_id", "kind"], set_={"body": body, "updated_at": at}
    )
    session.execute(statement)


def delete_draft(session: Session, agent: str, ticket_id: int, kind: str) -> None:
    session.execute(
        delete(Draft).where(col(Draft.agent) == agent, col(Draft.ticket_id) == ticket_id, col(Draft.kind) == kind)
    )
