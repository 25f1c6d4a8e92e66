"""Deterministic synthetic data for the sandbox: accounts, their content, and feedback."""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lifer_desk.private_files import make_private_dirs
from lifer_desk.sandbox import corpus
from lifer_desk.sandbox.database import SCHEMA, connect, iso

SEED = 20240517
ACCOUNTS = 2400
FEEDBACK_ITEMS = 640
SEED_VERSION = "3"


def object_id(prefix: str, *parts: object) -> str:
    """Opaque but reproducible ids, so that a re-seed yields the same ids."""
    digest = hashlib.blake2s(":".join(map(str, (prefix, *parts))).encode(), digest_size=6).hexdigest()
    return f"{prefix}_{digest}"


def _years_ago(today: date, years: int, extra_days: int) -> date:
    anchor = today.replace(year=today.year - years) if (today.month, today.day) != (2, 29) else today
    return anchor.replace(day=min(anchor.day, 28)) - timedelta(days=extra_days)


@dataclass(frozen=True)
class _Person:
    display_name: str
    username: str
    email: str
    language: str


def _zh_person(rng: random.Random, n: int) -> _Person:
    surname, surname_py = rng.choice(corpus.ZH_SURNAMES)
    given, given_py = rng.choice(corpus.ZH_GIVEN)
    nickname = rng.random() < 0.3
    username = f"{rng.choice(corpus.ZH_NICKNAMES)}{given}{n}" if nickname else f"{given_py}{surname_py}{n}"
    email = f"{surname_py}.{given_py}{n}@{rng.choice(corpus.ZH_DOMAINS)}"
    return _Person(surname + given, username, email, "zh")


def _en_person(rng: random.Random, n: int) -> _Person:
    first, last = rng.choice(corpus.EN_FIRST), rng.choice(corpus.EN_LAST)
    plain_last = last.replace("'", "").lower()
    username = f"{first.lower()}_{plain_last}{n}" if rng.random() < 0.5 else f"{first[0].lower()}{plain_last}{n}"
    email = f"{first.lower()}.{plain_last}{n}@{rng.choice(corpus.EN_DOMAINS)}".encode("ascii", "ignore").decode()
    return _Person(f"{first} {last}", username.encode("ascii", "ignore").decode(), email, "en")


def _age_and_consent(rng: random.Random) -> tuple[int, int | None]:
    """Ages in years, skewed to include every minor case; consent is stated only for under-14s."""
    roll = rng.random()
    if roll < 0.06:
        return rng.randint(8, 13), 1
    if roll < 0.12:
        return rng.randint(8, 13), 0
    if roll < 0.20:
        return rng.randint(14, 17), None
    return rng.randint(18, 75), None


def _users(rng: random.Random, now: datetime) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for n in range(ACCOUNTS):
        person = _zh_person(rng, n) if n % 2 == 0 else _en_person(rng, n)
        age, consent = _age_and_consent(rng)
        birthday = _years_ago(now.date(), age, rng.randint(0, 364))
        gender = rng.choices(["male", "female", "other", None], weights=[45, 45, 3, 7])[0]
        registered = now - timedelta(days=rng.randint(1, 5 * 365), seconds=rng.randint(0, 86399))
        status = "suspended" if rng.random() < 0.03 else "active"
        rows.append(
            (object_id("usr", n), person.email, person.username, person.display_name, person.language,
             birthday.isoformat(), gender, consent, iso(registered), status)
        )  # fmt: skip
    return rows


def _content(rng: random.Random, users: list[tuple[object, ...]], now: datetime) -> dict[str, list[tuple]]:
    images, diary, payments = [], [], []
    for n, user in enumerate(users):
        user_id, language = user[0], user[4]
        if rng.random() < 0.4:
            for k in range(rng.randint(1, 5)):
                at = now - timedelta(minutes=rng.randint(1, 900_000))
                images.append((object_id("img", n, k), user_id, iso(at), rng.randint(20_000, 4_000_000)))
        if rng.random() < 0.7:
            bodies = corpus.DIARY_ZH if language == "zh" else corpus.DIARY_EN
            for k in range(rng.randint(1, 6)):
                at = now - timedelta(minutes=rng.randint(1, 900_000))
                diary.append((object_id("dia", n, k), user_id, iso(at), rng.choice(bodies)))
        if rng.random() < 0.2:
            for k in range(rng.randint(1, 2)):
                at = now - timedelta(minutes=rng.randint(1, 900_000))
                payments.append((object_id("pay", n, k), user_id, rng.choice(corpus.PAYMENT_PROVIDERS), iso(at)))
    return {"image": images, "diary_entry": diary, "payment_link": payments}


def _feedback(
    rng: random.Random, users: list[tuple[object, ...]], now: datetime, count: int
) -> Iterator[tuple[object, ...]]:
    """`count` items over the last 60 days, every hostile and personal-data sample among them; lazily, so that a
    million-item sandbox for the benchmark is never held in memory."""
    start = now - timedelta(days=60)
    step = timedelta(days=60) / max(count, 1)
    ordinary = corpus.FEEDBACK_ZH + corpus.FEEDBACK_EN
    for seq in range(1, count + 1):
        if seq % 7 == 0:
            text = corpus.HOSTILE_FEEDBACK[(seq // 7) % len(corpus.HOSTILE_FEEDBACK)]
        elif seq % 11 == 0:
            text = corpus.PERSONAL_FEEDBACK[(seq // 11) % len(corpus.PERSONAL_FEEDBACK)]
        else:
            text = ordinary[rng.randrange(len(ordinary))]
        user_id = users[rng.randrange(len(users))][0] if rng.random() < 0.6 else None
        at = start + step * seq
        if rng.random() < 0.5:
            channel, platform = "app", corpus.APP_PLATFORMS[seq % len(corpus.APP_PLATFORMS)]
            version: str | None = corpus.APP_VERSIONS[rng.randrange(len(corpus.APP_VERSIONS))]
        else:
            channel, platform, version = "web", "web", None
        yield (seq, object_id("fb", seq), channel, iso(at), user_id, text, version, platform)


def seed(conn: sqlite3.Connection, now: datetime, feedback: int = FEEDBACK_ITEMS) -> None:
    """Fill an empty database. Same date, same data: ages are relative to `now` so minors stay minors."""
    rng = random.Random(SEED)
    conn.executescript(SCHEMA)
    users = _users(rng, now)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO user (id, email, username, display_name, language, birthday, gender, guardian_consent,"
        " registered_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        users,
    )
    for table, rows in _content(rng, users, now).items():
        width = len(rows[0])
        conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", rows)
    conn.executemany("INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _feedback(rng, users, now, feedback))
    meta = {"seed": str(SEED), "seed_version": SEED_VERSION, "seeded_at": iso(now), "feedback": str(feedback)}
    conn.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
    conn.execute("COMMIT")


def is_seeded(path: Path, feedback: int = FEEDBACK_ITEMS) -> bool:
    if not path.is_file():
        return False
    conn = connect(path)
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('seed_version', 'feedback')").fetchall())
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    return meta.get("seed_version") == SEED_VERSION and meta.get("feedback") == str(feedback)


def ensure_seeded(path: Path, now: datetime | None = None, feedback: int = FEEDBACK_ITEMS) -> None:
    """Seed `path` (with `feedback` items) unless it already holds that sandbox; built aside and renamed, so never
    half-written."""
    if is_seeded(path, feedback):
        return
    # Synthetic, but kept as private as the desk's own data (mkstemp below already makes the file 0600).
    make_private_dirs(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=".sandbox-", suffix=".db", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        conn = connect(tmp)
        try:
            seed(conn, now or datetime.now(UTC), feedback)
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def seed_summary(path: Path) -> dict[str, int]:
    """Row counts per table, for tests and the CLI's startup line."""
    conn = connect(path)
    try:
        tables = ("user", "image", "diary_entry", "payment_link", "feedback")
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()
