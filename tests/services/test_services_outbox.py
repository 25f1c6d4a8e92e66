"""The outbox end to end over the in-process sandbox, on SQLite and PostgreSQL: what approval writes, delivery
of each kind with its receipt and ticket note, and the faults of issue 9 (a crash after sending and before the
commit, an outage of minutes, 412, 422, 409 in flight, a payload changed since approval), each ending in the
right state with exactly one effect in the sandbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from random import Random

import httpx
import pytest
from sqlmodel import Session, select

from lifer_desk.admin_api import AdminClient
from lifer_desk.domain.forgetting import REDACTED
from lifer_desk.domain.outbox import OutboxState
from lifer_desk.domain.requests import DeletionScope, RequestState
from lifer_desk.domain.tickets import EventKind
from lifer_desk.sandbox.faults import Faults
from lifer_desk.sandbox.idempotency import fingerprint
from lifer_desk.services import outbox, request_completion, requests, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import PermissionDenied, Refused
from lifer_desk.services.outbox_deliverer import Deliverer
from lifer_desk.services.request_views import get_request
from lifer_desk.services.suppression import is_suppressed
from lifer_desk.store.audit import verify_chain
from lifer_desk.store.db import Database, DatabaseBusy
from lifer_desk.store.models import Outbox, Ticket, TicketEvent
from tests.outbox_support import MovingSleep, Sandbox, approved_deletion, correction
from tests.request_support import Clock, context, tamper

S = RequestState


@pytest.fixture
def sandbox(sandbox_db: Path, clock: Clock) -> Sandbox:
    return Sandbox(sandbox_db, clock)


@pytest.fixture
def sleep(clock: Clock) -> MovingSleep:
    return MovingSleep(clock)


@pytest.fixture
async def api(sandbox: Sandbox, sleep: MovingSleep) -> AsyncIterator[AdminClient]:
    async with sandbox.client(sleep) as client:
        yield client


def deliverer(ctx: DeskContext, api: AdminClient, sleep: MovingSleep) -> Deliverer:
    return Deliverer(ctx, api, sleep=sleep, rng=Random(7))


async def delivered_username(
    alice: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep, username: str
) -> tuple[str, int, int]:
    """A username correction (approved at once) delivered: its account, that account's version before, its id."""
    account, _images = sandbox.account_with_images(1)
    before = sandbox.version(account)
    request_id = correction(alice, account, sandbox.etag(account), username=username)
    await deliverer(alice, api, sleep).run(until_idle=True)
    return account, before, request_id


def approved_images(alice: DeskContext, sam: DeskContext, sandbox: Sandbox, count: int) -> tuple[str, list[str], int]:
    """An approved deletion of `count` images of one sandbox account: the account, its images, the request."""
    account, images = sandbox.account_with_images(count)
    return account, images, approved_deletion(alice, sam, account, DeletionScope.IMAGES, tuple(images))


def rows(db: Database, request_id: int) -> list[Outbox]:
    with db.read() as session:
        return list(session.exec(select(Outbox).where(Outbox.request_id == request_id)))


def state(ctx: DeskContext, request_id: int) -> RequestState:
    return get_request(ctx, request_id).request.state


def history(ctx: DeskContext, request_id: int) -> list[str]:
    return [entry.action for entry in get_request(ctx, request_id).history]


class Crash(Exception):
    """The deliverer's process dying: raised after the sandbox answered, so the answer is never recorded."""


class CrashAfterSending(httpx.AsyncBaseTransport):
    """Lets `sends` mutations reach the sandbox, then dies in each of them before the desk hears an answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport, sends: int = 1) -> None:
        self._inner = inner
        self._all_sent = asyncio.Barrier(sends)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if request.method != "GET":
            await self._all_sent.wait()
            raise Crash
        return response


async def crash_after_sending(alice: DeskContext, sandbox: Sandbox, sleep: MovingSleep, sends: int = 1) -> None:
    """One delivery round by a deliverer that dies once its `sends` mutations reached the sandbox."""
    async with sandbox.client(sleep, CrashAfterSending(httpx.ASGITransport(app=sandbox.app), sends)) as dying:
        with pytest.raises(Crash):
            await deliverer(alice, dying, sleep).run_once()


# --- what approval writes ---------------------------------------------------------------------------------------


def test_approval_writes_one_row_per_image_with_the_row_id_as_key(
    db: Database, alice: DeskContext, sam: DeskContext, sandbox: Sandbox
) -> None:
    account, images = sandbox.account_with_images(3)
    request_id = approved_deletion(alice, sam, account, DeletionScope.IMAGES, tuple(images))
    written = rows(db, request_id)
    assert sorted(json.loads(row.payload)["image_id"] for row in written) == sorted(images)
    assert {(row.kind, row.method, row.state) for row in written} == {("image_delete", "DELETE", "pending")}
    assert len({row.id for row in written}) == 3


def test_an_account_erasure_is_one_row_and_a_correction_a_patch_with_its_etag(
    db: Database, alice: DeskContext, sam: DeskContext, sandbox: Sandbox
) -> None:
    account, _images = sandbox.account_with_images(1)
    erasure = approved_deletion(alice, sam, account, DeletionScope.ACCOUNT)
    ((kind, method, path),) = [(row.kind, row.method, row.path) for row in rows(db, erasure)]
    assert (kind, method, path) == ("erasure", "POST", f"/v1/users/{account}/erasure")

    etag = sandbox.etag(account)
    corrected = correction(alice, account, etag, email="new.address@example.com")
    assert rows(db, corrected) == []  # an email correction waits for four-eyes
    requests.approve(sam, corrected)
    ((row,),) = [rows(db, corrected)]
    assert (row.kind, row.method, row.etag) == ("correction", "PATCH", etag)


def test_a_username_correction_goes_to_the_outbox_at_once(db: Database, alice: DeskContext, sandbox: Sandbox) -> None:
    account, _images = sandbox.account_with_images(1)
    request_id = correction(alice, account, sandbox.etag(account), username="renamed_user_42")
    assert state(alice, request_id) is S.APPROVED and len(rows(db, request_id)) == 1


# --- delivery of each kind --------------------------------------------------------------------------------------


async def test_image_deletions_complete_with_a_receipt_matching_the_sandbox_and_a_note(
    db: Database, alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, images = sandbox.account_with_images(3)
    request_id = approved_deletion(alice, sam, account, DeletionScope.IMAGES, tuple(images))
    await deliverer(alice, api, sleep).run(until_idle=True)

    assert state(alice, request_id) is S.COMPLETED
    assert sorted(sandbox.deletions(account)) == sorted(("image", image) for image in images)
    receipt = outbox.receipt(alice, request_id)
    keys = {row.id for row in rows(db, request_id) if row.kind != "notify"}
    assert sorted((item.kind, item.id) for item in receipt.items) == sorted(("image", image) for image in images)
    assert {item.idempotency_key for item in receipt.items} == keys
    assert history(alice, request_id)[-2:] == ["request.execute", "request.complete"]
    with db.read() as session:
        notes = session.exec(select(TicketEvent).where(TicketEvent.kind == EventKind.NOTE)).all()
    assert any(f"Request #{request_id} completed" in note.body and "image ×3" in note.body for note in notes)


async def test_requests_finished_in_one_round_complete_together_each_with_its_own_receipt_and_note(
    db: Database, alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    accounts = [row["user_id"] for row in sandbox.query("SELECT DISTINCT user_id FROM image ORDER BY user_id LIMIT 3")]
    wanted = {}
    for account in accounts:
        images = tuple(row["id"] for row in sandbox.query("SELECT id FROM image WHERE user_id = ?", account))
        wanted[approved_deletion(alice, sam, account, DeletionScope.IMAGES, images)] = images
    await deliverer(alice, api, sleep).run_once()  # every row in one round, every request completed in one go

    with db.read() as session:
        notes = [note.body for note in session.exec(select(TicketEvent).where(TicketEvent.kind == EventKind.NOTE))]
    for request_id, images in wanted.items():
        assert state(alice, request_id) is S.COMPLETED
        assert sorted(item.id for item in outbox.receipt(alice, request_id).items) == sorted(images)
        assert history(alice, request_id)[-2:] == ["request.execute", "request.complete"]
        assert sum(f"Request #{request_id} completed" in note for note in notes) == 1
        assert [row.kind for row in rows(db, request_id)].count("notify") == 1  # its confirmation, queued
    assert verify_chain(db).ok


async def test_an_account_erasure_is_polled_to_the_end_and_its_receipt_is_the_sandboxs(
    alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, _images = sandbox.account_with_images(2)
    request_id = approved_deletion(alice, sam, account, DeletionScope.ACCOUNT)
    await deliverer(alice, api, sleep).run(until_idle=True)

    assert state(alice, request_id) is S.COMPLETED
    assert sleep.slept >= 5  # the sandbox's erasure runs for 5 s: the deliverer read it until it ended
    receipt = outbox.receipt(alice, request_id).to_json()
    assert sorted((item["kind"], item["id"]) for item in receipt["items"]) == sorted(sandbox.deletions(account))
    assert ("account", account) in sandbox.deletions(account)
    assert len(sandbox.query("SELECT id FROM erasure WHERE user_id = ?", account)) == 1


class CountReads(httpx.AsyncBaseTransport):
    """Passes every call on, counting the reads of erasures."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self.erasure_reads = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.startswith("/v1/erasures/"):
            self.erasure_reads += 1
        return await self._inner.handle_async_request(request)


async def test_an_erasure_is_read_again_only_once_the_admin_api_expects_it_to_have_ended(
    alice: DeskContext, sam: DeskContext, sandbox: Sandbox, sleep: MovingSleep
) -> None:
    account, _images = sandbox.account_with_images(1)
    request_id = approved_deletion(alice, sam, account, DeletionScope.ACCOUNT)
    counting = CountReads(httpx.ASGITransport(app=sandbox.app))
    async with sandbox.client(sleep, counting) as api:
        await deliverer(alice, api, sleep).run(until_idle=True)
    assert state(alice, request_id) is S.COMPLETED
    # The start answered "pending, about 5 s to go": one read then finds it completed, where one a second took 5.
    assert counting.erasure_reads == 1


async def test_a_completed_account_erasure_makes_the_desk_forget_the_person_and_keeps_the_receipt_note(
    db: Database, alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, _images = sandbox.account_with_images(1)
    request_id = approved_deletion(alice, sam, account, DeletionScope.ACCOUNT)
    ticket_id = get_request(alice, request_id).request.ticket_id
    assert ticket_id is not None
    await deliverer(alice, api, sleep).run(until_idle=True)

    assert state(alice, request_id) is S.COMPLETED
    seen = tickets.get_ticket(alice, ticket_id)
    assert seen.requester == REDACTED and seen.requester_name in ("", REDACTED)
    assert "please delete my account" not in [event.body for event in seen.events]
    assert seen.events[-1].body.startswith(f"Request #{request_id} completed")
    with db.read() as session:
        assert is_suppressed(session, account_id=account, contact=None)
        assert is_suppressed(session, account_id=None, contact="+86 138 0000 0000")
    assert "person.forget" in history(alice, request_id)
    # The reply offered afterwards holds nothing of her, in the language read before the purge (kept on the
    # completion note): the ticket was written in Chinese.
    offer = request_completion.reply_offer(alice, ticket_id)
    assert offer is not None and offer.language == "zh" and "删除了您的账号" in offer.text
    for personal in ("+86 138 0000 0000", "张三", account, "please delete my account"):
        assert personal not in offer.text
    # Had it come by mail, the reply could not be mailed (the address went with her): no offer then.
    with db.write() as session:
        session.get_one(Ticket, ticket_id).channel = "email"
    mailing = replace(alice, settings=replace(alice.settings, mail_address="help@lifer.example"))
    assert request_completion.reply_offer(mailing, ticket_id) is None


async def test_a_correction_is_patched_once_and_confirmed_through_verify(
    alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, before, request_id = await delivered_username(alice, sandbox, api, sleep, "renamed_user_42")

    assert state(alice, request_id) is S.COMPLETED
    assert sandbox.version(account) == before + 1
    (row,) = sandbox.query("SELECT username FROM user WHERE id = ?", account)
    assert row["username"] == "renamed_user_42"
    items = outbox.receipt(alice, request_id).items
    assert [(item.kind, item.id, item.absent) for item in items] == [("username", account, False)]


async def test_an_image_already_gone_counts_as_done_and_the_receipt_says_so(
    alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, images = sandbox.account_with_images(2)
    request_id = approved_deletion(alice, sam, account, DeletionScope.IMAGES, tuple(images))
    sandbox.execute("DELETE FROM image WHERE id = ?", images[0])
    await deliverer(alice, api, sleep).run(until_idle=True)

    assert state(alice, request_id) is S.COMPLETED
    absent = {item.id: item.absent for item in outbox.receipt(alice, request_id).items}
    assert absent == {images[0]: True, images[1]: False}
    assert sandbox.deletions(account) == [("image", images[1])]


# --- faults -------------------------------------------------------------------------------------------------------


async def test_a_crash_after_sending_and_before_the_commit_applies_nothing_twice(
    db: Database,
    alice: DeskContext,
    sam: DeskContext,
    sandbox: Sandbox,
    sleep: MovingSleep,
    clock: Clock,
) -> None:
    account, images = sandbox.account_with_images(2)
    request_id = approved_deletion(alice, sam, account, DeletionScope.IMAGES, tuple(images))
    await crash_after_sending(alice, sandbox, sleep, sends=2)
    # The sandbox acted; the desk recorded nothing: both rows are still leased by the dead deliverer.
    assert len(sandbox.deletions(account)) == 2
    assert {row.state for row in rows(db, request_id)} == {OutboxState.PENDING}
    assert outbox.delivery_health(alice).in_flight == 2

    clock.advance(timedelta(minutes=3))  # the dead deliverer's leases lapse
    async with sandbox.client(sleep) as api:
        await deliverer(alice, api, sleep).run(until_idle=True)
    assert state(alice, request_id) is S.COMPLETED
    assert sorted(sandbox.deletions(account)) == sorted(("image", image) for image in images)
    # Replayed under the same keys, not met as "already absent": the first sends were the ones that counted.
    assert not any(item.absent for item in outbox.receipt(alice, request_id).items)


async def test_a_crash_after_starting_an_erasure_starts_no_second_one(
    alice: DeskContext, sam: DeskContext, sandbox: Sandbox, sleep: MovingSleep, clock: Clock
) -> None:
    account, _images = sandbox.account_with_images(1)
    request_id = approved_deletion(alice, sam, account, DeletionScope.ACCOUNT)
    await crash_after_sending(alice, sandbox, sleep)
    clock.advance(timedelta(minutes=3))
    async with sandbox.client(sleep) as api:
        await deliverer(alice, api, sleep).run(until_idle=True)
    assert state(alice, request_id) is S.COMPLETED
    assert len(sandbox.query("SELECT id FROM erasure WHERE user_id = ?", account)) == 1


async def test_an_outage_of_minutes_pauses_delivery_then_it_completes_by_itself(
    alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep, clock: Clock
) -> None:
    account, images = sandbox.account_with_images(3)
    request_id = approved_deletion(alice, sam, account, DeletionScope.IMAGES, tuple(images))
    sandbox.set_faults(Faults(outage=True))
    outage_ends = clock.now + timedelta(minutes=4)
    seen: list[object] = []

    def end_outage() -> None:
        if clock.now >= outage_ends and not seen:
            seen.append(outbox.delivery_health(alice).failing_since)
            sandbox.set_faults(Faults())

    sleep.hooks.append(end_outage)
    await deliverer(alice, api, sleep).run(until_idle=True)

    view = get_request(alice, request_id).request
    assert view.state is S.COMPLETED
    # Backed off for minutes, yet resumed within seconds: the breaker's probe found the admin API back.
    assert view.state_since - outage_ends <= timedelta(seconds=5)
    assert seen and seen[0] is not None  # "admin API failing since" was there to show during the outage
    assert outbox.delivery_health(alice).failing_since is None
    assert sorted(sandbox.deletions(account)) == sorted(("image", image) for image in images)


async def test_a_412_sends_the_request_back_for_approval_with_a_fresh_read(
    db: Database, alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, _images = sandbox.account_with_images(1)
    request_id = correction(alice, account, sandbox.etag(account), email="fresh.address@example.com")
    requests.approve(sam, request_id)
    sandbox.execute("UPDATE user SET version = version + 1 WHERE id = ?", account)  # changed by someone else
    changed = sandbox.version(account)
    await deliverer(alice, api, sleep).run(until_idle=True)

    view = get_request(alice, request_id).request
    assert view.state is S.AWAITING_APPROVAL and view.approved_by is None
    assert view.payload is not None and view.payload.etag == sandbox.etag(account)
    assert sandbox.version(account) == changed  # nothing was applied
    assert {row.state for row in rows(db, request_id)} == {OutboxState.SUPERSEDED}

    requests.approve(sam, request_id, seen_hash=view.payload_hash)
    await deliverer(alice, api, sleep).run(until_idle=True)
    assert state(alice, request_id) is S.COMPLETED
    assert sandbox.version(account) == changed + 1


async def test_a_422_fails_the_request_with_the_problem_detail_and_nothing_applied(
    db: Database, alice: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, before, request_id = await delivered_username(alice, sandbox, api, sleep, "ab")

    assert state(alice, request_id) is S.FAILED
    fail = get_request(alice, request_id).history[-1]
    assert fail.action == "request.fail" and "username" in fail.details["problem"]
    (row,) = rows(db, request_id)
    assert row.state == OutboxState.FAILED and row.last_error is not None and "422" in row.last_error
    assert sandbox.version(account) == before
    assert outbox.delivery_health(alice).failed == 1


async def test_a_409_in_flight_is_retried_after_its_retry_after_and_applied_once(
    db: Database,
    alice: DeskContext,
    sam: DeskContext,
    sandbox: Sandbox,
    api: AdminClient,
    sleep: MovingSleep,
    clock: Clock,
) -> None:
    account, images = sandbox.account_with_images(1)
    request_id = approved_deletion(alice, sam, account, DeletionScope.IMAGES, tuple(images))
    (row,) = rows(db, request_id)
    # Another process holds this key in the sandbox (it died mid-call): the sandbox answers 409 in flight.
    sandbox.execute(
        "INSERT INTO idempotency (key, fingerprint, state, created_at) VALUES (?, ?, 'running', ?)",
        row.id,
        fingerprint("DELETE", row.path, None),
        clock.now.isoformat(),
    )
    await deliverer(alice, api, sleep).run(until_idle=True)

    assert state(alice, request_id) is S.COMPLETED
    assert sleep.slept >= 30  # not before the sandbox's claim on the key ran out
    assert sandbox.deletions(account) == [("image", images[0])]


async def test_a_payload_changed_since_approval_is_refused_before_anything_is_sent(
    alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, images = sandbox.account_with_images(2)
    request_id = approved_deletion(alice, sam, account, DeletionScope.IMAGES, (images[0],))
    stored = get_request(alice, request_id).request.payload
    assert stored is not None
    tampered = json.dumps({**stored.canonical(), "image_ids": images}, sort_keys=True, separators=(",", ":"))
    tamper(alice.db, request_id, payload=tampered)
    await deliverer(alice, api, sleep).run(until_idle=True)

    assert state(alice, request_id) is S.FAILED
    assert get_request(alice, request_id).history[-1].details["problem"] == "changed since approval"
    assert sandbox.deletions(account) == []


# --- retry ------------------------------------------------------------------------------------------------------


async def test_a_supervisor_retries_a_failed_request_with_a_fresh_key_and_it_completes(
    db: Database,
    alice: DeskContext,
    sam: DeskContext,
    sandbox: Sandbox,
    api: AdminClient,
    sleep: MovingSleep,
) -> None:
    account, _images = sandbox.account_with_images(1)
    (other,) = sandbox.query("SELECT id, username FROM user WHERE id != ? LIMIT 1", account)
    request_id = correction(alice, account, sandbox.etag(account), username=other["username"])
    await deliverer(alice, api, sleep).run(until_idle=True)
    assert state(alice, request_id) is S.FAILED  # 409: the username is taken
    (failed,) = rows(db, request_id)

    with pytest.raises(PermissionDenied):
        requests.retry(alice, request_id)
    with pytest.raises(Refused, match="only a failed request"):
        requests.retry(sam, approved_deletion(alice, sam, account, DeletionScope.DIARY))
    sandbox.execute("UPDATE user SET username = 'freed_name_1' WHERE id = ?", other["id"])
    assert requests.retry(sam, request_id).state is S.EXECUTING
    await deliverer(alice, api, sleep).run(until_idle=True)

    assert state(alice, request_id) is S.COMPLETED
    (done,) = [row for row in rows(db, request_id) if row.state == OutboxState.DONE and row.kind != "notify"]
    assert done.id != failed.id
    assert "request.retry" in history(alice, request_id)


async def test_a_cancelled_request_s_rows_are_never_sent(
    db: Database, alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, images = sandbox.account_with_images(1)
    request_id = approved_deletion(alice, sam, account, DeletionScope.IMAGES, tuple(images))
    requests.cancel(alice, request_id)
    await deliverer(alice, api, sleep).run(until_idle=True)
    assert sandbox.deletions(account) == []
    assert {row.state for row in rows(db, request_id)} == {OutboxState.SUPERSEDED}


def test_delivery_health_counts_pending_rows(alice: DeskContext, sam: DeskContext, sandbox: Sandbox) -> None:
    account, images = sandbox.account_with_images(2)
    approved_deletion(alice, sam, account, DeletionScope.IMAGES, tuple(images))
    health = outbox.delivery_health(alice)
    assert (health.pending, health.in_flight, health.failed, health.failing_since) == (2, 0, 0, None)


class BusyOnce(Database):
    """The desk database, whose first write transaction after `arm` finds it locked by others."""

    armed = False

    @contextmanager
    def write(self) -> Iterator[Session]:
        if self.armed:
            self.armed = False
            raise DatabaseBusy()
        with super().write() as session:
            yield session


async def test_a_busy_database_delays_delivery_but_does_not_stop_it(
    db_url: str, clock: Clock, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    busy = BusyOnce(db_url)
    alice, sam = context(busy, clock, "alice", "agent"), context(busy, clock, "sam", "supervisor")
    account, images = sandbox.account_with_images(1)
    request_id = approved_deletion(alice, sam, account, DeletionScope.IMAGES, tuple(images))
    busy.armed = True
    await deliverer(alice, api, sleep).run(until_idle=True)
    assert state(alice, request_id) is S.COMPLETED and not busy.armed
    busy.dispose()


# --- confirmations to the address of record (issue 14 item 5) ---------------------------------------------------


def notifications(sandbox: Sandbox, account: str) -> list[tuple[str, dict[str, str]]]:
    rows = sandbox.query("SELECT template, params FROM notification WHERE user_id = ? ORDER BY queued_at", account)
    return [(row["template"], json.loads(row["params"])) for row in rows]


async def test_a_completed_image_deletion_is_confirmed_once_through_notify_with_ids_only(
    db: Database, alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, images, request_id = approved_images(alice, sam, sandbox, 2)
    await deliverer(alice, api, sleep).run(until_idle=True)
    # A second deliverer later finds nothing more to send: the confirmation went once.
    await deliverer(alice, api, sleep).run(until_idle=True)

    assert state(alice, request_id) is S.COMPLETED
    ((template, params),) = notifications(sandbox, account)
    ticket_id = get_request(alice, request_id).request.ticket_id
    assert template == "deletion_done"
    assert {key: params[key] for key in ("request_id", "ticket_id", "scope")} == {
        "request_id": str(request_id), "ticket_id": str(ticket_id), "scope": "images",
    }  # fmt: skip
    notify_rows = [row for row in rows(db, request_id) if row.kind == "notify"]
    assert [(row.state, row.path) for row in notify_rows] == [("done", f"/v1/users/{account}/notify")]
    # The receipt is what was deleted: the confirmation adds nothing to it.
    assert sorted(item.id for item in outbox.receipt(alice, request_id).items) == sorted(images)


async def test_a_correction_is_confirmed_naming_the_fields_never_the_values(
    alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, _before, request_id = await delivered_username(alice, sandbox, api, sleep, "renamed_user_43")

    ((template, params),) = notifications(sandbox, account)
    assert template == "correction_done" and params["fields"] == "username"
    assert params["request_id"] == str(request_id)
    assert "renamed_user_43" not in json.dumps(params)


async def test_a_notify_refused_fails_only_its_row_and_the_request_stays_completed(
    db: Database, alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, _images, request_id = approved_images(alice, sam, sandbox, 1)
    # The deletion goes through; before its confirmation is sent, the account disappears from lifer.
    first = deliverer(alice, api, sleep)
    await first.run_once()
    sandbox.execute("DELETE FROM user WHERE id = ?", account)
    await first.run(until_idle=True)

    assert state(alice, request_id) is S.COMPLETED
    assert notifications(sandbox, account) == []
    (notify_row,) = [row for row in rows(db, request_id) if row.kind == "notify"]
    assert notify_row.state == "done" and notify_row.last_error == "the account no longer exists"


async def test_an_account_erasure_carries_its_confirmation_and_lifer_mails_it_before_the_address_goes(
    db: Database, alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, _images = sandbox.account_with_images(1)
    request_id = approved_deletion(alice, sam, account, DeletionScope.ACCOUNT)
    ((erasure_row,),) = [rows(db, request_id)]
    assert json.loads(erasure_row.payload)["notify"]["template"] == "deletion_done"
    await deliverer(alice, api, sleep).run(until_idle=True)

    assert state(alice, request_id) is S.COMPLETED
    ((template, params),) = notifications(sandbox, account)
    assert template == "deletion_done" and params == {
        "request_id": str(request_id), "ticket_id": str(get_request(alice, request_id).request.ticket_id),
        "scope": "account",
    }  # fmt: skip
    (queued,) = sandbox.query("SELECT queued_at FROM notification WHERE user_id = ?", account)
    (erased,) = sandbox.query("SELECT completed_at FROM erasure WHERE user_id = ?", account)
    assert queued["queued_at"] == erased["completed_at"]
    assert sandbox.query("SELECT id FROM user WHERE id = ?", account) == []
    # Nothing was sent after the erasure: no notify row, so nothing could reach for the erased address.
    assert [row.kind for row in rows(db, request_id)] == ["erasure"]


# --- the reply offered once a request completed (issue 9 item 5) -------------------------------------------------


async def test_a_completed_request_offers_a_reply_saying_what_was_done_and_when_until_one_is_sent(
    alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep, clock: Clock
) -> None:
    account, images, request_id = approved_images(alice, sam, sandbox, 2)
    ticket_id = get_request(alice, request_id).request.ticket_id
    assert ticket_id is not None
    assert request_completion.reply_offer(alice, ticket_id) is None  # nothing done yet
    await deliverer(alice, api, sleep).run(until_idle=True)

    offer = request_completion.reply_offer(alice, ticket_id)
    assert offer is not None and offer.request_id == request_id
    completed = get_request(alice, request_id).request.state_since
    # The ticket was written in Chinese ("删除账号"): so is the offer; it names the count, time and request.
    assert offer.language == "zh" and "删除了您的 2 张图片" in offer.text and f"请求 #{request_id}" in offer.text
    assert f"{completed:%Y-%m-%d} {completed:%H:%M}" in offer.text
    assert not any(image in offer.text for image in images) and account not in offer.text

    clock.advance(timedelta(minutes=1))
    tickets.reply(alice, tickets.claim(alice, ticket_id), offer.text)
    assert request_completion.reply_offer(alice, ticket_id) is None


async def test_two_lanes_in_one_deliverer_send_each_row_once(
    db: Database, alice: DeskContext, sam: DeskContext, sandbox: Sandbox, api: AdminClient, sleep: MovingSleep
) -> None:
    account, images, request_id = approved_images(alice, sam, sandbox, 3)
    await Deliverer(alice, api, sleep=sleep, rng=Random(7), batch=1, lanes=2).run(until_idle=True)

    assert state(alice, request_id) is S.COMPLETED
    assert sorted(sandbox.deletions(account)) == sorted(("image", image) for image in images)
    assert {row.state for row in rows(db, request_id)} == {OutboxState.DONE}
