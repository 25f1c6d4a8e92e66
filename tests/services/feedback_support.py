"""Feedback for service and UI tests: items as the admin API sends them, a fake feed with a settable cursor and
faults, and a context on the real in-process sandbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from lifer_desk.admin_api import FeedbackItem, FeedbackPage, Unavailable
from tests.fakes.admin_api import FakeAdminApi

START = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def items(
    n: int, *, text: Callable[[int], str] = lambda i: f"feedback number {i}", user: str | None = "usr_a1"
) -> list[FeedbackItem]:
    return [
        FeedbackItem(
            id=f"fb_{i:06d}",
            channel="app" if i % 2 else "web",
            submitted_at=START + timedelta(minutes=i),
            user_id=user,
            text=text(i),
            app_version="3.4.0" if i % 2 else None,
            platform="android" if i % 2 else "web",
        )
        for i in range(n)
    ]


class FeedbackFeed(FakeAdminApi):
    """`FakeAdminApi` whose feedback pages can fail: `down_at` pages raise Unavailable, `bad_cursor_at` pages
    carry `bad_cursor`; pages are counted from 0 across the feed's life."""

    def __init__(self, feedback: list[FeedbackItem]) -> None:
        super().__init__()
        self.feedback = feedback
        self.pages = 0
        self.down_at: set[int] = set()
        self.bad_cursor_at: set[int] = set()
        self.bad_cursor = "not a cursor!"

    async def list_feedback(self, after: str | None = None, limit: int = 100) -> FeedbackPage:
        number, self.pages = self.pages, self.pages + 1
        if number in self.down_at:
            raise Unavailable(503, "Service Unavailable", "the admin API is down")
        page = await super().list_feedback(after, limit)
        if number in self.bad_cursor_at:
            return page.model_copy(update={"next_cursor": self.bad_cursor})
        return page
