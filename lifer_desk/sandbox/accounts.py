"""Reading accounts out of the sandbox database as the API's masked models."""

from __future__ import annotations

import sqlite3
from datetime import date

from lifer_desk.admin_api.models import UserProfile, UserSummary
from lifer_desk.sandbox.masking import mask_email, mask_username
from lifer_desk.sandbox.problems import ProblemError


def age_on(birthday: date, today: date) -> int:
    return today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))


def etag_of(row: sqlite3.Row) -> str:
    return f'"{row["id"]}.v{row["version"]}"'


def find_user(conn: sqlite3.Connection, user_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM user WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise ProblemError(404, "no account with this id")
    return row


def summary_of(row: sqlite3.Row, today: date) -> UserSummary:
    age = age_on(date.fromisoformat(row["birthday"]), today)
    under_14 = age < 14
    consent = row["guardian_consent"]
    return UserSummary(
        id=row["id"],
        email_masked=mask_email(row["email"]),
        username_masked=mask_username(row["username"]),
        registered_at=row["registered_at"],
        status=row["status"],
        minor=age < 18,
        under_14=under_14,
        guardian_consent=bool(consent) if under_14 and consent is not None else (False if under_14 else None),
        etag=etag_of(row),
    )


def profile_of(conn: sqlite3.Connection, row: sqlite3.Row, today: date) -> UserProfile:
    def count(table: str) -> int:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE user_id = ?", (row["id"],)).fetchone()[0]

    return UserProfile(
        **summary_of(row, today).model_dump(),
        language=row["language"],
        image_count=count("image"),
        diary_entry_count=count("diary_entry"),
        payment_link_count=count("payment_link"),
    )
