"""The outbox deliverer (DESIGN 6, issue 9): sends each row with its id as the Idempotency-Key, until a confirmed
answer; safe to run in every desk and as `lifer-desk outbox run`, any number at once.

One round: lease a batch (one write transaction, which also checks each request is still executable and moves
an approved one to executing), send the batch concurrently, then record every answer (one write transaction).
A deliverer may run `lanes` rounds at once, each under its own lease owner, so that one lane sends while another
leases or records (see LANES for the default).
A deliverer killed at any point loses nothing: an unrecorded answer leaves the row leased, the lease lapses,
and the next deliverer sends it again with the same key, which the admin API replays rather than repeats.

What an answer means:
- 2xx: done (an erasure is then read until it ends, each time when the admin API says it should have; a
  correction is confirmed through `verify`);
- 404/410: the target is already gone, which is done, and the receipt says "already absent";
- timeouts, 5xx, 429 and 409 "in flight": tried again with `OutboxBackoff`, honouring Retry-After;
- 412: the account changed since it was read: back for approval with a fresh read;
- any other 4xx: the request fails with the problem detail.
A notify row (the confirmation of a completed request, issue 14) is sent the same way, but its request is
already completed: nothing about the request is checked or moved, and a refusal fails only the row.
After `CircuitBreaker.threshold` consecutive transient failures the deliverer stops sending, and every
`PROBE_EVERY` lets one row through as a probe; a confirmed answer makes every backed-off row due at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from lifer_desk.admin_api import (
    AdminApi,
    AdminApiError,
    NotFound,
    NotifyRequest,
    NotifyTemplate,
    PreconditionFailed,
    TryLater,
    Unavailable,
    UserChanges,
    VerifyClaims,
)
from lifer_desk.domain.forgetting import REDACTED
from lifer_desk.domain.outbox import CircuitBreaker, Operation, OutboxBackoff, OutboxState, ReceiptItem
from lifer_desk.domain.requests import RequestState
from lifer_desk.i18n import _
from lifer_desk.services import outbox, requests
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import DatabaseBusy, Refused
from lifer_desk.services.request_completion import complete_many
from lifer_desk.services.writing import writing
from lifer_desk.store import db as store_db
from lifer_desk.store import outbox as store
from lifer_desk.store import requests as request_store
from lifer_desk.store.models import DataRequest, Outbox

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
LEASE = timedelta(minutes=2)
POLL_EVERY = timedelta(seconds=1)
MAX_POLL_WAIT = timedelta(minutes=1)
BATCH = 64
# One lane by default: a second lane in one process (sending while the first leases or records) measured no
# faster on SQLite with the in-flight cap below (bench/outbox.py, alternate runs at load average 3: 97 and 120
# against 119 and 137 mutations/s), its transactions queueing for the one write lock and both lanes for the
# interpreter's; a second deliverer process scales instead. More lanes may pay where writers do not serialise.
LANES = 1
# Sends in flight at once, over every lane: enough to keep the admin API busy while this process leases and
# records. More cost more than they gain: httpx's own pool scans every waiting request against every connection
# on each answer, which at 64 in flight took a third of the deliverer's time, and at 16 still more than at 8
# (bench/outbox.py); over aiohttp's pool (admin_api.factory) 16 measured no faster (106 and 124 against 149
# and 87 mutations/s, alternate runs at load average 3).
IN_FLIGHT = 8
IDLE_WAIT = 2.0
MIN_WAIT = 0.05
# Answers that change their row alone (the rest move the request as well).
_ROW_ONLY = frozenset({"retry", "polling", "done"})
# While the breaker is open, one probe this often: a single call, cheap, and it bounds how long work stays
# stopped after the admin API is back.
PROBE_EVERY = timedelta(seconds=3)


@dataclass(frozen=True)
class Job:
    """A leased row, as plain values: what the send needs, outside any transaction."""

    id: str
    operation: Operation
    account_id: str
    body: dict[str, Any]
    etag: str | None
    erasure_id: str | None
    request_id: int


@dataclass(frozen=True)
class Answer:
    """What one send came to. `outcome` is done, polling, retry, failed or stale."""

    job: Job
    outcome: str
    items: tuple[ReceiptItem, ...] = ()
    erasure_id: str | None = None
    problem: str | None = None
    retry_after: float | None = None
    etag: str | None = None

    @property
    def transient(self) -> bool:
        return self.outcome == "retry"


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Deliverer:
    ctx: DeskContext
    api: AdminApi
    owner: str = field(default_factory=_owner)
    batch: int = BATCH
    lanes: int = LANES
    in_flight: int = IN_FLIGHT
    lease: timedelta = LEASE
    poll_every: timedelta = POLL_EVERY
    idle_wait: float = IDLE_WAIT
    backoff: OutboxBackoff = field(default_factory=OutboxBackoff)
    breaker: CircuitBreaker = field(default_factory=lambda: CircuitBreaker(cool_down=PROBE_EVERY))
    sleep: Sleep = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)
    # Shared by the lanes of one `run`; a round run on its own (`run_once`) makes its own.
    _gate: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    # -- the loop ------------------------------------------------------------------------------------------

    async def run(self, *, until_idle: bool = False) -> None:
        """Deliver until cancelled, or, with `until_idle`, until nothing is pending or in flight."""
        self._gate = asyncio.Semaphore(self.in_flight)
        try:
            await asyncio.gather(*(self._lane(f"{self.owner}/{lane}", until_idle) for lane in range(self.lanes)))
        finally:
            self._gate = None

    async def _lane(self, owner: str, until_idle: bool) -> None:
        while True:
            now = self.ctx.clock()
            if not self.breaker.allows(now):
                assert self.breaker.opened_at is not None
                await self.sleep(max(0.0, (self.breaker.opened_at + self.breaker.cool_down - now).total_seconds()))
                continue
            try:
                if await self.run_once(owner):
                    continue
            except (DatabaseBusy, store_db.DatabaseBusy):
                # Nothing of the refused transaction was written (a leased row waits out its lease): go on.
                log.warning("outbox deliverer %s: the database was busy; trying again", owner)
                await self.sleep(self.idle_wait)
                continue
            due = await asyncio.to_thread(outbox.next_due, self.ctx)
            if due is None and until_idle:
                return
            wait = self.idle_wait if due is None else (due - self.ctx.clock()).total_seconds()
            # A floor, so a row another deliverer is just picking (skipped, still locked) is not spun on.
            await self.sleep(min(self.idle_wait, max(MIN_WAIT, wait)))

    async def run_once(self, owner: str | None = None) -> int:
        """One round, under lease `owner` (by default the deliverer's): lease, send, record. Returns how many
        rows it leased (0: nothing was due)."""
        owner = owner or self.owner
        # After an outage opened the breaker, one row goes as a probe, whenever it was due: if the admin API
        # answers, every row backed off during the outage is due again at once.
        probing = self.breaker.failures >= self.breaker.threshold
        jobs = await asyncio.to_thread(self._lease, owner, 1 if probing else self.batch, not probing)
        if not jobs:
            return 0
        gate = self._gate or asyncio.Semaphore(self.in_flight)

        async def attempt(job: Job) -> Answer:
            # The gate holds a job's calls together (an erasure's start and first read), in their order.
            async with gate:
                return await self._attempt(job)

        answers = await asyncio.gather(*(attempt(job) for job in jobs))
        for answer in answers:
            now = self.ctx.clock()
            self.breaker = self.breaker.failed(now) if answer.transient else self.breaker.succeeded()
        recovered = probing and self.breaker.failures == 0
        await asyncio.to_thread(self._record, owner, answers, recovered)
        return len(jobs)

    # -- leasing ------------------------------------------------------------------------------------------

    def _lease(self, owner: str, limit: int, due_only: bool) -> list[Job]:
        now = self.ctx.clock()
        with writing(self.ctx) as session:
            rows = store.lease(session, owner, now, now + self.lease, limit, due_only=due_only)
            # Requests are locked in id order, by every deliverer, so that two never wait on each other; one
            # query for the batch (a query each was a seventh of the deliverer's database time).
            locked = request_store.get_many(
                session,
                {row.request_id for row in rows if row.request_id is not None and row.kind != Operation.NOTIFY},
                for_update=True,
            )
            bound = request_store.approved_hashes(session, locked)
            checked = {
                request_id: self._check(session, locked[request_id], bound.get(request_id), now)
                for request_id in sorted(locked)
            }
            requests.start_executions(
                session, self.ctx, [locked[request_id] for request_id in sorted(locked) if checked[request_id]], now,
                owner=owner,
            )  # fmt: skip
            jobs = []
            for row in rows:
                assert row.request_id is not None
                if row.kind == Operation.NOTIFY or checked[row.request_id]:
                    jobs.append(_job(row))
                else:
                    row.leased_by = row.leased_until = None
                    session.add(row)
            return jobs

    def _check(self, session: Session, request: DataRequest, bound: str | None, now: datetime) -> bool:
        """Whether the request (locked; `bound` the payload hash its approval bound) may run; if not, it (and its
        rows) are moved to where they belong."""
        assert request.id is not None
        try:
            requests.check_approved(request, bound, now)
        except requests.ApprovalExpired:
            requests.expire_approval(session, self.ctx, request, now)
            return False
        except requests.ChangedSinceApproval:
            requests.fail_execution(session, self.ctx, request, now, _("changed since approval"))
            return False
        except Refused:
            # Cancelled, failed, or gone back for approval meanwhile: its rows must not be sent.
            failed = request.state == RequestState.FAILED
            held = OutboxState.HELD if failed else OutboxState.SUPERSEDED
            for row in store.for_request(session, request.id, [OutboxState.PENDING, OutboxState.POLLING]):
                row.state, row.leased_by, row.leased_until = held, None, None
                session.add(row)
            return False
        return True

    # -- sending ------------------------------------------------------------------------------------------

    async def _attempt(self, job: Job) -> Answer:
        try:
            return await self._send(job)
        except PreconditionFailed:
            try:
                fresh = await self.api.get_user(job.account_id)
            except AdminApiError as exc:
                return _classify(job, exc)
            return Answer(job, "stale", etag=fresh.etag)
        except AdminApiError as exc:
            return _classify(job, exc)

    async def _send(self, job: Job) -> Answer:
        key = job.id
        if job.operation is Operation.IMAGE_DELETE:
            image = str(job.body["image_id"])
            try:
                gone = await self.api.delete_image(job.account_id, image, idempotency_key=key)
            except NotFound:
                return Answer(job, "done", (ReceiptItem("image", image, self.ctx.clock(), key, absent=True),))
            return Answer(job, "done", (ReceiptItem("image", gone.image_id, gone.deleted_at, key),))
        if job.operation is Operation.ERASURE:
            return await self._erase(job)
        if job.operation is Operation.NOTIFY:
            return await self._notify(job)
        return await self._correct(job)

    async def _notify(self, job: Job) -> Answer:
        template, params = NotifyTemplate(job.body["template"]), dict(job.body["params"])
        try:
            await self.api.notify(job.account_id, template, params, idempotency_key=job.id)
        except NotFound:
            # The account is gone meanwhile: there is nobody left to tell, and nothing to try again.
            return Answer(job, "done", problem=_("the account no longer exists"))
        return Answer(job, "done")

    async def _erase(self, job: Job) -> Answer:
        erasure_id = job.erasure_id
        if erasure_id is None:
            scope = list(job.body["scope"])
            try:
                notice = job.body.get("notify")
                started = await self.api.start_erasure(
                    job.account_id,
                    scope,
                    f"lifer-desk data request #{job.request_id}",
                    idempotency_key=job.id,
                    notify=NotifyRequest.model_validate(notice) if notice else None,
                )
            except NotFound:
                item = ReceiptItem(str(scope[0]), job.account_id, self.ctx.clock(), job.id, absent=True)
                return Answer(job, "done", (item,))
            # The answer to the start is the erasure as it stands: reading it again at once would only repeat it.
            erasure = started
        else:
            erasure = await self.api.get_erasure(erasure_id)
        erasure_id = erasure.id
        if erasure.status == "completed":
            items = tuple(ReceiptItem(item.kind, item.id, item.deleted_at, job.id) for item in erasure.receipt)
            return Answer(job, "done", items, erasure_id=erasure_id)
        if erasure.status == "failed":
            return Answer(
                job, "failed", problem=_("the admin API could not complete erasure {id}").format(id=erasure_id)
            )
        return Answer(job, "polling", erasure_id=erasure_id, retry_after=erasure.retry_after)

    async def _correct(self, job: Job) -> Answer:
        changes = dict(job.body["changes"])
        if REDACTED in changes.values():
            # The account was erased while this ran, and the desk forgot the values: nothing is left to change.
            return self._absent(job, changes)
        if job.etag is None:
            return Answer(job, "failed", problem=_("a correction needs the ETag read before it"))
        try:
            await self.api.update_user(job.account_id, UserChanges(**changes), etag=job.etag, idempotency_key=job.id)
        except NotFound:
            return self._absent(job, changes)
        # Read back: the account must now match every new value (verify answers per field, never a value).
        result = await self.api.verify(job.account_id, VerifyClaims(**changes))
        unmatched = sorted(name for name in changes if getattr(result, name) != "match")
        if unmatched:
            problem = _("the account does not read back the change of {fields}").format(fields=", ".join(unmatched))
            return Answer(job, "failed", problem=problem)
        at = self.ctx.clock()
        return Answer(job, "done", tuple(ReceiptItem(name, job.account_id, at, job.id) for name in sorted(changes)))

    def _absent(self, job: Job, changes: dict[str, Any]) -> Answer:
        at = self.ctx.clock()
        return Answer(
            job, "done", tuple(ReceiptItem(name, job.account_id, at, job.id, absent=True) for name in changes)
        )

    # -- recording ----------------------------------------------------------------------------------------

    def _record(self, owner: str, answers: list[Answer], recovered: bool) -> None:
        now = self.ctx.clock()
        with writing(self.ctx) as session:
            if recovered:
                store.release_backoff(session, now)
            # The batch's rows and requests in one query each, requests locked in id order as leasing locks them.
            rows = store.get_many(session, (answer.job.id for answer in answers), for_update=True)
            mine = [answer for answer in answers if answer.job.id in rows and rows[answer.job.id].leased_by == owner]
            # Any other row: our lease lapsed and another deliverer took it; its answer (to the same key) counts.
            locked = request_store.get_many(session, (answer.job.request_id for answer in mine), for_update=True)
            finished = {answer.job.request_id for answer in mine if answer.outcome == "done"}
            # Answers that change only their row, written at once; then those that move their request, which may
            # change the request's other rows too (these written first, so what they do to them stands).
            store.write(
                session,
                [
                    (rows[answer.job.id], self._written(rows[answer.job.id], answer, now))
                    for answer in mine
                    if answer.outcome in _ROW_ONLY
                ],
            )
            for answer in sorted(mine, key=lambda answer: answer.job.request_id):
                if answer.outcome not in _ROW_ONLY:
                    row = rows[answer.job.id]
                    row.leased_by = row.leased_until = row.failing_since = None
                    self._apply(session, row, locked[answer.job.request_id], answer, now)
            executing = [
                request_id for request_id in sorted(finished) if locked[request_id].state == RequestState.EXECUTING
            ]
            siblings = store.for_requests(session, executing)
            # Every request the round finished, completed at once (`complete_many` says why).
            done = [
                (locked[request_id], outbox.items_of(siblings[request_id]))
                for request_id in executing
                if _all_done(siblings[request_id])
            ]
            complete_many(session, self.ctx, done, now)

    def _written(self, row: Outbox, answer: Answer, now: datetime) -> dict[str, Any]:
        """What an answer that changes only its row (`_ROW_ONLY`) writes to it, its lease ended."""
        released: dict[str, Any] = {"leased_by": None, "leased_until": None}
        if answer.outcome == "retry":
            attempts = row.attempts + 1
            return {
                **released, "attempts": attempts, "last_error": answer.problem,
                "failing_since": row.failing_since or now,
                "next_attempt_at": self.backoff.next_attempt(now, attempts, self.rng, answer.retry_after),
            }  # fmt: skip
        if answer.outcome == "polling":
            # Read again when the admin API expects it to have ended, if it says (one read, where reading it
            # every `poll_every` took five of a 5 s erasure): never sooner than `poll_every`, never later than
            # MAX_POLL_WAIT, whatever it says.
            hint = timedelta(seconds=min(answer.retry_after or 0, MAX_POLL_WAIT.total_seconds()))
            return {
                **released, "failing_since": None, "state": OutboxState.POLLING,
                "next_attempt_at": now + max(self.poll_every, hint),
                "result": json.dumps({"erasure_id": answer.erasure_id}),
            }  # fmt: skip
        assert answer.outcome == "done"
        result = {"erasure_id": answer.erasure_id, "items": [item.to_json() for item in answer.items]}
        return {
            **released, "failing_since": None, "state": OutboxState.DONE, "done_at": now,
            "last_error": answer.problem, "result": json.dumps(result, ensure_ascii=False),
        }  # fmt: skip

    def _apply(self, session: Session, row: Outbox, request: DataRequest, answer: Answer, now: datetime) -> None:
        """An answer that moves its request: back for approval (stale), or failed."""
        if answer.outcome == "stale":
            row.state = OutboxState.SUPERSEDED
            session.add(row)
            if request.state == RequestState.EXECUTING and answer.etag is not None:
                requests.back_for_approval(session, self.ctx, request, answer.etag, now)
            return
        row.state, row.last_error = OutboxState.FAILED, answer.problem
        session.add(row)
        if request.state == RequestState.EXECUTING and row.kind != Operation.NOTIFY:
            requests.fail_execution(session, self.ctx, request, now, answer.problem or "")


def _all_done(rows: list[Outbox]) -> bool:
    """Whether a request's `rows` are all done, but those superseded (so it is complete)."""
    rows = [row for row in rows if row.state != OutboxState.SUPERSEDED]
    return bool(rows) and all(row.state == OutboxState.DONE for row in rows)


def _job(row: Outbox) -> Job:
    body = json.loads(row.payload)
    result = json.loads(row.result) if row.result else {}
    assert row.request_id is not None
    return Job(
        id=row.id,
        operation=Operation(row.kind),
        account_id=str(body["account_id"]),
        body=body,
        etag=row.etag,
        erasure_id=result.get("erasure_id"),
        request_id=row.request_id,
    )


def _classify(job: Job, error: AdminApiError) -> Answer:
    """A failed call: to try again (transient), or the request's problem detail (a definite refusal)."""
    problem = str(error)
    if isinstance(error, TryLater | Unavailable) or error.status >= 500:
        retry_after = error.retry_after if isinstance(error, TryLater) else None
        return Answer(job, "retry", problem=problem, retry_after=retry_after)
    return Answer(job, "failed", problem=problem)


async def deliver_due(ctx: DeskContext) -> None:
    """Deliver until nothing is pending or in flight, as a desk does in the background. The admin API is opened
    only when there is something to deliver, so a desk with nothing in its outbox never reaches for it."""
    if await asyncio.to_thread(outbox.next_due, ctx) is None:
        return
    await Deliverer(ctx, await ctx.admin.get()).run(until_idle=True)
