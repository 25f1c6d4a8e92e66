"""Sandbox behaviour beyond the client's happy paths: seed data, verify normalisation, keys, erasure, faults."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from lifer_desk.admin_api import AdminClient, Unavailable, VerifyClaims
from lifer_desk.sandbox import demo_contacts
from lifer_desk.sandbox.corpus import HOSTILE_FEEDBACK
from lifer_desk.sandbox.faults import Faults
from lifer_desk.sandbox.seed import ensure_seeded, seed_summary
from tests.admin_api.admin_test_support import Clock, Sleeps, assert_no_stored_values, pick_user, stored_forms


def test_seed_has_the_promised_data(sandbox_db: Path, db: sqlite3.Connection) -> None:
    counts = seed_summary(sandbox_db)
    assert counts["user"] >= 2000 and counts["feedback"] >= 500
    assert counts["image"] and counts["diary_entry"] and counts["payment_link"]
    languages = dict(db.execute("SELECT language, count(*) FROM user GROUP BY language").fetchall())
    assert languages["zh"] > 500 and languages["en"] > 500
    assert db.execute("SELECT count(*) FROM user WHERE display_name GLOB '*[一-龥]*'").fetchone()[0] > 500
    texts = {row[0] for row in db.execute("SELECT text FROM feedback")}
    assert set(HOSTILE_FEEDBACK) <= texts
    joined = "".join(texts)
    for needle in ("[@click=app.quit]", "\x1b[", "\x1b]8;;", "\x00", "\u202e", "\u2066"):
        assert needle in joined


def test_seed_is_deterministic(tmp_path: Path) -> None:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    dumps = []
    for name in ("a.db", "b.db"):
        ensure_seeded(tmp_path / name, now)
        with sqlite3.connect(tmp_path / name) as conn:
            dumps.append(conn.execute("SELECT * FROM user ORDER BY id").fetchall())
    assert dumps[0] == dumps[1]


def test_demo_contacts_are_real_accounts(sandbox_db: Path, db: sqlite3.Connection) -> None:
    contacts = demo_contacts(sandbox_db, 40)
    assert len(contacts) == 40
    assert {c.language for c in contacts} == {"zh", "en"}
    for contact in contacts:
        stored = db.execute("SELECT email, username FROM user WHERE id = ?", (contact.user_id,)).fetchone()
        assert tuple(stored) == (contact.email, contact.username)


@pytest.mark.parametrize("form", ["{y:04d}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y:04d}{m:02d}{d:02d}", "{y}年{m}月{d}日"])
async def test_verify_accepts_every_birthday_form(client: AdminClient, db: sqlite3.Connection, form: str) -> None:
    row = pick_user(db)
    y, m, d = (int(part) for part in row["birthday"].split("-"))
    result = await client.verify(row["id"], VerifyClaims(birthday=form.format(y=y, m=m, d=d)))
    assert result.birthday == "match"


async def test_verify_normalises_email_username_and_gender(client: AdminClient, db: sqlite3.Connection) -> None:
    row = pick_user(db, "gender = 'female' AND username GLOB '[a-z]*'")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in row["username"])
    claims = VerifyClaims(email=f"  {row['email'].upper()}\t", username=fullwidth, gender=" 女 ")
    result = await client.verify(row["id"], claims)
    assert (result.email, result.username, result.gender) == ("match", "match", "match")
    wrong = await client.verify(row["id"], VerifyClaims(username=row["username"] + "x", gender="male"))
    assert (wrong.username, wrong.gender) == ("mismatch", "mismatch")


async def test_verify_normalises_the_stored_side_too(client: AdminClient, db: sqlite3.Connection) -> None:
    row = pick_user(db, "username GLOB '[a-z]*' AND gender = 'male'")
    # As another client might have stored them: a wide-letter username, a capitalised email, a Chinese gender.
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in row["username"])
    db.execute(
        "UPDATE user SET username = ?, email = ?, gender = '男' WHERE id = ?", (wide, row["email"].title(), row["id"])
    )
    claims = VerifyClaims(email=row["email"], username=row["username"], gender="male")
    result = await client.verify(row["id"], claims)
    assert (result.email, result.username, result.gender) == ("match", "match", "match")


def test_the_leak_check_catches_a_leak() -> None:
    forms = stored_forms("li.na3@qq.com", "lina3", "2012-05-17")
    assert_no_stored_values('{"email": "match"}', forms)
    with pytest.raises(AssertionError):
        assert_no_stored_values('{"hint": "20120517"}', forms)


async def test_keys_are_forgotten_after_24_hours(raw: httpx.AsyncClient, db: sqlite3.Connection, clock: Clock) -> None:
    row = pick_user(db)
    path = f"/v1/users/{row['id']}"
    etag = (await raw.get(path)).headers["ETag"]
    headers = {"Idempotency-Key": "day-old", "If-Match": etag}
    first = await raw.patch(path, json={"gender": "male"}, headers=headers)
    replay = await raw.patch(path, json={"gender": "male"}, headers=headers)
    assert first.status_code == replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    clock.advance(hours=24, seconds=1)
    again = await raw.patch(path, json={"gender": "male"}, headers=headers)
    assert again.status_code == 412  # executed afresh: the ETag is now stale


async def test_outage_and_error_rate_switches(raw: httpx.AsyncClient, client: AdminClient, sleeps: Sleeps) -> None:
    assert (await raw.put("/_sandbox/faults", json={"outage": True, "latency_ms": 250})).status_code == 200
    with pytest.raises(Unavailable) as caught:
        await client.health()
    assert caught.value.status == 503
    assert 0.25 in sleeps.calls  # the injected latency, through the injected sleep
    await raw.put("/_sandbox/faults", json={"error_rate": 1.0})
    assert (await raw.get("/v1/health")).status_code == 503
    await raw.put("/_sandbox/faults", json={})
    assert (await client.health()).status == "ok"
    assert (await raw.get("/_sandbox/faults")).json() == {"latency_ms": 0.0, "error_rate": 0.0, "outage": False}


def test_faults_from_environment() -> None:
    faults = Faults.from_env({"LIFER_SANDBOX_LATENCY_MS": "50", "LIFER_SANDBOX_ERROR_RATE": "0.2",
                              "LIFER_SANDBOX_OUTAGE": "true"})  # fmt: skip
    assert faults == Faults(latency_ms=50, error_rate=0.2, outage=True)
    with pytest.raises(ValueError, match="LIFER_SANDBOX_ERROR_RATE"):
        Faults.from_env({"LIFER_SANDBOX_ERROR_RATE": "2"})
    with pytest.raises(ValueError, match="LIFER_SANDBOX_LATENCY_MS"):
        Faults.from_env({"LIFER_SANDBOX_LATENCY_MS": "slow"})
