"""The regulator's clock: due dates in working days on the Italian calendar, and RQSII's
automatic indemnity at 1x, 2x and 3x the standard."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tickets import services
from tickets.models import Area, Kind, ResponseStandard


def rome(*args):
    return timezone.make_aware(datetime(*args))


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # Thursday before Easter 2026: Good Friday works, Easter Monday (6 April) does not.
        (date(2026, 4, 2), 2, date(2026, 4, 7)),
        # 25 April 2025 is a Friday.
        (date(2025, 4, 24), 1, date(2025, 4, 28)),
        # 1 May 2026 is a Friday.
        (date(2026, 4, 30), 1, date(2026, 5, 4)),
        # 2 June 2026 is a Tuesday.
        (date(2026, 6, 1), 1, date(2026, 6, 3)),
        # 15 August 2025 is a Friday.
        (date(2025, 8, 14), 1, date(2025, 8, 18)),
        # Christmas 2026: Friday 25 and Saturday 26 December.
        (date(2026, 12, 24), 1, date(2026, 12, 28)),
        # The patron saint (13 June, the setting's default) 2025 is a Friday.
        (date(2025, 6, 12), 1, date(2025, 6, 16)),
        # A plain month: 30 working days from Monday 2 March 2026.
        (date(2026, 3, 2), 30, date(2026, 4, 14)),
    ],
)
def test_due_dates_skip_weekends_holidays_and_the_patron_saint(settings, received, days, due):
    settings.PATRON_SAINT_DAY = "06-13"
    assert services.due_date(received, days) == due


def test_without_a_patron_saint_13_june_is_a_working_day(settings):
    settings.PATRON_SAINT_DAY = ""
    assert services.due_date(date(2025, 6, 12), 1) == date(2025, 6, 13)


def test_the_day_of_receipt_is_the_italian_one():
    # 23:30 UTC on Wednesday 23 April 2025 is 01:30 on Thursday 24 in Rome: one working
    # day after Thursday, across 25 April, is Monday 28 (after Wednesday it would be the 24th).
    received = datetime(2025, 4, 23, 23, 30, tzinfo=UTC)
    assert services.due_date(received, 1) == date(2025, 4, 28)


@pytest.mark.parametrize(
    ("taken", "amount"),
    [
        (30, "0.00"),
        (31, "30.00"),
        (60, "30.00"),
        (61, "60.00"),
        (90, "60.00"),
        (91, "90.00"),
        (200, "90.00"),
    ],
)
def test_complaint_indemnity_at_one_two_three_times_the_standard(taken, amount):
    got = services.indemnity_for(
        kind=Kind.COMPLAINT, standard_days=30, days_taken=taken, base=Decimal("30.00")
    )
    assert got == Decimal(amount)


def test_no_indemnity_on_information_requests():
    assert services.indemnity_for(
        kind=Kind.INFORMATION, standard_days=30, days_taken=100, base=Decimal("30")
    ) == Decimal("0.00")


@pytest.mark.django_db
def test_default_standards_come_from_the_data_migration():
    water = ResponseStandard.objects.get(area=Area.WATER, kind=Kind.COMPLAINT)
    assert water.working_days == 30 and water.indemnity_base == Decimal("30.00")
    assert "RQSII" in water.rule
    assert (
        ResponseStandard.objects.get(area=Area.WATER, kind=Kind.BILLING_CORRECTION).working_days
        == 60
    )
    waste = ResponseStandard.objects.get(area=Area.WASTE, kind=Kind.COMPLAINT)
    assert waste.working_days == 30 and "TQRIF" in waste.rule
    assert (
        ResponseStandard.objects.get(area=Area.WASTE, kind=Kind.BILLING_CORRECTION).working_days
        == 60
    )
    assert ResponseStandard.objects.get(area=Area.WASTE, kind=Kind.INFORMATION).working_days == 30


@pytest.mark.django_db
def test_an_edited_standard_applies_to_new_requests(alice):
    import uuid

    ResponseStandard.objects.filter(area=Area.WATER, kind=Kind.INFORMATION).update(
        working_days=5, rule="Carta del servizio"
    )
    ticket, _ = services.submit_ticket(
        user=alice, idempotency_key=uuid.uuid4(), area=Area.WATER, kind=Kind.INFORMATION,
        subject="s", text="t",
    )  # fmt: skip
    assert ticket.standard_days == 5 and ticket.standard_rule == "Carta del servizio"
    assert ticket.due_on == services.due_date(ticket.received_at, 5)


@pytest.mark.django_db
def test_a_late_answer_on_a_complaint_earns_the_indemnity(alice, charlie, monkeypatch):
    import uuid

    filed = rome(2026, 3, 2, 10)
    monkeypatch.setattr(timezone, "now", lambda: filed)
    ticket, _ = services.submit_ticket(
        user=alice, idempotency_key=uuid.uuid4(), area=Area.WATER, kind=Kind.COMPLAINT,
        subject="Bolletta troppo alta", text="...",
    )  # fmt: skip
    assert ticket.due_on == date(2026, 4, 14)
    # 61 working days later: beyond twice the standard.
    answered = rome(2026, 5, 28, 10)
    from core import workdays

    assert workdays.working_days_between(filed, answered) == 61
    monkeypatch.setattr(timezone, "now", lambda: answered)
    services.publish_answer(ticket=ticket, actor=charlie, text="Risposta")
    ticket.refresh_from_db()
    assert ticket.working_days_taken == 61
    assert ticket.indemnity == Decimal("60.00")
