"""Queue pages, live counts and change detection for the queues screen."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from lifer_desk.domain.queues import PageKey, QueueFilter, QueueName, SortKey
from lifer_desk.domain.search_text import query_terms
from lifer_desk.domain.tickets import Category, Priority, TicketStatus
from lifer_desk.i18n import _
from lifer_desk.services.agents import NAME_PATTERN
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.ticket_views import TicketRow, row_view
from lifer_desk.store import queues as store_queues
from lifer_desk.store.queues import QueueQuery as QueueQuery  # re-exported: the UI names the type it holds
from lifer_desk.store.tickets import last_change

COUNT_CAP = 9_999
Choice = TypeVar("Choice", bound=StrEnum)
# Bounds on what a search may ask. PostgreSQL refuses a tsquery word of 2,047 bytes or more, and no indexed word
# is anywhere near 100 characters; a 200-character search is a sentence, more than anyone types to find a ticket.
MAX_SEARCH_WORD = 100
MAX_SEARCH = 200


def check_search(text: str) -> str:
    """The search as it will run, or Refused with the reason; the UI asks before it shows the new search."""
    text = text.strip()
    if any(len(term.text) > MAX_SEARCH_WORD for term in query_terms(text)):
        raise Refused(_("A search word can be at most {n} characters; shorten it.").format(n=MAX_SEARCH_WORD))
    if len(text) > MAX_SEARCH:
        raise Refused(_("A search can be at most {n} characters; shorten it.").format(n=MAX_SEARCH))
    return text


def queue_filter(
    *, status: str = "", category: str = "", priority: str = "", assignee: str = "", unassigned: bool = False
) -> QueueFilter:
    """The filter for the values an agent chose (blank: any); an unknown value is refused, naming it."""
    assignee = assignee.strip()
    if unassigned and assignee:
        raise Refused(_("Filter by an agent or by unassigned tickets, not both."))
    # Anything but an agent's name (as `lifer-desk agents add` allows them) would match no ticket.
    if assignee and not NAME_PATTERN.fullmatch(assignee):
        raise Refused(_("{name!r} is not an agent name.").format(name=assignee))
    return QueueFilter(
        status=choice(TicketStatus, status, _("status")),
        category=choice(Category, category, _("category")),
        priority=choice(Priority, priority, _("priority")),
        assignee=assignee or None,
        unassigned=unassigned,
    )


def choice(kind: type[Choice], value: str | None, name: str) -> Choice | None:
    """`value` as a member of `kind` (blank: None), or Refused naming the members."""
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise Refused(
            _("There is no {name} {value!r}; choose one of {known}.").format(name=name, value=value, known=known)
        ) from None


def queue_query(
    ctx: DeskContext,
    queue: QueueName,
    *,
    sort: SortKey = SortKey.DUE,
    descending: bool = False,
    search: str = "",
    filters: QueueFilter | None = None,
) -> QueueQuery:
    return QueueQuery(queue, ctx.agent, ctx.clock(), sort, descending, search, filters or QueueFilter())


def page(
    ctx: DeskContext,
    query: QueueQuery,
    *,
    limit: int,
    after: PageKey | None = None,
    before: PageKey | None = None,
    last: bool = False,
) -> list[tuple[PageKey, TicketRow]]:
    """Rows with the keyset key of each, so the caller can ask for the page after or before it."""
    check_search(query.search)
    with ctx.db.read() as session:
        rows = store_queues.page(session, query, limit=limit, after=after, before=before, last=last)
        return [(store_queues.sort_key(query, row), row_view(row)) for row in rows]


def capped_total(ctx: DeskContext, query: QueueQuery, cap: int = COUNT_CAP) -> int:
    """How many tickets one view (queue, search, filters) holds, counted no further than `cap + 1`."""
    check_search(query.search)
    with ctx.db.read() as session:
        return store_queues.capped_count(session, query, cap)


def counts(ctx: DeskContext, cap: int = COUNT_CAP) -> dict[QueueName, int]:
    """Each queue's size, capped: a count above `cap` comes back as `cap + 1` ("9999+")."""
    now = ctx.clock()
    with ctx.db.read() as session:
        return {
            queue: store_queues.capped_count(session, QueueQuery(queue, ctx.agent, now), cap) for queue in QueueName
        }


def changed_since(ctx: DeskContext) -> datetime | None:
    """The latest ticket change; the UI polls it and reloads only when it moves."""
    with ctx.db.read() as session:
        return last_change(session)
