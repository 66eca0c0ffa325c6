import datetime
from decimal import Decimal

import pytest

from billing.money import BillStatus, bill_status, can_pay_online, cents, euro
from billing.pagopa import InvalidNotice, check_digits, qr_payload, validate_notice

TODAY = datetime.date(2026, 6, 15)


@pytest.mark.parametrize(
    ("paid", "due", "debit", "expected"),
    [
        ("0", TODAY, False, BillStatus.TO_PAY),
        ("0", TODAY - datetime.timedelta(days=1), False, BillStatus.OVERDUE),
        ("258.00", TODAY - datetime.timedelta(days=1), False, BillStatus.PAID),
        ("300.00", TODAY, False, BillStatus.PAID),
        ("100.00", TODAY - datetime.timedelta(days=1), False, BillStatus.PARTIAL),
        ("0", TODAY - datetime.timedelta(days=30), True, BillStatus.DIRECT_DEBIT),
        ("258.00", TODAY, True, BillStatus.PAID),
    ],
)
def test_bill_status(paid, due, debit, expected):
    status = bill_status(
        amount=Decimal("258.00"), paid=Decimal(paid), due_on=due, direct_debit=debit, today=TODAY
    )
    assert status == expected


def test_pay_online_only_when_due_and_no_direct_debit():
    assert can_pay_online(outstanding=Decimal("1"), direct_debit=False)
    assert not can_pay_online(outstanding=Decimal("0"), direct_debit=False)
    assert not can_pay_online(outstanding=Decimal("1"), direct_debit=True)


def test_euro_and_cents():
    assert euro(Decimal("258")) == "258,00\u00a0€"
    assert euro(Decimal("1234.5")) == "1.234,50\u00a0€"
    assert cents(Decimal("258.00")) == 25800
    assert cents(Decimal("0.07")) == 7


def test_pagopa_notice_and_qr():
    # 3 + 17 digits; the check digits are the first 16 digits mod 93 (written out here).
    prefix = "3021234567890123"
    assert check_digits(prefix) == f"{3021234567890123 % 93:02d}"
    good = prefix + f"{3021234567890123 % 93:02d}"
    assert validate_notice(good) == good
    with pytest.raises(InvalidNotice):
        validate_notice(prefix + "99" if good[-2:] != "99" else prefix + "98")
    with pytest.raises(InvalidNotice):
        validate_notice("12345")
    payload = qr_payload(notice=good, creditor_fiscal_code="01234560025", amount_cents=25800)
    assert payload == f"PAGOPA|002|{good}|01234560025|25800"
