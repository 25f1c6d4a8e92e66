"""The ticket full-text index: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.

Every store function that writes a ticket's subject, body or thread calls `reindex_ticket` in the
same transaction, so the index is never behind the data.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from lifer_desk.domain.search_text import Term, index_document, query_terms


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def write_document(session: Session, ticket_id: int, doc: str) -> None:
    if _dialect(session) == "sqlite":
        session.execute(text("DELETE FROM ticket_fts WHERE rowid = :id"), {"id": ticket_id})
        session.execute(text("INSERT INTO ticket_fts (rowid, doc) VALUES (:id, :doc)"), {"id": ticket_id, "doc": doc})
    else:
        session.execute(
            text(
                "INSERT INTO ticket_search (ticket_id, doc) VALUES (:id, :doc) "
                "ON CONFLICT (ticket_id) DO UPDATE SET doc = excluded.doc"
            ),
            {"id": ticket_id, "doc": doc},
        )


def reindex_ticket(session: Session, ticket_id: int) -> None:
    row = session.execute(text("SELECT subject, body FROM ticket WHERE id = :id"), {"id": ticket_id}).one()
    thread = session.execute(
        text("SELECT body FROM ticket_event WHERE ticket_id = :id AND kind IN ('inbound', 'reply', 'note')"),
        {"id": ticket_id},
    ).scalars()
    write_document(session, ticket_id, index_document(row.subject, row.body, *thread))


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


def compact(session: Session) -> None:
    """Rewrite the SQLite index so that no segment still holds the terms of a document since replaced.

    FTS5 records a replaced document as a delete marker in a new segment; the old segment, with the old
    terms, stays until segments are merged. `optimize` merges them all into one. PostgreSQL updates the
    row in place (the old row version is left to VACUUM, see docs/security.md).
    """
    if _dialect(session) == "sqlite":
        session.execute(text("INSERT INTO ticket_fts (ticket_fts) VALUES ('optimize')"))
