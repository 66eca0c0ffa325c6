"""Race safety on PostgreSQL: 20 identical notifications at once make one confirmed payment
and one receipt; 10 "pagamento" at once open one attempt."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import Bill
from billing.tests.factories import BillFactory, linked_contract
from core.models import OutboxMessage
from payments.models import Payment
from payments.sandbox import CARDS, outcome_fields
from payments.services import PaymentRefused, process_notification, redirect_form, start_payment

pytestmark = pytest.mark.django_db(transaction=True)


def together(n, work):
    barrier = threading.Barrier(n)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(work())
        except Exception as exc:  # collected: the test asserts on them
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a server database; SQLite serialises them anyway")


def test_twenty_identical_notifications(postgres):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    bill = BillFactory(contract=linked_contract(user), amount=Decimal("258.00"))
    payment = start_payment(user=user, bill=bill)
    form = redirect_form(payment)
    values = outcome_fields(form["fields"], CARDS["approve"])
    results = together(20, lambda: process_notification(provider_name="sandbox", data=values))
    assert not [r for r in results if isinstance(r, Exception)]
    payment.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert Bill.objects.get().portal_paid == Decimal("258.00")
    assert OutboxMessage.objects.filter(kind="payment_receipt").count() == 1


def test_ten_pagamento_at_once_open_one_attempt(postgres):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    bill = BillFactory(contract=linked_contract(user))
    results = together(10, lambda: start_payment(user=user, bill=bill).pk)
    assert not [r for r in results if not isinstance(r, int | PaymentRefused)]
    assert Payment.objects.count() == 1
    assert len({r for r in results if isinstance(r, int)}) == 1


def test_five_rimborsa_at_once_refund_once(postgres, xpay_settings, fake_gateway):
    """A double click, or two operators at once: one request reaches the gateway."""
    from accounts.staff import ROLE_ADMIN
    from accounts.tests.factories import UserFactory, staff_member
    from payments.services import RefundNotDone, refund_payment, set_payment_state

    from .conftest import answer

    user = UserFactory()
    bill = BillFactory(contract=linked_contract(user), amount=Decimal("80.00"))
    payment = set_payment_state(
        payment=start_payment(user=user, bill=bill), state=Payment.State.CONFIRMED
    )
    admin = staff_member(ROLE_ADMIN)
    fake_gateway.reply(answer("OK", "555"), delay=0.3)
    results = together(
        5, lambda: refund_payment(actor=admin, payment=payment, reason="doppio clic")
    )
    assert len(fake_gateway.requests) == 1
    assert len([r for r in results if isinstance(r, Payment)]) == 1
    assert len([r for r in results if isinstance(r, RefundNotDone)]) == 4
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED
    assert payment.refund_operation == "555"
    assert Bill.objects.get().portal_paid == 0
