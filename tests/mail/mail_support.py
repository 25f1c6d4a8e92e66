"""Helpers for the mail tests: the corpus, contexts for the host (ingest, delivery) and for an agent (replies)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from lifer_desk.config import Settings
from lifer_desk.services.context import DeskContext
from lifer_desk.services.writing import HOST_ROLE
from lifer_desk.store.db import Database
from tests.agent_support import enrol
from tests.request_support import Clock as SettableClock

CORPUS = Path(__file__).parent / "corpus"
TEAM = "support@lifer.example"
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


class Clock(SettableClock):
    """The shared settable clock, starting at T0."""

    def __init__(self, now: datetime = T0) -> None:
        super().__init__(now)


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def mail_settings(db: Database, **overrides: object) -> Settings:
    settings = Settings(
        database_url=db.url,
        mail_address=TEAM,
        mail_signature="lifer customer service",
        # Never the user's real data directory; a test that keeps dead letters names its own folder.
        mail_dead_letter_dir=Path("/nonexistent/lifer-desk-tests/dead-letter"),
    )
    return replace(settings, **overrides)  # type: ignore[arg-type]


def host(db: Database, clock: Clock, **overrides: object) -> DeskContext:
    """The context `mail ingest`, `fetch` and `deliver` run in: the host's operator, no agent row."""
    return DeskContext(db=db, settings=mail_settings(db, **overrides), agent="postfix", role=HOST_ROLE, clock=clock)


def agent(db: Database, clock: Clock, name: str = "alice", **overrides: object) -> DeskContext:
    enrol(db, name)
    return DeskContext(db=db, settings=mail_settings(db, **overrides), agent=name, role="agent", clock=clock)


def message(
    subject: str = "Help with my diary",
    sender: str = "jane.doe@qq.com",
    body: str = "I cannot open my diary.",
    message_id: str = "<m1@qq.com>",
    headers: str = "",
) -> bytes:
    """A plain person's mail, with `headers` (lines ending in \\n) added."""
    return (
        f"From: Jane <{sender}>\nTo: {TEAM}\nSubject: {subject}\nMessage-ID: {message_id}\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()
