"""Idempotency semantics the outbox relies on (DESIGN 5): what a key stores and replays, the problem types that
tell the refusals apart, and how the client waits out a request that is still in flight."""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from fastapi import FastAPI

from lifer_desk.admin_api import (
    AdminClient,
    Conflict,
    InFlight,
    Invalid,
    KeyReused,
    ProblemType,
    UserChanges,
)
from lifer_desk.sandbox.idempotency import IdempotencyStore, fingerprint
from tests.admin_api.admin_test_support import BASE_URL, TOKEN, Clock, claim_image_deletion, pick_user


async def _etag(raw: httpx.AsyncClient, path: str) -> str:
    return (await raw.get(path)).headers["ETag"]


class TestProblemTypes:
    """Each refusal a client must tell apart carries its own `type`, and the client raises its own error."""

    async def test_each_refusal_has_its_own_type(
        self, raw: httpx.AsyncClient, db: sqlite3.Connection, clock: Clock
    ) -> None:
        row = pick_user(db)
        other = pick_user(db, "id != ?", row["id"])
        path = f"/v1/users/{row['id']}"
        etag = await _etag(raw, path)

        async def patch(key: str, body: dict[str, str]) -> httpx.Response:
            return await raw.patch(path, json=body, headers={"If-Match": etag, "Idempotency-Key": key})

        taken = await patch("taken", {"username": other["username"]})
        bad_value = await patch("bad-value", {"email": "not-an-email"})
        bad_schema = await patch("bad-schema", {"gender": "robot"})
        assert (await patch("once", {"birthday": "1990-05-17"})).status_code == 200
        reused = await patch("once", {"birthday": "1991-05-17"})
        IdempotencyStore(db, clock()).begin("busy", fingerprint("PATCH", path, {"gender": "other"}))
        busy = await patch("busy", {"gender": "other"})
        answers = [(r.status_code, r.json()["type"]) for r in (taken, busy, bad_value, bad_schema, reused)]
        assert answers == [
            (409, ProblemType.CONFLICT),
            (409, ProblemType.IN_FLIGHT),
            (422, ProblemType.INVALID),
            (422, ProblemType.INVALID),
            (422, ProblemType.KEY_REUSED),
        ]
        assert busy.headers["Retry-After"] == "30" and "Retry-After" not in taken.headers
        assert len({r.json()["title"] for r in (taken, busy, bad_value, reused)}) == 4

    async def test_the_client_raises_a_distinct_error_for_each(
        self, client: AdminClient, db: sqlite3.Connection
    ) -> None:
        row = pick_user(db)
        other = pick_user(db, "id != ?", row["id"])
        etag = (await client.get_user(row["id"])).etag
        with pytest.raises(Conflict) as taken:
            await client.update_user(row["id"], UserChanges(username=other["username"]), etag=etag, idempotency_key="a")
        with pytest.raises(Invalid) as bad:
            await client.update_user(row["id"], UserChanges(email="not-an-email"), etag=etag, idempotency_key="b")
        first = await client.update_user(row["id"], UserChanges(gender="male"), etag=etag, idempotency_key="c")
        assert await client.update_user(row["id"], UserChanges(gender="male"), etag=etag, idempotency_key="c") == first
        with pytest.raises(KeyReused) as reused:
            await client.update_user(row["id"], UserChanges(gender="female"), etag=etag, idempotency_key="c")
        assert not isinstance(taken.value, InFlight)
        # A reused key is the caller's bug, not a bad value: fixing the value would not help, so it is no Invalid.
        assert not isinstance(bad.value, KeyReused) and not isinstance(reused.value, Invalid)
        assert reused.value.status == 422 and "Idempotency-Key" in (reused.value.detail or "")


class TestWhatAKeyStores:
    """Only a call that began executing is stored under its key; a refusal before that is not (as Stripe does)."""

    @pytest.mark.parametrize(
        ("refused", "status"),
        [
            ({"If-Match": "stale"}, 412),
            ({"If-Match": None}, 428),
            ({"Authorization": "Bearer wrong"}, 401),
            ({"body": {"email": "not-an-email"}}, 422),
            ({"body": {"gender": "robot"}}, 422),
        ],
        ids=["stale-if-match", "no-if-match", "bad-token", "bad-value", "bad-schema"],
    )
    async def test_a_refusal_before_executing_is_not_replayed(
        self, raw: httpx.AsyncClient, db: sqlite3.Connection, refused: dict[str, object], status: int
    ) -> None:
        row = pick_user(db, "gender IS NOT 'female'")
        path = f"/v1/users/{row['id']}"
        good: dict[str, object] = {"If-Match": await _etag(raw, path), "body": {"gender": "female"}}
        first = {**good, **refused}
        headers = {name: str(first[name]) for name in ("If-Match", "Authorization") if first.get(name) is not None}
        headers["Idempotency-Key"] = "outbox-9"
        refusal = await raw.patch(path, json=first["body"], headers=headers)
        assert refusal.status_code == status
        corrected = await raw.patch(
            path, json=good["body"], headers={"If-Match": str(good["If-Match"]), "Idempotency-Key": "outbox-9"}
        )
        assert corrected.status_code == 200, corrected.json()
        assert "Idempotent-Replayed" not in corrected.headers
        assert db.execute("SELECT gender FROM user WHERE id = ?", (row["id"],)).fetchone()[0] == "female"

    async def test_a_conflict_met_while_executing_is_replayed(
        self, raw: httpx.AsyncClient, db: sqlite3.Connection
    ) -> None:
        row = pick_user(db)
        other = pick_user(db, "id != ?", row["id"])
        path = f"/v1/users/{row['id']}"
        headers = {"If-Match": await _etag(raw, path), "Idempotency-Key": "taken"}
        first = await raw.patch(path, json={"username": other["username"]}, headers=headers)
        db.execute("UPDATE user SET username = 'freed_up_now' WHERE id = ?", (other["id"],))
        again = await raw.patch(path, json={"username": other["username"]}, headers=headers)
        assert first.status_code == again.status_code == 409
        assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()


class TestInFlight:
    """A keyed call whose first attempt is still running is waited out within the retry budget, then reported."""

    async def test_the_client_waits_and_then_takes_over_an_abandoned_claim(
        self, app: FastAPI, db: sqlite3.Connection, clock: Clock
    ) -> None:
        user_id, image_id, _ = claim_image_deletion(db, clock, "outbox-7")
        clock.advance(seconds=25)
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            # The sandbox's clock moves on while the client waits, so the 30 s claim runs out during the wait.
            waits.append(seconds)
            clock.advance(seconds=seconds)

        async with AdminClient(BASE_URL, TOKEN, transport=httpx.ASGITransport(app=app), sleep=sleep) as admin:
            deleted = await admin.delete_image(user_id, image_id, idempotency_key="outbox-7")
        assert waits == [5.0]
        assert deleted.image_id == image_id
        assert db.execute("SELECT count(*) FROM deletion WHERE object_id = ?", (image_id,)).fetchone()[0] == 1
