"""Drafts of replies and notes: what an agent wrote and has not sent yet survives a refusal and a restart.

Stored in the desk database rather than in files: in the hardened deployment every agent runs as one service
account, so files under a user data directory would not tell agents apart, while a row keyed by agent, ticket
and kind does, is 0600 with the rest of the database, and is deleted in the same transaction as the reply or
note that sends it (`services.tickets`), so a sent text never comes back as a draft.

A draft is the agent's own scratch: only its author reads it, it never reaches the customer, and it changes no
ticket, so saving one is not audited; sending it is.
"""

from __future__ import annotations

from lifer_desk.domain.text_safety import storable
from lifer_desk.domain.tickets import EventKind
from lifer_desk.i18n import _
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound, Refused
from lifer_desk.services.writing import writing
from lifer_desk.store import drafts as store
from lifer_desk.store.tickets import get_ticket

DRAFT_KINDS = frozenset({EventKind.REPLY, EventKind.NOTE})
# A draft may be longer than a reply can be (that refusal is one the draft must survive), but not without end.
MAX_DRAFT = 100_000


def _kind(kind: str) -> EventKind:
    if kind not in DRAFT_KINDS:
        raise Refused(_("there are no drafts of {kind}").format(kind=kind))
    return EventKind(kind)


def load_draft(ctx: DeskContext, ticket_id: int, kind: str) -> str:
    """This agent's draft of `kind` (reply or note) on the ticket; empty when there is none."""
    with ctx.db.read() as session:
        return store.get_draft(session, ctx.agent, ticket_id, _kind(kind)) or ""


def save_draft(ctx: DeskContext, ticket_id: int, kind: str, body: str) -> None:
    """Keep `body` as this agent's draft; an empty (or blank) body discards it."""
    kind = _kind(kind)
    body = storable(body)
    if len(body) > MAX_DRAFT:
        raise Refused(_("a draft can be at most {n:,} characters").format(n=MAX_DRAFT))
    with writing(ctx) as session:
        if not body.strip():
            store.delete_draft(session, ctx.agent, ticket_id, kind)
            return
        if get_ticket(session, ticket_id) is None:
            raise NotFound(_("no ticket #{id}").format(id=ticket_id))
        store.put_draft(session, ctx.agent, ticket_id, kind, body, ctx.clock())
