from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from lifer_desk.domain.legal_clocks import add_working_days, end_of_day, legal_deadlines


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"),
    [
        (date(2025, 9, 26), 1, date(2025, 9, 28), "Sunday 28 September 2025 is a make-up workday"),
        (date(2025, 9, 30), 1, date(2025, 10, 9), "1-8 October 2025 is the National Day holiday"),
        (date(2025, 10, 10), 1, date(2025, 10, 11), "Saturday 11 October 2025 is a make-up workday"),
        (date(2025, 10, 11), 1, date(2025, 10, 13), "an ordinary Sunday is off"),
        (date(2025, 3, 3), 5, date(2025, 3, 10), "an ordinary week counts Monday to Friday"),
    ],
)
def test_working_days_follow_chinas_calendar(start: date, days: int, expected: date, why: str) -> None:
    count = add_working_days(start, days)
    assert count.last_day == expected, why
    assert count.uncovered_years == frozenset()


def test_calendar_package_agrees_with_the_cases_above() -> None:
    # Guards the fixtures: if these fail, the installed calendar data changed, not our counting.
    assert chinese_calendar.is_workday(date(2025, 9, 28))
    assert chinese_calendar.is_workday(date(2025, 10, 11))
    assert not chinese_calendar.is_workday(date(2025, 10, 1))


def test_fifteen_working_days_across_golden_week() -> None:
    # A Friday start: 28 Sep, 29, 30 Sep, 9, 10, 11 (Sat), 13-17, 20-23 Oct are the 15 working days;
    # a plain Monday-to-Friday count would have ended on 17 October.
    start = datetime(2025, 9, 25, 17, 30, tzinfo=UTC)  # already 26 September in Shanghai
    deadlines = legal_deadlines(start)
    assert deadlines.start_day == date(2025, 9, 26)
    assert deadlines.delete_by == date(2025, 10, 23)
    assert deadlines.reply_by == date(2025, 10, 26)
    assert deadlines.warning is None
    assert not deadlines.calendar_fallback


def test_deadlines_fall_due_at_the_end_of_their_shanghai_day() -> None:
    deadlines = legal_deadlines(datetime(2025, 9, 26, 2, tzinfo=UTC))
    assert deadlines.delete_due == datetime(2025, 10, 23, 16, 0, tzinfo=UTC)
    assert deadlines.reply_due == datetime(2025, 10, 26, 16, 0, tzinfo=UTC)
    assert deadlines.delete_due.utcoffset() == timedelta(0)


def test_uncovered_year_falls_back_to_weekdays_with_a_warning() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2099, 3, 2))
    deadlines = legal_deadlines(datetime(2099, 3, 2, 1, tzinfo=UTC))  # a Monday
    assert deadlines.delete_by == date(2099, 3, 23)  # three weeks of Monday to Friday
    assert deadlines.reply_by == date(2099, 4, 1)
    assert deadlines.calendar_fallback
    assert deadlines.warning is not None
    assert "2099" in deadlines.warning
    assert "Monday to Friday" in deadlines.warning


def test_fallback_names_every_uncovered_year() -> None:
    count = add_working_days(date(2099, 12, 24), 15)
    assert count.uncovered_years == frozenset({2099, 2100})
    assert count.last_day == date(2100, 1, 14)


def test_end_of_day_is_shanghai_midnight() -> None:
    assert end_of_day(date(2025, 1, 1)) == datetime(2025, 1, 1, 16, 0, tzinfo=UTC)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        legal_deadlines(datetime(2025, 9, 26))
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(date(2025, 9, 26), 0)
