"""`lifer-desk seed`: deterministic synthetic tickets, bulk-loaded and audited as one event."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from multiprocessing import get_context, parent_process
from multiprocessing.queues import Queue
from threading import Thread
from types import MappingProxyType

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.search_text import index_document
from lifer_desk.domain.sla import SlaPolicy, SlaTarget
from lifer_desk.domain.tickets import OPEN_STATUSES, Category, Priority, TicketStatus
from lifer_desk.services import audit_trail
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.synthetic import Requester, SyntheticTicket, generate
from lifer_desk.store.bulk import Batch, bulk_load, stamp

BATCH = 20_000
MAX_TICKETS = 5_000_000
DEFAULT_AGENTS = ("demo-agent", "demo-supervisor", "li.wei", "emma.w")


def _batches(tickets: Iterator[SyntheticTicket], first_id: int) -> Iterator[Batch]:
    ticket_id = first_id
    # Synthetic threads repeat a small set of texts, so each distinct text is tokenised once; a token
    # repeated across texts is harmless to both indexes.
    tokenised: dict[str, str] = {}
    while chunk := list(islice(tickets, BATCH)):
        batch = Batch([], [], [])
        for t in chunk:
            created = stamp(t.created_at)
            open_ = t.status in OPEN_STATUSES
            replied = next((at for kind, _author, _body, at in t.thread if kind == "reply"), None)
            batch.tickets.append(
                (
                    ticket_id,
                    t.channel,
                    t.subject,
                    t.thread[0][2],
                    t.requester.contact,
                    t.requester.name,
                    t.requester.account_id,
                    t.category.value,
                    t.priority.value,
                    t.priority.rank,
                    t.status.value,
                    int(open_),
                    t.assignee,
                    None,
                    stamp(t.first_response_due),
                    stamp(t.resolution_due),
                    stamp(replied),
                    stamp(t.legal_due_calendar),
                    stamp(t.legal_due_working),
                    # Waiting for the customer since the last message: the resolution clock stands from then.
                    stamp(t.thread[-1][3]) if t.status == TicketStatus.PENDING_CUSTOMER else None,
                    created,
                    stamp(t.thread[-1][3]),
                    1,
                )
            )
            batch.events.extend((ticket_id, kind, author, body, "{}", stamp(at)) for kind, author, body, at in t.thread)
            parts = []
            for text in dict.fromkeys((t.subject, *(body for _kind, _author, body, _at in t.thread))):
                part = tokenised.get(text)
                if part is None:
                    part = tokenised[text] = index_document(text)
                parts.append(part)
            batch.documents.append((ticket_id, " ".join(parts)))
            ticket_id += 1
        yield batch


@dataclass(frozen=True)
class _Plan:
    count: int
    seed: int
    now: datetime
    agents: tuple[str, ...]
    requesters: tuple[Requester, ...]
    sla_targets: dict[tuple[Category, Priority], SlaTarget]  # the policy's own mapping cannot be pickled
    first_id: int


def _exit_with_parent() -> None:
    """End this producer as soon as the parent dies, even one killed outright that runs no cleanup.

    Otherwise it would block for ever: on a full queue, or at exit flushing a batch into a pipe whose
    read end it holds itself.
    """
    parent = parent_process()
    if parent is not None:
        parent.join()
        os._exit(1)


def _produce(plan: _Plan, out: Queue[Batch | BaseException | None]) -> None:
    Thread(target=_exit_with_parent, daemon=True).start()
    try:
        tickets = generate(
            plan.count,
            seed=plan.seed,
            now=plan.now,
            agents=plan.agents,
            requesters=plan.requesters,
            sla=SlaPolicy(MappingProxyType(plan.sla_targets)),
        )
        for batch in _batches(tickets, plan.first_id):
            out.put(batch)
        out.put(None)
    except BaseException as exc:  # handed to the parent, which re-raises it
        out.put(exc)


def _produced_elsewhere(plan: _Plan) -> Iterator[Batch]:
    """Batches made in a second process, so generating and inserting use both cores."""
    context = get_context("spawn")
    out: Queue[Batch | BaseException | None] = context.Queue(maxsize=3)
    producer = context.Process(target=_produce, args=(plan, out), daemon=True)
    producer.start()
    try:
        while (item := out.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        producer.kill()
        producer.join()


def seed_tickets(
    ctx: DeskContext,
    count: int,
    *,
    seed: int = 1,
    requesters: Sequence[Requester] = (),
    agents: Sequence[str] = DEFAULT_AGENTS,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Add `count` tickets in one transaction; returns the first new id. The same seed gives the same tickets."""
    if not 0 < count <= MAX_TICKETS:
        raise Refused(f"--tickets must be between 1 and {MAX_TICKETS:,}")
    with bulk_load(ctx.db, total=count) as loader:
        first_id = loader.first_id
        plan = _Plan(count, seed, ctx.clock(), tuple(agents), tuple(requesters), dict(ctx.sla.targets), first_id)
        for batch in _produced_elsewhere(plan):
            loader.insert(batch)
            if on_progress is not None:
                on_progress(len(batch.tickets))
        audit_trail.record(
            loader.session,
            ctx.agent,
            AuditAction.TICKETS_SEED,
            "ticket",
            f"{first_id}-{first_id + count - 1}",
            {"count": count, "seed": seed},
        )
    return first_id
