"""Consumption: intervals per meter (a change never spans two meters, a roll-over counts the
turn), the same period of the year before, the chart."""

from datetime import date

import pytest

from customers.tests.factories import ContractFactory
from readings import chart, consumption

from .factories import MeterFactory, ReadingFactory

pytestmark = pytest.mark.django_db


def test_intervals_follow_each_meter_and_count_the_turn():
    contract = ContractFactory()
    old = MeterFactory(contract=contract, digits=4, removed_on=date(2025, 3, 1))
    new = MeterFactory(contract=contract, installed_on=date(2025, 3, 1))
    ReadingFactory(meter=old, read_on=date(2025, 1, 1), value=9990)
    ReadingFactory(meter=old, read_on=date(2025, 3, 1), value=20)  # round 9999 -> 0
    ReadingFactory(meter=new, read_on=date(2025, 3, 1), value=0)
    ReadingFactory(meter=new, read_on=date(2025, 5, 1), value=61, source="estimated")
    ReadingFactory(
        meter=new, read_on=date(2025, 6, 1), value=70, status="received", source="customer"
    )  # fmt: skip  (not validated: does not count)
    spans = consumption.intervals([old, new])
    assert [(s.start, s.end, s.m3, s.estimated) for s in spans] == [
        (date(2025, 1, 1), date(2025, 3, 1), 30, False),
        (date(2025, 3, 1), date(2025, 5, 1), 61, True),
    ]


def test_year_before_and_reference():
    contract = ContractFactory()
    meter = MeterFactory(contract=contract)
    for day, value in (
        (date(2023, 12, 31), 0),
        (date(2024, 12, 31), 366),
        (date(2025, 12, 31), 1096),
    ):
        ReadingFactory(meter=meter, read_on=day, value=value)
    spans = consumption.intervals([meter])
    # 2025 at 2 m³/day, 2024 at 1 m³/day.
    assert consumption.reference_per_day(spans, date(2025, 3, 1), date(2025, 5, 1)) == 1.0
    rows = consumption.chart_rows(spans, date(2026, 1, 10))
    assert [round(r["per_day"], 2) for r in rows] == [1.0, 2.0]
    assert rows[1]["before"] == pytest.approx(1.0)
    assert rows[0]["before"] is None
    svg = str(chart.svg(rows))
    assert svg.count("<rect x=") == 2 and "<polyline" in svg and 'role="img"' in svg
    assert chart.svg([]) == ""
