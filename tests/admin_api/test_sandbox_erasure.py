"""Sandbox erasure: progress follows the clock (not reads), data really goes, and a served sandbox works unasked."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import time_machine
from fastapi import FastAPI

from lifer_desk.admin_api import AdminApiError, AdminClient, NotFound, NotifyRequest, NotifyTemplate
from lifer_desk.sandbox.app import create_app
from lifer_desk.sandbox.erasure_work import ErasureTiming
from tests.admin_api.admin_test_support import BASE_URL, TOKEN, Clock, pick_user, user_with_images


def _owned(db: sqlite3.Connection, user_id: str) -> dict[str, int]:
    tables = (("user", "id"), ("image", "user_id"), ("diary_entry", "user_id"), ("feedback", "user_id"))
    return {t: db.execute(f"SELECT count(*) FROM {t} WHERE {c} = ?", (user_id,)).fetchone()[0] for t, c in tables}


async def test_reading_the_status_does_not_advance_it(
    client: AdminClient, db: sqlite3.Connection, clock: Clock
) -> None:
    row = user_with_images(db)
    erasure = await client.start_erasure(row["id"], ["images"], "customer asked", idempotency_key="er-reads")
    for _ in range(5):
        assert (await client.get_erasure(erasure.id)).status == "pending"
    assert (await client.get_user(row["id"])).image_count > 0
    clock.advance(seconds=4)
    for _ in range(3):
        assert (await client.get_erasure(erasure.id)).status == "running"
    assert (await client.get_user(row["id"])).image_count > 0


async def test_an_unfinished_erasure_says_when_to_read_it_again(
    client: AdminClient, db: sqlite3.Connection, clock: Clock
) -> None:
    row = user_with_images(db)
    erasure = await client.start_erasure(row["id"], ["images"], "customer asked", idempotency_key="er-hint")
    timing = ErasureTiming()
    total = (timing.pending + timing.running).total_seconds()
    assert erasure.retry_after == total
    clock.advance(seconds=total - 1.5)
    assert (await client.get_erasure(erasure.id)).retry_after == 2  # rounded up: never before it ends
    clock.advance(seconds=1.5)
    ended = await client.get_erasure(erasure.id)
    assert ended.status == "completed" and ended.retry_after is None


async def test_the_data_goes_on_the_moment_it_is_due_and_not_a_moment_before(
    client: AdminClient, db: sqlite3.Connection, clock: Clock
) -> None:
    row = user_with_images(db)
    images = _owned(db, row["id"])["image"]
    await client.start_erasure(row["id"], ["images"], "customer asked", idempotency_key="er-bound")
    timing = ErasureTiming()
    # The sandbox asks SQLite whether anything is due, whose times are whole milliseconds.
    clock.advance(seconds=(timing.pending + timing.running).total_seconds() - 0.001)
    assert (await client.get_user(row["id"])).image_count == images
    clock.advance(seconds=0.001)
    assert (await client.get_user(row["id"])).image_count == 0
    assert _owned(db, row["id"])["image"] == 0


async def test_account_erasure_removes_everything_once_due(
    client: AdminClient, db: sqlite3.Connection, clock: Clock
) -> None:
    row = pick_user(db, "id IN (SELECT user_id FROM image) AND id IN (SELECT user_id FROM diary_entry)")
    erasure = await client.start_erasure(row["id"], ["account"], "deletion request", idempotency_key="acct")
    clock.advance(minutes=1)
    # Never polled: any later request finds the work done.
    with pytest.raises(NotFound):
        await client.get_user(row["id"])
    assert _owned(db, row["id"]) == {"user": 0, "image": 0, "diary_entry": 0, "feedback": 0}
    done = await client.get_erasure(erasure.id)
    assert done.status == "completed"
    assert {"account", "image", "diary_entry"} <= {item.kind for item in done.receipt}
    # Dated when the work was due (2 s pending + 3 s running), whoever noticed it and whenever.
    assert done.completed_at == erasure.requested_at + timedelta(seconds=5)
    assert {item.deleted_at for item in done.receipt} == {done.completed_at}


async def test_an_erasure_with_notify_mails_the_address_of_record_once_before_it_goes(
    client: AdminClient, db: sqlite3.Connection, clock: Clock
) -> None:
    row = pick_user(db, "id IN (SELECT user_id FROM image)")
    notice = NotifyRequest(template=NotifyTemplate.DELETION_DONE, params={"request_id": "7"})
    erasure = await client.start_erasure(row["id"], ["account"], "deletion", idempotency_key="n1", notify=notice)
    # The same key again is the same call (replayed); with another notice it is a different call.
    again = await client.start_erasure(row["id"], ["account"], "deletion", idempotency_key="n1", notify=notice)
    assert again.id == erasure.id
    with pytest.raises(AdminApiError) as refused:
        await client.start_erasure(row["id"], ["account"], "deletion", idempotency_key="n1")
    assert refused.value.status == 422
    assert db.execute("SELECT count(*) FROM notification").fetchone()[0] == 0  # nothing before it is done
    clock.advance(minutes=1)
    assert (await client.get_erasure(erasure.id)).status == "completed"
    sent = db.execute("SELECT user_id, template, params FROM notification").fetchall()
    assert [tuple(r) for r in sent] == [(row["id"], "deletion_done", '{"request_id": "7"}')]


async def test_progress_follows_the_wall_clock(sandbox_db: Path, db: sqlite3.Connection) -> None:
    row = user_with_images(db)
    app = create_app(sandbox_db, TOKEN)
    with time_machine.travel(datetime(2025, 6, 1, 9, 0, tzinfo=UTC), tick=False) as traveller:
        async with AdminClient(BASE_URL, TOKEN, transport=httpx.ASGITransport(app=app)) as admin:
            erasure = await admin.start_erasure(row["id"], ["images"], "asked", idempotency_key="wall")
            seen = [erasure.status]
            for step in (1.5, 1.0, 2.0, 0.6):
                traveller.shift(timedelta(seconds=step))
                seen.append((await admin.get_erasure(erasure.id)).status)
    assert seen == ["pending", "pending", "running", "running", "completed"]


async def test_same_scope_in_another_order_replays(client: AdminClient, db: sqlite3.Connection) -> None:
    row = user_with_images(db)
    first = await client.start_erasure(row["id"], ["images", "diary"], "asked", idempotency_key="order")
    again = await client.start_erasure(row["id"], ["diary", "images", "diary"], "asked", idempotency_key="order")
    assert again.id == first.id


@pytest.fixture
def served_app(sandbox_db: Path, clock: Clock) -> FastAPI:
    return create_app(sandbox_db, TOKEN, clock=clock, erasure_timing=ErasureTiming(tick=0.01))


async def test_a_served_sandbox_erases_with_nobody_asking(
    served_app: FastAPI, db: sqlite3.Connection, clock: Clock
) -> None:
    row = user_with_images(db)
    transport = httpx.ASGITransport(app=served_app)
    async with AdminClient(BASE_URL, TOKEN, transport=transport) as admin:
        await admin.start_erasure(row["id"], ["account"], "asked", idempotency_key="unasked")
    # uvicorn runs the app's lifespan; this is that, without a socket.
    async with served_app.router.lifespan_context(served_app):
        await asyncio.sleep(0.1)
        assert _owned(db, row["id"])["user"] == 1, "nothing is due yet"
        clock.advance(seconds=6)
        for _ in range(200):
            if _owned(db, row["id"])["user"] == 0:
                break
            await asyncio.sleep(0.01)
    assert _owned(db, row["id"]) == {"user": 0, "image": 0, "diary_entry": 0, "feedback": 0}
    status = db.execute("SELECT status FROM erasure WHERE user_id = ?", (row["id"],)).fetchone()[0]
    assert status == "completed"


def test_timing_refuses_negative_durations() -> None:
    with pytest.raises(ValueError):
        ErasureTiming(pending=timedelta(seconds=-1))
    with pytest.raises(ValueError):
        ErasureTiming(tick=0)
