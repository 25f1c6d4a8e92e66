"""The ticket full-text index: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.

Every store function that writes a ticket's subject, body or thread calls `reindex_tickets` in the
same transaction, so the index is never behind the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from sqlalchemy import BindParameter, bindparam, text
from sqlmodel import Session

from lifer_desk.domain.search_text import Term, index_document, query_terms


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def write_document(session: Session, ticket_id: int, doc: str) -> None:
    write_documents(session, [(ticket_id, doc)])


def write_documents(session: Session, docs: Sequence[tuple[int, str]]) -> None:
    """Each (ticket id, document) into the index, replacing what was there, in one statement a kind."""
    rows = [{"id": ticket_id, "doc": doc} for ticket_id, doc in docs]
    if not rows:
        return
    if _dialect(session) == "sqlite":
        session.execute(text("DELETE FROM ticket_fts WHERE rowid = :id"), [{"id": row["id"]} for row in rows])
        session.execute(text("INSERT INTO ticket_fts (rowid, doc) VALUES (:id, :doc)"), rows)
    else:
        session.execute(
            text(
                "INSERT INTO ticket_search (ticket_id, doc) VALUES (:id, :doc) "
                "ON CONFLICT (ticket_id) DO UPDATE SET doc = excluded.doc"
            ),
            rows,
        )


def reindex_tickets(session: Session, ticket_ids: Iterable[int]) -> None:
    """Index each ticket's subject, body and thread again: one read of the tickets and one of their threads,
    however many (the outbox deliverer notes a batch of completed requests at once)."""
    wanted = sorted(set(ticket_ids))
    if not wanted:
        return
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    tickets = session.execute(
        text("SELECT id, subject, body FROM ticket WHERE id IN :ids").bindparams(ids), {"ids": wanted}
    )
    threads: dict[int, list[str]] = {ticket_id: [] for ticket_id in wanted}
    events = session.execute(
        text(
            "SELECT ticket_id, body FROM ticket_event WHERE ticket_id IN :ids AND kind IN ('inbound', 'reply', 'note') "
            "ORDER BY id"
        ).bindparams(ids),
        {"ids": wanted},
    )
    for ticket_id, body in events:
        threads[ticket_id].append(body)
    write_documents(session, [(row.id, index_document(row.subject, row.body, *threads[row.id])) for row in tickets])


def fts5_query(terms: list[Term]) -> str:
    return " ".join(f'"{t.text}"*' if t.prefix else f'"{t.text}"' for t in terms)


def tsquery(terms: list[Term]) -> str:
    return " & ".join(f"'{t.text}':*" if t.prefix else f"'{t.text}'" for t in terms)


def match_filter(dialect: str, query: str) -> tuple[str, dict[str, str]] | None:
    """A SQL condition on `ticket.id` for the query, or None when the query has no searchable term."""
    terms = query_terms(query)
    if not terms:
        return None
    if dialect == "sqlite":
        return "ticket.id IN (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH :fts)", {"fts": fts5_query(terms)}
    return (
        "ticket.id IN (SELECT ticket_id FROM ticket_search WHERE tsv @@ CAST(:fts AS tsquery))",
        {"fts": tsquery(terms)},
    )


def compact(session: Session, index: Literal["ticket_fts", "feedback_fts"] = "ticket_fts") -> None:
    """Rewrite a SQLite index so that no segment still holds the terms of a document since replaced.

    FTS5 records a replaced document as a delete marker in a new segment; the old segment, with the old
    terms, stays until segments are merged. `optimize` merges them all into one. PostgreSQL updates the
    row in place (the old row version is left to VACUUM, see docs/security.md).
    """
    if _dialect(session) == "sqlite":
        session.execute(text(f"INSERT INTO {index} ({index}) VALUES ('optimize')"))
