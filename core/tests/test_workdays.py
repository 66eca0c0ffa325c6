"""Working days on the Italian calendar (core.workdays): the regulator's clocks."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.workdays import add_working_days, is_working_day, working_days_between, working_days_left


@pytest.mark.parametrize(
    ("start", "count", "due"),
    [
        (date(2027, 3, 26), 1, date(2027, 3, 30)),  # Friday; Easter Monday 29/3 skipped
        (date(2027, 4, 23), 1, date(2027, 4, 26)),  # 25 April 2027 is a Sunday anyway
        (date(2028, 4, 24), 1, date(2028, 4, 26)),  # Tuesday 25 April 2028
        (date(2026, 4, 30), 1, date(2026, 5, 4)),  # 1 May 2026 a Friday
        (date(2026, 6, 1), 1, date(2026, 6, 3)),  # 2 June
        (date(2026, 8, 14), 1, date(2026, 8, 17)),  # 15 August a Saturday
        (date(2028, 8, 14), 1, date(2028, 8, 16)),  # 15 August 2028 a Tuesday
        (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas and Santo Stefano
        (date(2026, 6, 12), 1, date(2026, 6, 15)),  # Friday before the patron (13/6, Sat)
        (date(2027, 6, 11), 1, date(2027, 6, 14)),
        (date(2029, 6, 12), 1, date(2029, 6, 14)),  # 13 June 2029, a Wednesday: Sant'Antonio
        (date(2026, 12, 1), 30, date(2027, 1, 18)),  # 8, 25, 26 Dec, 1 and 6 Jan
    ],
)
def test_add_working_days(start, count, due):
    assert add_working_days(start, count) == due
    assert working_days_between(start, due) == count


def test_patron_saint_day_is_a_setting(settings):
    assert not is_working_day(date(2029, 6, 13))
    settings.PATRON_SAINT_DAY = ""
    assert is_working_day(date(2029, 6, 13))
    settings.PATRON_SAINT_DAY = "02-29"  # a year without it simply has no patron day
    assert is_working_day(date(2027, 3, 1))
    assert not is_working_day(date(2028, 2, 29))


def test_a_local_datetime_counts_by_its_italian_date():
    # 23:30 UTC on 31 December is already 1 January in Rome (a holiday).
    late = datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert not is_working_day(late)
    assert add_working_days(late, 1) == date(2027, 1, 4)


def test_working_days_left_counts_down_and_then_negative():
    due = date(2026, 12, 4)  # a Friday
    assert working_days_left(due, today=date(2026, 12, 1)) == 3
    assert working_days_left(due, today=due) == 0
    assert working_days_left(due, today=date(2026, 12, 9)) == -2  # 8/12 is a holiday
    assert working_days_between(due, due) == 0
