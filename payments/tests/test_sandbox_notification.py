"""The sandbox's worker posts the signed outcome to `urlpost` over HTTP, and again later
until it is answered 200."""

from decimal import Decimal

import pytest
from django_tasks_db.models import DBTaskResult

from billing.models import Bill
from payments.models import Payment
from payments.sandbox import CARDS, outcome_fields
from payments.services import redirect_form, start_payment
from payments.tasks import notify_merchant

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_notification_goes_over_http(live_server, settings, alice):
    from .helpers import payable_bill

    settings.PUBLIC_URL = live_server.url
    payment = start_payment(user=alice, bill=payable_bill(alice, amount=Decimal("20.00")))
    form = redirect_form(payment)
    values = outcome_fields(form["fields"], CARDS["approve"])
    assert notify_merchant.call(form["fields"]["urlpost"], values) == "delivered"
    payment.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert Bill.objects.get().portal_paid == Decimal("20.00")


def test_a_refused_notification_is_sent_again_later(live_server, settings, alice):
    from .helpers import payable_bill

    settings.PUBLIC_URL = live_server.url
    payment = start_payment(user=alice, bill=payable_bill(alice))
    form = redirect_form(payment)
    values = {**outcome_fields(form["fields"], CARDS["approve"]), "mac": "0" * 40}
    assert notify_merchant.call(form["fields"]["urlpost"], values) == "answered 400"
    again = DBTaskResult.objects.get(task_path__endswith="notify_merchant")
    assert again.run_after is not None
    assert list(again.task_result.args)[2:] == [2]
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
