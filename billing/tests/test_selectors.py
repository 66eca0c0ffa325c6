"""The plain statement of "vedi tutto" reads what the ORM reads."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.http import Http404

from billing import selectors
from customers.models import ContractLink

from .factories import BillFactory, FeedPaymentFactory, linked_contract

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 1)


def _bills(contract):
    amounts = ["258.00", "0.10", "1234567.89", "99.99", "12.30"]
    for i, amount in enumerate(amounts):
        bill = BillFactory(
            contract=contract,
            number=f"2026/{contract.pk}{i:03d}",
            issued_on=TODAY - datetime.timedelta(days=100 * i + 5),
            due_on=TODAY + datetime.timedelta(days=20 - 40 * i),
            amount=Decimal(amount),
            portal_paid=Decimal("0.05") * i,
            pdf="bills/x.pdf" if i % 2 else "",
            pagopa_notice="" if i % 2 else "301000000000012345",
        )
        if i in (1, 3):
            FeedPaymentFactory(bill_number=bill.number, amount=Decimal("0.03"))
    # Older than two years: never listed.
    BillFactory(contract=contract, number=f"OLD{contract.pk}", issued_on=TODAY.replace(2023))


def test_the_list_is_the_orms_reading_of_the_same_bills(alice):
    contract = linked_contract(alice, direct_debit=False)
    _bills(contract)
    other = linked_contract(alice)
    _bills(other)
    link = ContractLink.objects.get(user=alice, contract=contract)
    listed = selectors.bill_list_for_user(alice, link.uid, day=TODAY)
    assert listed.rows == selectors.recent_bills(contract, day=TODAY)
    assert len(listed.rows) == 5
    assert all(isinstance(row.amount, Decimal) for row in listed.rows)
    assert all(isinstance(row.issued_on, datetime.date) for row in listed.rows)
    assert (listed.service_code, listed.direct_debit) == (contract.service_code, False)
    by_year = selectors.bill_list_for_user(alice, link.uid, year=2026, day=TODAY)
    assert by_year.rows == [r for r in listed.rows if r.issued_on.year == 2026]
    assert 0 < len(by_year.rows) < 5


def test_a_contract_without_bills_is_listed_empty(alice):
    contract = linked_contract(alice)
    link = ContractLink.objects.get(user=alice, contract=contract)
    listed = selectors.bill_list_for_user(alice, link.uid, day=TODAY)
    assert listed.rows == [] and listed.service_code == contract.service_code


def test_anyone_elses_link_is_a_404(alice):
    contract = linked_contract(alice)
    _bills(contract)
    link = ContractLink.objects.get(user=alice, contract=contract)
    stranger = get_user_model().objects.create_user("stranger", "s@example.it", "x")
    with pytest.raises(Http404):
        selectors.bill_list_for_user(stranger, link.uid, day=TODAY)
