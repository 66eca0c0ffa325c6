"""Consumption from readings: m³ per day between consecutive readings of a meter, the same
period of the year before, and the reference the leak warning compares a new reading with.

Only readings that measure something count: validated readings (the operator's, and
self-readings once validated) and estimates (marked as such). A meter that went round its
digits between two readings counts the turn (value + 10^digits - previous). A meter change
starts a new series: an interval never spans two meters.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from .models import Reading


@dataclass(frozen=True)
class Interval:
    start: date
    end: date
    m3: int
    estimated: bool  # either end is an estimate
    serial: str

    @property
    def days(self):
        return (self.end - self.start).days

    @property
    def per_day(self):
        return self.m3 / self.days if self.days else 0.0


def counted_readings(meters, period=None):
    """{meter id: [(read_on, value, source)] in date order} of the readings that count
    (within `period`, a Q on the reading, when given)."""
    ids = [m.pk for m in meters]
    series = {pk: [] for pk in ids}
    rows = (
        Reading.objects.filter(meter_id__in=ids)
        .filter(status=Reading.Status.VALIDATED)
        .filter(period or Q())
        .order_by("meter_id", "read_on", "id")
        .values_list("meter_id", "read_on", "value", "source")
    )
    for meter_id, read_on, value, source in rows:
        points = series[meter_id]
        if points and points[-1][0] == read_on:
            # Two readings on one day: the operator's wins over an estimate, the later wins.
            if source == Reading.Source.ESTIMATED and points[-1][2] != Reading.Source.ESTIMATED:
                continue
            points[-1] = (read_on, value, source)
        else:
            points.append((read_on, value, source))
    return series


def intervals(meters, series=None, period=None):
    """Every Interval between consecutive counted readings of each meter, in date order."""
    series = counted_readings(meters, period) if series is None else series
    found = []
    for meter in meters:
        points = series.get(meter.pk, [])
        for (d0, v0, s0), (d1, v1, s1) in zip(points, points[1:], strict=False):
            m3 = v1 - v0 if v1 >= v0 else v1 + meter.limit - v0
            found.append(
                Interval(
                    start=d0,
                    end=d1,
                    m3=m3,
                    estimated=Reading.Source.ESTIMATED in (s0, s1),
                    serial=meter.serial,
                )
            )
    found.sort(key=lambda i: (i.start, i.end))
    return found


def consumed_between(spans, start, end):
    """m³ consumed from `start` to `end`, spreading each interval evenly over its days;
    None when the intervals do not cover the whole period."""
    if end <= start:
        return None
    total = 0.0
    covered = 0
    for span in spans:
        if not span.days:
            continue
        lo, hi = max(span.start, start), min(span.end, end)
        if hi > lo:
            days = (hi - lo).days
            total += span.m3 * days / span.days
            covered += days
    if covered < (end - start).days:
        return None
    return total


def year_before(day):
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def reference_per_day(spans, start, end):
    """What the leak warning compares with: m³/day over the same period of the year before,
    or, without it, the average of the whole history; None when there is no history."""
    earlier = consumed_between(spans, year_before(start), year_before(end))
    if earlier is not None:
        days = (year_before(end) - year_before(start)).days
        return earlier / days if days else None
    spans = [s for s in spans if s.days]
    if not spans:
        return None
    days = sum(s.days for s in spans)
    return sum(s.m3 for s in spans) / days


def chart_rows(spans, today, years=2):
    """The chart's and the table's rows: each interval of the last `years` years with its
    m³/day and the same period of the year before (None when unknown)."""
    since = today - timedelta(days=365 * years)
    rows = []
    for span in spans:
        if span.end <= since or not span.days:
            continue
        before = consumed_between(spans, year_before(span.start), year_before(span.end))
        before_days = (year_before(span.end) - year_before(span.start)).days
        rows.append(
            {
                "start": span.start,
                "end": span.end,
                "days": span.days,
                "m3": span.m3,
                "per_day": span.per_day,
                "before": before / before_days if before is not None and before_days else None,
                "estimated": span.estimated,
                "serial": span.serial,
            }
        )
    return rows
