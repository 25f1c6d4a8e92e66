"""Feedback rows: import by page, keyset pages newest first, mailbox moves, tags, the item history.

Every list reads an index range: a mailbox is `(mailbox, id)`, an account `(account_id, id)`, a tag
`(tag, item_id)`; pages are keyset on the id, never OFFSET. Runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Row, delete, func, insert, select, table, text, update
from sqlalchemy import column as sql_column
from sqlmodel import Session, col

from lifer_desk.domain.feedback import FeedbackFilter, Mailbox
from lifer_desk.domain.search_text import index_document, query_terms
from lifer_desk.store.bulk import stamp
from lifer_desk.store.models import Draft, FeedbackEvent, FeedbackItem, FeedbackTag, Ticket, TicketEvent
from lifer_desk.store.search import fts5_query, tsquery

# What a list row shows of the text: enough for one line at any width, so a long item costs no more.
PREVIEW_CHARS = 240

ROW_COLUMNS = (
    col(FeedbackItem.id),
    col(FeedbackItem.mailbox),
    col(FeedbackItem.channel),
    col(FeedbackItem.submitted_at),
    col(FeedbackItem.account_id),
    func.substr(col(FeedbackItem.body), 1, PREVIEW_CHARS).label("preview"),
    col(FeedbackItem.app_version),
    col(FeedbackItem.platform),
    col(FeedbackItem.ticket_id),
)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


class ImportRow(NamedTuple):
    """An item as `insert_items` writes it, with its search document: built by `import_row` before the
    transaction that writes it, so that the transaction only executes: tokenising and converting were a third of
    the writer's time in a million-item first sync, all of it holding the GIL that the fetching needs too."""

    external_id: str
    channel: str
    account_id: str | None
    body: str
    # The values the UTC column type would write: text on SQLite, naive UTC on PostgreSQL.
    submitted_at: object
    submitted_day: str
    app_version: str | None
    platform: str | None
    document: str


def import_row(
    sqlite: bool,
    *,
    external_id: str,
    channel: str,
    account_id: str | None,
    body: str,
    submitted_at: datetime,
    app_version: str | None,
    platform: str | None,
) -> ImportRow:
    submitted = stamp(submitted_at) if sqlite else _naive_utc(submitted_at)
    # submitted_day is the UTC day, which both forms of the time begin with.
    day = str(submitted)[:10]
    document = index_document(body)
    return ImportRow(external_id, channel, account_id, body, submitted, day, app_version, platform, document)


def insert_items(session: Session, rows: Sequence[ImportRow], now: datetime) -> int:
    """Add the items not already here (by external id) with their search documents; how many were new.

    Straight to the driver, up to _ROWS_PER_STATEMENT rows per statement for the items and as many for their
    documents: through SQLAlchemy, building and type-converting every row's parameters was most of the desk's
    work in a million-item first sync (bench/feedback.py).
    """
    # The driver's own cursor, in the session's transaction: SQLAlchemy's result rows cost more than the RETURNING.
    cursor = session.connection().connection.cursor()
    sqlite = _dialect(session) == "sqlite"
    mark = "?" if sqlite else "%s"
    # The columns every row of a transaction shares: it is received now, in the inbox.
    shared = (stamp(now) if sqlite else _naive_utc(now), Mailbox.INBOX.value)
    search = "feedback_fts (rowid, doc)" if sqlite else "feedback_search (item_id, doc)"
    row = f"({', '.join([mark] * len(_INSERTED))})"
    added = 0
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[start : start + _ROWS_PER_STATEMENT]
        values: list[object] = []
        for item in chunk:
            values += item[:_DOCUMENT]
            values += shared
        # Another desk syncing the same page wrote some rows first: those are skipped, never duplicated.
        statement = (
            f"INSERT INTO feedback_item ({', '.join(_INSERTED)}) VALUES {', '.join([row] * len(chunk))}"
            " ON CONFLICT (external_id) DO NOTHING RETURNING id, external_id"
        )
        cursor.execute(statement, values)
        new = cursor.fetchall()
        if new:
            documents = {item.external_id: item.document for item in chunk}
            pairs: list[object] = []
            for item_id, external_id in new:
                pairs += (item_id, documents[external_id])
            cursor.execute(f"INSERT INTO {search} VALUES {', '.join([f'({mark}, {mark})'] * len(new))}", pairs)
        added += len(new)
    cursor.close()
    return added


# A page cache that holds what a large import writes in random order (the external-id and account indexes of a
# million items): SQLite's default of 2 MB makes each insert read those pages back from the file.
IMPORT_CACHE_KIB = 65_536


@contextmanager
def import_cache(session: Session) -> Iterator[None]:
    """SQLite's page cache at IMPORT_CACHE_KIB for the rest of this transaction, then as it was, so that a desk
    that syncs keeps no larger cache while it browses; nothing on PostgreSQL."""
    if _dialect(session) != "sqlite":
        yield
        return
    connection = session.connection()
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


# Ten parameters a row: well within either database's limit on one statement's parameters.
_ROWS_PER_STATEMENT = 500
# An ImportRow's columns up to its document, then the shared ones.
_INSERTED = (
    "external_id",
    "channel",
    "account_id",
    "body",
    "submitted_at",
    "submitted_day",
    "app_version",
    "platform",
    "received_at",
    "mailbox",
)
_DOCUMENT = ImportRow._fields.index("document")


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _match(session: Session, search: str) -> ColumnElement[bool] | None:
    terms = query_terms(search)
    if not terms:
        return None
    if _dialect(session) == "sqlite":
        clause = "feedback_item.id IN (SELECT rowid FROM feedback_fts WHERE feedback_fts MATCH :fts)"
        return text(clause).bindparams(fts=fts5_query(terms))  # type: ignore[return-value]  # where() takes text()
    clause = "feedback_item.id IN (SELECT item_id FROM feedback_search WHERE tsv @@ CAST(:fts AS tsquery))"
    return text(clause).bindparams(fts=tsquery(terms))  # type: ignore[return-value]  # where() takes text()


def conditions(session: Session, chosen: FeedbackFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if chosen.mailbox is not None:
        found.append(col(FeedbackItem.mailbox) == chosen.mailbox.value)
    for column, value in (
        (FeedbackItem.channel, chosen.channel),
        (FeedbackItem.app_version, chosen.app_version),
        (FeedbackItem.platform, chosen.platform),
    ):
        if value is not None:
            found.append(col(column) == str(value))
    if chosen.since is not None:
        found.append(col(FeedbackItem.submitted_day) >= chosen.since.isoformat())
    if chosen.until is not None:
        found.append(col(FeedbackItem.submitted_day) <= chosen.until.isoformat())
    if chosen.tag is not None:
        tagged = select(col(FeedbackTag.item_id)).where(col(FeedbackTag.tag) == chosen.tag)
        found.append(col(FeedbackItem.id).in_(tagged))
    if chosen.search.strip() and (matched := _match(session, chosen.search)) is not None:
        found.append(matched)
    return found


_FTS = table("feedback_fts", sql_column("rowid"))


def page(
    session: Session,
    chosen: FeedbackFilter,
    *,
    limit: int,
    after: int | None = None,
    before: int | None = None,
    last: bool = False,
) -> list[Row[Any]]:
    """Newest first; walking backwards (or to the last page) reads the index the other way, then flips the page.

    A search on SQLite walks the full-text index itself in id order (FTS5 hands out rowids in order), joining
    each match to its item until the page is full: `id IN (matches)` would first collect every match, which for
    a common word is a good part of a million items.
    """
    backwards = before is not None or last
    item_id = col(FeedbackItem.id)
    terms = query_terms(chosen.search) if chosen.search.strip() else []
    if terms and _dialect(session) == "sqlite":
        key: Any = _FTS.c.rowid
        narrowed = conditions(session, replace(chosen, search=""))
        statement = (
            select(*ROW_COLUMNS)
            .select_from(_FTS.join(FeedbackItem, item_id == _FTS.c.rowid))
            .where(text("feedback_fts MATCH :fts").bindparams(fts=fts5_query(terms)), *narrowed)
        )
    else:
        key = item_id
        statement = select(*ROW_COLUMNS).where(*conditions(session, chosen))
    if after is not None:
        statement = statement.where(key < after)
    if before is not None:
        statement = statement.where(key > before)
    statement = statement.order_by(key.asc() if backwards else key.desc()).limit(limit)
    rows = list(session.execute(statement))
    return rows[::-1] if backwards else rows


def tags_of(session: Session, item_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(item_ids)
    found: dict[int, list[str]] = {item_id: [] for item_id in ids}
    if ids:
        statement = (
            select(col(FeedbackTag.item_id), col(FeedbackTag.tag))
            .where(col(FeedbackTag.item_id).in_(ids))
            .order_by(col(FeedbackTag.tag))
        )
        for item_id, tag in session.execute(statement):
            found[item_id].append(tag)
    return found


def capped_count(session: Session, chosen: FeedbackFilter, cap: int) -> int:
    inner = select(col(FeedbackItem.id)).where(*conditions(session, chosen)).limit(cap + 1).subquery()
    return int(session.execute(select(func.count()).select_from(inner)).scalar_one())


def count(session: Session, chosen: FeedbackFilter) -> int:
    return int(
        session.execute(select(func.count(col(FeedbackItem.id))).where(*conditions(session, chosen))).scalar_one()
    )


def mailboxes_of(session: Session, chosen: FeedbackFilter) -> set[Mailbox]:
    """The mailboxes the filter's items are in (one when it names one)."""
    if chosen.mailbox is not None:
        return {chosen.mailbox}
    statement = select(col(FeedbackItem.mailbox)).where(*conditions(session, chosen)).distinct()
    return {Mailbox(value) for value in session.execute(statement).scalars()}


def mailboxes_of_ids(session: Session, item_ids: Sequence[int]) -> set[Mailbox]:
    statement = select(col(FeedbackItem.mailbox)).where(col(FeedbackItem.id).in_(list(item_ids))).distinct()
    return {Mailbox(value) for value in session.execute(statement).scalars()}


def ids_after(session: Session, chosen: FeedbackFilter, after: int | None, limit: int) -> list[int]:
    """The ids of the next `limit` matching items, newest first, after `after`: one batch of a bulk action."""
    statement = select(col(FeedbackItem.id)).where(*conditions(session, chosen))
    if after is not None:
        statement = statement.where(col(FeedbackItem.id) < after)
    return list(session.execute(statement.order_by(col(FeedbackItem.id).desc()).limit(limit)).scalars())


def get_item(session: Session, item_id: int, *, for_update: bool = False) -> FeedbackItem | None:
    statement = select(FeedbackItem).where(col(FeedbackItem.id) == item_id)
    if for_update and _dialect(session) != "sqlite":
        statement = statement.with_for_update()
    return session.execute(statement).scalars().first()


def in_mailboxes(session: Session, item_ids: Sequence[int], sources: Iterable[Mailbox]) -> list[int]:
    """Those of `item_ids` in one of `sources`, in the order given."""
    allowed = [mailbox.value for mailbox in sources]
    statement = select(col(FeedbackItem.id)).where(
        col(FeedbackItem.id).in_(list(item_ids)), col(FeedbackItem.mailbox).in_(allowed)
    )
    found = set(session.execute(statement).scalars())
    return [item_id for item_id in item_ids if item_id in found]


def move(session: Session, item_ids: Sequence[int], target: Mailbox, actor: str, at: datetime) -> None:
    values: dict[str, Any] = {"mailbox": target.value}
    if target is Mailbox.REVIEWED:
        values.update(reviewed_by=actor, reviewed_at=at)
    session.execute(update(FeedbackItem).where(col(FeedbackItem.id).in_(list(item_ids))).values(**values))


def add_tag(session: Session, item_ids: Sequence[int], tag: str) -> list[int]:
    """Tag the items that lack `tag`; the ids that changed."""
    have = set(
        session.execute(
            select(col(FeedbackTag.item_id)).where(
                col(FeedbackTag.tag) == tag, col(FeedbackTag.item_id).in_(list(item_ids))
            )
        ).scalars()
    )
    new = [item_id for item_id in item_ids if item_id not in have]
    if new:
        session.execute(insert(FeedbackTag), [{"item_id": item_id, "tag": tag} for item_id in new])
    return new


def remove_tag(session: Session, item_ids: Sequence[int], tag: str) -> list[int]:
    have = list(
        session.execute(
            select(col(FeedbackTag.item_id)).where(
                col(FeedbackTag.tag) == tag, col(FeedbackTag.item_id).in_(list(item_ids))
            )
        ).scalars()
    )
    if have:
        session.execute(delete(FeedbackTag).where(col(FeedbackTag.tag) == tag, col(FeedbackTag.item_id).in_(have)))
    return have


def add_events(
    session: Session, item_ids: Sequence[int], action: str, actor: str, at: datetime, detail: str = ""
) -> None:
    if item_ids:
        session.execute(
            insert(FeedbackEvent),
            [{"item_id": i, "at": at, "actor": actor, "action": action, "detail": detail} for i in item_ids],
        )


def history(session: Session, item_id: int, limit: int = 50) -> list[FeedbackEvent]:
    statement = (
        select(FeedbackEvent)
        .where(col(FeedbackEvent.item_id) == item_id)
        .order_by(col(FeedbackEvent.id).desc())
        .limit(limit)
    )
    return list(session.execute(statement).scalars())


def same_account(session: Session, account_id: str, besides: int, limit: int) -> list[Row[Any]]:
    statement = (
        select(*ROW_COLUMNS)
        .where(col(FeedbackItem.account_id) == account_id, col(FeedbackItem.id) != besides)
        .order_by(col(FeedbackItem.id).desc())
        .limit(limit)
    )
    return list(session.execute(statement))


def link_ticket(session: Session, item_id: int, ticket_id: int | None) -> None:
    session.execute(update(FeedbackItem).where(col(FeedbackItem.id) == item_id).values(ticket_id=ticket_id))


def ticket_untouched(session: Session, ticket_id: int) -> bool:
    """Whether nobody has worked the ticket: never changed, claimed, answered, drafted or verified on."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.version != 1 or ticket.assignee is not None or ticket.status != "new":
        return False
    events = session.execute(
        select(func.count(col(TicketEvent.id))).where(col(TicketEvent.ticket_id) == ticket_id)
    ).scalar_one()
    drafts = session.execute(
        select(func.count()).select_from(Draft).where(col(Draft.ticket_id) == ticket_id)
    ).scalar_one()
    others = session.execute(
        text(
            "SELECT (SELECT count(*) FROM verification WHERE ticket_id = :id)"
            " + (SELECT count(*) FROM data_request WHERE ticket_id = :id)"
        ),
        {"id": ticket_id},
    ).scalar_one()
    return bool(events == 1 and drafts == 0 and others == 0)


def rewrite_documents(session: Session, account_id: str, body: str) -> None:
    """The search documents of the account's items not yet reading `body`, made from `body`: an item whose text
    is replaced must not be found by its old words (the index keeps its own copy of them). Before the items'
    own update, which this finds them by."""
    search, key = ("feedback_fts", "rowid") if _dialect(session) == "sqlite" else ("feedback_search", "item_id")
    session.execute(
        text(
            f"UPDATE {search} SET doc = :doc WHERE {key} IN"
            " (SELECT id FROM feedback_item WHERE account_id = :account AND body != :body)"
        ),
        {"doc": index_document(body), "account": account_id, "body": body},
    )


def delete_ticket(session: Session, ticket_id: int) -> None:
    """Remove an untouched ticket made from feedback (`ticket_untouched` first), with its index document."""
    if _dialect(session) == "sqlite":
        session.execute(text("DELETE FROM ticket_fts WHERE rowid = :id"), {"id": ticket_id})
    else:
        session.execute(text("DELETE FROM ticket_search WHERE ticket_id = :id"), {"id": ticket_id})
    session.execute(delete(TicketEvent).where(col(TicketEvent.ticket_id) == ticket_id))
    session.execute(delete(Ticket).where(col(Ticket.id) == ticket_id))


def last_change(session: Session) -> tuple[int | None, int | None]:
    """The newest item and history line: every import adds an item and every triage change (undoing a conversion
    and removing a tag included) a history line, and each is the end of a primary-key index."""
    newest = session.execute(select(func.max(col(FeedbackItem.id)))).scalar_one()
    event = session.execute(select(func.max(col(FeedbackEvent.id)))).scalar_one()
    return newest, event
