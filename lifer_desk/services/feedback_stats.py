"""Feedback figures for the dashboard and `lifer-desk feedback stats`, each from an indexed GROUP BY."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lifer_desk.domain.feedback import Mailbox
from lifer_desk.services.context import DeskContext
from lifer_desk.store import feedback_stats as store


@dataclass(frozen=True)
class FeedbackStats:
    total: int
    inbox: int
    reviewed: int
    spam: int
    converted: int
    # tag -> items, UTC day ("2025-03-03") -> items submitted, app version -> items (app channel only).
    by_tag: dict[str, int]
    by_day: dict[str, int]
    by_app_version: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def feedback_stats(ctx: DeskContext) -> FeedbackStats:
    with ctx.db.read() as session:
        boxes = store.per_mailbox(session)
        by_tag, by_day, by_version = store.per_tag(session), store.per_day(session), store.per_app_version(session)
    return FeedbackStats(
        total=sum(boxes.values()),
        inbox=boxes.get(Mailbox.INBOX, 0),
        reviewed=boxes.get(Mailbox.REVIEWED, 0),
        spam=boxes.get(Mailbox.SPAM, 0),
        converted=boxes.get(Mailbox.CONVERTED, 0),
        by_tag=dict(sorted(by_tag.items())),
        by_day=by_day,
        by_app_version=by_version,
    )
