"""Sandbox accounts for the demo's tickets: the demo's customers are real sandbox users. Not part of the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from lifer_desk.sandbox.accounts import age_on
from lifer_desk.sandbox.database import connect
from lifer_desk.sandbox.seed import ensure_seeded


@dataclass(frozen=True)
class DemoContact:
    user_id: str
    email: str
    username: str
    display_name: str
    language: Literal["zh", "en"]
    minor: bool
    # What a caller states to be verified (`services.demo` writes it into a few tickets): ISO date, gender or None.
    birthday: str
    gender: str | None
    images: int


def demo_contacts(path: Path, limit: int) -> list[DemoContact]:
    """The first `limit` sandbox accounts (Chinese and English alternate), seeding `path` if needed."""
    ensure_seeded(path)
    today = datetime.now(UTC).date()
    conn = connect(path)
    try:
        rows = conn.execute(
            "SELECT id, email, username, display_name, language, birthday, gender,"
            " (SELECT count(*) FROM image WHERE image.user_id = user.id) AS images FROM user ORDER BY rowid LIMIT ?",
            (limit,),
        ).fetchall()
    finally:
        conn.close()
    return [
        DemoContact(
            user_id=r["id"],
            email=r["email"],
            username=r["username"],
            display_name=r["display_name"],
            language=r["language"],
            minor=age_on(date.fromisoformat(r["birthday"]), today) < 18,
            birthday=r["birthday"],
            gender=r["gender"],
            images=r["images"],
        )
        for r in rows
    ]
