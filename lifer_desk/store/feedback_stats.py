"""Feedback figures for the dashboard and `feedback stats`: each a GROUP BY that an index answers alone."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from lifer_desk.store.models import FeedbackItem, FeedbackTag


def per_mailbox(session: Session) -> dict[str, int]:
    statement = select(col(FeedbackItem.mailbox), func.count()).group_by(col(FeedbackItem.mailbox))
    return {mailbox: int(n) for mailbox, n in session.execute(statement)}


def per_tag(session: Session) -> dict[str, int]:
    statement = select(col(FeedbackTag.tag), func.count()).group_by(col(FeedbackTag.tag))
    return {tag: int(n) for tag, n in session.execute(statement)}


def per_day(session: Session) -> dict[str, int]:
    day = col(FeedbackItem.submitted_day)
    return {d: int(n) for d, n in session.execute(select(day, func.count()).group_by(day).order_by(day))}


def per_app_version(session: Session) -> dict[str, int]:
    version = col(FeedbackItem.app_version)
    statement = select(version, func.count()).where(version.is_not(None)).group_by(version).order_by(version)
    return {v: int(n) for v, n in session.execute(statement)}
