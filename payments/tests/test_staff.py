"""The back-office's payments: who sees them, the refund, the audit."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.staff import ROLE_ADMIN, ROLE_CUSTOMER_SERVICE, ROLE_PRATICHE, role_permissions
from accounts.tests.factories import staff_member
from billing.models import Bill
from conftest import login_verified
from core.models import AuditEvent
from payments.models import Payment
from payments.services import mark_refunded, set_payment_state, start_payment

from .helpers import payable_bill

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(alice):
    bill = payable_bill(alice, amount=Decimal("50.00"))
    payment = start_payment(user=alice, bill=bill)
    return set_payment_state(payment=payment, state=Payment.State.CONFIRMED, reference="ABC123")


def test_roles_get_the_permissions():
    roles = role_permissions()
    assert "payments.view_payment" in roles[ROLE_CUSTOMER_SERVICE]
    assert "payments.refund_payment" not in roles[ROLE_CUSTOMER_SERVICE]
    assert {"payments.view_payment", "payments.refund_payment"} <= roles[ROLE_ADMIN]


def test_the_migration_granted_them():
    from django.contrib.auth.models import Group

    group = Group.objects.get(name=ROLE_ADMIN)
    assert group.permissions.filter(codename="refund_payment").exists()


def test_operator_sees_payments_but_cannot_refund(client, confirmed):
    operator = staff_member(ROLE_CUSTOMER_SERVICE)
    login_verified(client, operator)
    page = client.get(reverse("payments:staff_list"), {"q": confirmed.bill.number})
    assert confirmed.code in page.content.decode()
    page = client.get(reverse("payments:staff_detail", args=[confirmed.uid]))
    assert "Segna come rimborsato" not in page.content.decode()
    refund = client.post(reverse("payments:staff_refund", args=[confirmed.uid]), {"reason": "x"})
    assert refund.status_code == 403
    confirmed.refresh_from_db()
    assert confirmed.state == Payment.State.CONFIRMED
    assert AuditEvent.objects.filter(action="payments.staff_view", actor=operator).exists()


def test_list_query_count(client, confirmed, django_assert_max_num_queries):
    operator = staff_member(ROLE_CUSTOMER_SERVICE)
    login_verified(client, operator)
    client.get(reverse("payments:staff_list"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("payments:staff_list"))
    assert page.status_code == 200


def test_others_get_404(client, confirmed, alice):
    login_verified(client, staff_member(ROLE_PRATICHE))
    assert client.get(reverse("payments:staff_list")).status_code == 404
    client.force_login(alice)
    assert client.get(reverse("payments:staff_list")).status_code == 404


def test_admin_marks_a_refund_with_a_reason(client, confirmed):
    admin = staff_member(ROLE_ADMIN)
    login_verified(client, admin)
    url = reverse("payments:staff_refund", args=[confirmed.uid])
    missing = client.post(url, {"reason": ""})
    assert missing.status_code == 400
    assert "Scrivi il motivo" in missing.content.decode()
    response = client.post(url, {"reason": "Pagata due volte"}, follow=True)
    assert "segnato come rimborsato" in response.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.state == Payment.State.REFUNDED
    assert Bill.objects.get().portal_paid == 0
    event = AuditEvent.objects.get(action="payments.refund_reason")
    assert event.actor == admin and event.detail["reason"] == "Pagata due volte"
    assert AuditEvent.objects.filter(action="payments.refunded", actor=admin).exists()


def test_the_service_checks_the_permission_again(confirmed):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        mark_refunded(actor=staff_member(ROLE_CUSTOMER_SERVICE), payment=confirmed)


def test_a_bill_without_attempts_is_found_by_its_number(client, alice):
    from billing.tests.factories import BillFactory

    bill = BillFactory(number="2026/777777")
    login_verified(client, staff_member(ROLE_CUSTOMER_SERVICE))
    page = client.get(reverse("payments:staff_list"), {"q": "2026/777777"})
    url = reverse("payments:staff_bill", args=[bill.number])
    assert url in page.content.decode()
    text = client.get(url).content.decode()
    assert "Nessun tentativo di pagamento online." in text
    assert "da pagare" in text
    assert AuditEvent.objects.filter(action="payments.staff_view_bill").exists()
