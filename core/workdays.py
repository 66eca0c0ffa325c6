"""Working days on the Italian calendar, for the regulator's clocks (ARERA's RQSII and
TQRIF count answer and execution times in working days; a rejected self-reading is notified
within 9 of them).

A working day is Monday to Friday, not a national holiday (the `holidays` package's Italian
calendar: 1 and 6 January, Easter Monday, 25 April, 1 May, 2 June, 15 August, 4 October from
2026, 1 November, 8, 25 and 26 December, and whatever the law adds), and not the utility's
patron saint's day (`PATRON_SAINT_DAY`, "MM-DD"; empty for none).

The day something is received is day 0: an answer due "within 30 working days" is due on the
30th working day after it (`add_working_days(received, 30)`), and an answer given on that day
took 30 working days (`working_days_between(received, answered)`).
"""

import contextlib
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone


@lru_cache(maxsize=32)
def _closed_days(year, patron):
    days = set(holidays.country_holidays("IT", years=year))
    if patron:
        month, day = (int(part) for part in patron.split("-"))
        with contextlib.suppress(ValueError):  # 02-29 in a year that has none
            days.add(date(year, month, day))
    return frozenset(days)


def _as_date(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def is_working_day(day):
    day = _as_date(day)
    if day.weekday() >= 5:
        return False
    return day not in _closed_days(day.year, settings.PATRON_SAINT_DAY)


def add_working_days(start, count):
    """The `count`-th working day after `start` (a date, or a datetime in local time)."""
    day = _as_date(start)
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start, end):
    """How many working days after `start` up to and including `end` (0 when `end` is not
    after `start`)."""
    day, end = _as_date(start), _as_date(end)
    count = 0
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def working_days_left(due, today=None):
    """Working days from today to `due`: negative when `due` has passed (overdue by that many
    working days), 0 on the day itself."""
    today = _as_date(today or timezone.now())
    if due >= today:
        return working_days_between(today, due)
    return -working_days_between(due, today)
