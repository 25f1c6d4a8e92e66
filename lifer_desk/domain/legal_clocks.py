"""The legal clocks of deletion and correction tickets (DESIGN section 1, issue 4 §5).

- reply to a personal-information request within 30 calendar days;
- handle an account deletion within 15 working days on China's calendar, where public holidays are off
  and some weekends are make-up workdays (调休), as published each year and packaged by `chinesecalendar`.

Both clocks start on the Asia/Shanghai date of the starting instant (identity verification) and, as is
usual for such periods, that day itself is not counted. A deadline is the whole of its last day: it falls
due at midnight Shanghai time at the end of that day.

The calendar package only knows years whose holidays have been announced. For a later year the working
days are counted Monday to Friday and the result carries a warning for the agent to check it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from lifer_desk.domain.timeutil import require_aware
from lifer_desk.i18n import _

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPLY_CALENDAR_DAYS = 30
DELETION_WORKING_DAYS = 15


@dataclass(frozen=True)
class WorkingDayCount:
    last_day: date
    # Years for which Monday to Friday stood in for the official calendar.
    uncovered_years: frozenset[int]


@dataclass(frozen=True)
class LegalDeadlines:
    start_day: date
    reply_by: date
    delete_by: date
    warning: str | None

    @property
    def reply_due(self) -> datetime:
        return end_of_day(self.reply_by)

    @property
    def delete_due(self) -> datetime:
        return end_of_day(self.delete_by)

    @property
    def calendar_fallback(self) -> bool:
        return self.warning is not None


def end_of_day(day: date) -> datetime:
    """The instant (in UTC) a day ends in Shanghai, which is when a deadline on that day falls due."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=SHANGHAI).astimezone(UTC)


def legal_deadlines(start: datetime) -> LegalDeadlines:
    """Both legal clocks for a request whose clock starts at `start` (an aware datetime)."""
    start_day = require_aware(start, "start").astimezone(SHANGHAI).date()
    count = add_working_days(start_day, DELETION_WORKING_DAYS)
    warning = None
    if count.uncovered_years:
        warning = _(
            "The holiday calendar does not cover {years}: working days were counted Monday to Friday. "
            "Check the deletion deadline against the official holiday schedule."
        ).format(years=", ".join(str(year) for year in sorted(count.uncovered_years)))
    return LegalDeadlines(
        start_day=start_day,
        reply_by=start_day + timedelta(days=REPLY_CALENDAR_DAYS),
        delete_by=count.last_day,
        warning=warning,
    )


def add_working_days(start_day: date, days: int) -> WorkingDayCount:
    """The `days`-th working day after `start_day` (which is not counted itself)."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    uncovered: set[int] = set()
    day = start_day
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            uncovered.add(day.year)
            working = day.weekday() < 5
        if working:
            counted += 1
    return WorkingDayCount(day, frozenset(uncovered))
