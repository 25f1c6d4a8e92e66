"""The typed client against the in-process sandbox: every call, and the errors each can give."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from lifer_desk.admin_api import (
    AdminClient,
    Conflict,
    InFlight,
    Invalid,
    KeyReused,
    NotFound,
    PreconditionFailed,
    RateLimited,
    UserChanges,
    VerifyClaims,
)
from lifer_desk.cli.sandbox import open_admin
from lifer_desk.config import Settings
from tests.admin_api.admin_test_support import (
    Clock,
    Sleeps,
    VerifyLeakGuard,
    claim_image_deletion,
    pick_user,
    user_with_images,
)


async def test_health(client: AdminClient) -> None:
    assert (await client.health()).status == "ok"


async def test_open_admin_without_url_uses_the_sandbox_in_process(tmp_path: Path) -> None:
    async with open_admin(Settings(), tmp_path / "sandbox.db") as admin:
        assert admin.in_process
        assert (await admin.health()).status == "ok"
        page = await admin.list_feedback(limit=1)
    assert len(page.items) == 1
    assert (tmp_path / "sandbox.db").is_file()


async def test_lookup_by_each_key_gives_a_masked_summary(client: AdminClient, db: sqlite3.Connection) -> None:
    row = pick_user(db)
    by_email = await client.lookup_user(email=f"  {row['email'].upper()} ")
    by_username = await client.lookup_user(username=row["username"])
    by_id = await client.lookup_user(id=row["id"])
    assert by_email == by_username == by_id
    assert by_id.id == row["id"]
    assert by_id.email_masked.endswith("@" + row["email"].split("@")[1])
    assert "***" in by_id.email_masked and "***" in by_id.username_masked
    dumped = by_id.model_dump_json()
    assert row["email"] not in dumped and row["username"] not in dumped and row["birthday"] not in dumped


async def test_lookup_of_an_unknown_account_is_not_found(client: AdminClient) -> None:
    with pytest.raises(NotFound) as caught:
        await client.lookup_user(email="nobody@nowhere.example")
    assert caught.value.status == 404
    assert "email" in (caught.value.detail or "")


async def test_lookup_needs_exactly_one_key(client: AdminClient) -> None:
    with pytest.raises(ValueError):
        await client.lookup_user(email="a@b.c", username="x")


async def test_minor_flags(client: AdminClient, db: sqlite3.Connection, clock: Clock) -> None:
    child_consent = pick_user(db, "guardian_consent = 1")
    child_no_consent = pick_user(db, "guardian_consent = 0")
    teen_cutoff = clock.now.date().replace(year=clock.now.year - 14).isoformat()
    adult_cutoff = clock.now.date().replace(year=clock.now.year - 18).isoformat()
    teen = pick_user(db, "birthday < ? AND birthday > ?", teen_cutoff, adult_cutoff)
    with_consent = await client.lookup_user(id=child_consent["id"])
    without = await client.lookup_user(id=child_no_consent["id"])
    teenager = await client.lookup_user(id=teen["id"])
    assert (with_consent.minor, with_consent.under_14, with_consent.guardian_consent) == (True, True, True)
    assert (without.minor, without.under_14, without.guardian_consent) == (True, True, False)
    assert (teenager.minor, teenager.under_14, teenager.guardian_consent) == (True, False, None)


async def test_get_user_has_counts_and_etag(client: AdminClient, db: sqlite3.Connection) -> None:
    row = user_with_images(db)
    profile = await client.get_user(row["id"])
    images = db.execute("SELECT count(*) FROM image WHERE user_id = ?", (row["id"],)).fetchone()[0]
    assert profile.image_count == images > 0
    assert profile.etag
    with pytest.raises(NotFound):
        await client.get_user("usr_doesnotexist")


async def test_verify_answers_per_stated_field(
    client: AdminClient, db: sqlite3.Connection, guard: VerifyLeakGuard
) -> None:
    row = pick_user(db, "gender = 'male'")
    result = await client.verify(row["id"], VerifyClaims(email=row["email"], birthday="1900-01-01", gender="男"))
    assert (result.email, result.birthday, result.gender, result.username) == ("match", "mismatch", "match", None)
    assert guard.checked == 1


async def test_verify_absent_when_nothing_is_stored(client: AdminClient, db: sqlite3.Connection) -> None:
    row = pick_user(db, "gender IS NULL")
    result = await client.verify(row["id"], VerifyClaims(gender="female"))
    assert result.gender == "absent"


async def test_verify_rejects_an_unreadable_birthday(client: AdminClient, db: sqlite3.Connection) -> None:
    with pytest.raises(Invalid) as caught:
        await client.verify(pick_user(db)["id"], VerifyClaims(birthday="last spring"))
    assert caught.value.status == 422 and "birthday" in (caught.value.detail or "")


async def test_verify_is_rate_limited_per_account(client: AdminClient, db: sqlite3.Connection, clock: Clock) -> None:
    user_id = pick_user(db)["id"]
    other = pick_user(db, "id != ?", user_id)["id"]
    for _ in range(10):
        await client.verify(user_id, VerifyClaims(gender="other"))
    with pytest.raises(RateLimited) as caught:
        await client.verify(user_id, VerifyClaims(gender="other"))
    assert caught.value.status == 429
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 3600
    assert (await client.verify(other, VerifyClaims(gender="other"))).gender is not None
    clock.advance(hours=1, seconds=1)
    assert (await client.verify(user_id, VerifyClaims(gender="other"))).gender is not None


async def test_update_user_with_the_current_etag(client: AdminClient, db: sqlite3.Connection) -> None:
    row = pick_user(db)
    before = await client.get_user(row["id"])
    after = await client.update_user(
        row["id"], UserChanges(email=" New.Address@Example.ORG "), etag=before.etag, idempotency_key="upd-1"
    )
    assert after.etag != before.etag
    assert after.email_masked == "n***@example.org"
    stored = db.execute("SELECT email FROM user WHERE id = ?", (row["id"],)).fetchone()[0]
    assert stored == "new.address@example.org"


async def test_update_with_a_stale_etag_is_412(client: AdminClient, db: sqlite3.Connection) -> None:
    row = pick_user(db)
    stale = (await client.get_user(row["id"])).etag
    await client.update_user(row["id"], UserChanges(gender="other"), etag=stale, idempotency_key="first")
    with pytest.raises(PreconditionFailed) as caught:
        await client.update_user(row["id"], UserChanges(gender="male"), etag=stale, idempotency_key="second")
    assert caught.value.status == 412


async def test_update_to_a_taken_username_is_409(client: AdminClient, db: sqlite3.Connection) -> None:
    row = pick_user(db)
    other = pick_user(db, "id != ?", row["id"])
    etag = (await client.get_user(row["id"])).etag
    with pytest.raises(Conflict) as caught:
        await client.update_user(row["id"], UserChanges(username=other["username"]), etag=etag, idempotency_key="u")
    assert caught.value.status == 409 and "username" in (caught.value.detail or "")


@pytest.mark.parametrize("changes", [UserChanges(email="not-an-email"), UserChanges(username="a b"), UserChanges()])
async def test_invalid_update_is_422(client: AdminClient, db: sqlite3.Connection, changes: UserChanges) -> None:
    row = pick_user(db)
    etag = (await client.get_user(row["id"])).etag
    with pytest.raises(Invalid) as caught:
        await client.update_user(row["id"], changes, etag=etag, idempotency_key="bad")
    assert caught.value.status == 422


async def test_update_without_if_match_is_428(raw: httpx.AsyncClient, db: sqlite3.Connection) -> None:
    row = pick_user(db)
    response = await raw.patch(f"/v1/users/{row['id']}", json={"gender": "male"}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 428
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 428


async def test_update_with_a_reused_key_and_another_payload_is_422(client: AdminClient, db: sqlite3.Connection) -> None:
    row = pick_user(db)
    etag = (await client.get_user(row["id"])).etag
    first = await client.update_user(row["id"], UserChanges(gender="male"), etag=etag, idempotency_key="same")
    replay = await client.update_user(row["id"], UserChanges(gender="male"), etag=etag, idempotency_key="same")
    assert replay == first
    with pytest.raises(KeyReused) as caught:
        await client.update_user(row["id"], UserChanges(gender="female"), etag=etag, idempotency_key="same")
    assert caught.value.status == 422 and "Idempotency-Key" in (caught.value.detail or "")


async def test_a_key_still_running_is_409_in_flight(
    client: AdminClient, db: sqlite3.Connection, clock: Clock, sleeps: Sleeps
) -> None:
    user_id, image_id, _ = claim_image_deletion(db, clock, "busy-key")
    with pytest.raises(InFlight) as caught:
        await client.delete_image(user_id, image_id, idempotency_key="busy-key")
    assert caught.value.status == 409 and "still being processed" in (caught.value.detail or "")
    # The claim has 30 s to run: longer than the client's budget, so it is reported at once, with when to retry.
    assert caught.value.retry_after == 30 and sleeps.calls == []


async def test_a_key_abandoned_mid_request_is_taken_over(
    client: AdminClient, raw: httpx.AsyncClient, db: sqlite3.Connection, clock: Clock
) -> None:
    # A request that claimed the key and then died with its process, before doing anything.
    user_id, image_id, path = claim_image_deletion(db, clock, "outbox-crashed")
    clock.advance(seconds=10)
    busy = await raw.delete(path, headers={"Idempotency-Key": "outbox-crashed"})
    assert busy.status_code == 409 and busy.headers["Retry-After"] == "20"
    clock.advance(seconds=21)
    deleted = await client.delete_image(user_id, image_id, idempotency_key="outbox-crashed")
    assert deleted.image_id == image_id
    assert db.execute("SELECT count(*) FROM image WHERE id = ?", (image_id,)).fetchone()[0] == 0
    replay = await client.delete_image(user_id, image_id, idempotency_key="outbox-crashed")
    assert replay == deleted


async def test_list_and_delete_images(client: AdminClient, db: sqlite3.Connection) -> None:
    row = user_with_images(db)
    images = await client.list_images(row["id"])
    assert images and all(image.bytes > 0 for image in images)
    deleted = await client.delete_image(row["id"], images[0].id, idempotency_key="del-1")
    assert deleted.image_id == images[0].id
    assert [image.id for image in await client.list_images(row["id"])] == [image.id for image in images[1:]]
    with pytest.raises(NotFound):
        await client.delete_image(row["id"], images[0].id, idempotency_key="del-2")


async def test_erasure_runs_pending_running_completed(
    client: AdminClient, db: sqlite3.Connection, clock: Clock
) -> None:
    row = user_with_images(db)
    erasure = await client.start_erasure(row["id"], ["images"], "customer asked", idempotency_key="er-1")
    assert erasure.status == "pending" and erasure.receipt == []
    clock.advance(seconds=2)
    assert (await client.get_erasure(erasure.id)).status == "running"
    clock.advance(seconds=3)
    done = await client.get_erasure(erasure.id)
    assert done.status == "completed" and done.completed_at is not None
    assert {item.kind for item in done.receipt} == {"image"}
    assert (await client.get_user(row["id"])).image_count == 0
    with pytest.raises(NotFound):
        await client.get_erasure("era_unknown")


async def test_feedback_pages_oldest_first(client: AdminClient) -> None:
    first = await client.list_feedback(limit=200)
    second = await client.list_feedback(after=first.next_cursor, limit=200)
    assert first.has_more and len(first.items) == 200
    times = [item.submitted_at for item in first.items + second.items]
    assert times == sorted(times)
    assert not {i.id for i in first.items} & {i.id for i in second.items}
    with pytest.raises(Invalid):
        await client.list_feedback(after="garbage!")
