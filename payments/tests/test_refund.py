"""Staff refund a payment through the gateway ("Rimborsa"): only a signed OK refunds; a KO, a
bad signature, no answer or nobody listening leave the payment confirmed with a clear message;
every attempt is audited; the permission is checked by the view (403) and by the service."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.staff import ROLE_ADMIN, ROLE_CUSTOMER_SERVICE
from accounts.tests.factories import staff_member
from billing.models import Bill
from conftest import login_verified
from core.models import AuditEvent
from payments import conf
from payments.models import Payment
from payments.services import (
    RefundNotDone,
    mark_refunded,
    refund_payment,
    set_payment_state,
    start_payment,
)

from .conftest import answer
from .helpers import payable_bill

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(alice, xpay_settings):
    bill = payable_bill(alice, amount=Decimal("50.00"))
    payment = start_payment(user=alice, bill=bill)
    assert payment.provider == "xpay"
    return set_payment_state(payment=payment, state=Payment.State.CONFIRMED, reference="ABC123")


@pytest.fixture
def admin():
    return staff_member(ROLE_ADMIN)


def refused(admin, payment, reason="Pagata due volte"):
    with pytest.raises(RefundNotDone) as exc:
        refund_payment(actor=admin, payment=payment, reason=reason)
    payment.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert payment.refund_requested_at is None
    assert payment.refund_operation == ""
    assert Bill.objects.get().portal_paid == Decimal("50.00")
    return str(exc.value)


def test_ok_refunds_and_keeps_the_operation(admin, confirmed, fake_gateway):
    fake_gateway.reply(answer("OK", "987654321"))
    payment = refund_payment(actor=admin, payment=confirmed, reason="Pagata due volte")
    assert payment.state == Payment.State.REFUNDED
    assert payment.refund_operation == "987654321"
    assert payment.refund_requested_at is None
    assert payment.refunded_at is not None
    assert Bill.objects.get().portal_paid == 0
    assert fake_gateway.requests[0]["json"]["importo"] == "5000"
    requested = AuditEvent.objects.get(action="payments.refund_requested")
    assert requested.actor == admin
    assert requested.detail["reason"] == "Pagata due volte"
    assert requested.detail["amount"] == "50.00"
    refunded = AuditEvent.objects.get(action="payments.refunded")
    assert refunded.actor == admin and refunded.detail["operation"] == "987654321"
    assert not AuditEvent.objects.filter(action="payments.refund_failed").exists()


def test_ko_keeps_it_confirmed_with_the_gateway_reason(admin, confirmed, fake_gateway):
    fake_gateway.reply(
        answer("KO", "1", errore={"codice": "41", "messaggio": "Importo superiore al residuo"})
    )
    message = refused(admin, confirmed)
    assert "ha rifiutato il rimborso: Importo superiore al residuo (codice 41)" in message
    assert "resta confermato" in message
    failed = AuditEvent.objects.get(action="payments.refund_failed")
    assert failed.actor == admin
    assert failed.detail == {
        "outcome": "ko",
        "code": "41",
        "message": "Importo superiore al residuo",
    }
    assert AuditEvent.objects.filter(action="payments.refund_requested").count() == 1
    assert not AuditEvent.objects.filter(action="payments.refunded").exists()


def test_a_bad_signature_is_not_a_refund(admin, confirmed, fake_gateway):
    fake_gateway.reply(answer("OK", "987654321", mac="f" * 40))
    message = refused(admin, confirmed)
    assert "non ha una firma valida" in message
    assert "Segna come rimborsato" in message
    assert AuditEvent.objects.get(action="payments.refund_failed").detail["outcome"] == "bad_mac"


def test_no_answer_in_time(admin, confirmed, fake_gateway, monkeypatch):
    monkeypatch.setattr(conf, "API_TIMEOUT", 0.3)
    fake_gateway.reply(delay=1.5)
    message = refused(admin, confirmed)
    assert "non ha risposto in tempo" in message
    assert "Controlla sul back-office di Nexi" in message
    assert AuditEvent.objects.get(action="payments.refund_failed").detail["outcome"] == "timeout"


def test_gateway_down(admin, confirmed, settings, closed_port_url):
    settings.XPAY_API_URL = closed_port_url
    message = refused(admin, confirmed)
    assert "non è raggiungibile" in message
    failed = AuditEvent.objects.get(action="payments.refund_failed")
    assert failed.detail["outcome"] == "unreachable"


def test_the_service_checks_the_permission(confirmed, fake_gateway):
    with pytest.raises(PermissionDenied):
        refund_payment(actor=staff_member(ROLE_CUSTOMER_SERVICE), payment=confirmed, reason="x")
    assert fake_gateway.requests == []
    assert not AuditEvent.objects.filter(action__startswith="payments.refund").exists()


def test_only_a_confirmed_payment(admin, alice, xpay_settings, fake_gateway):
    payment = start_payment(user=alice, bill=payable_bill(alice))
    assert "Solo un pagamento confermato" in str(
        pytest.raises(RefundNotDone, refund_payment, actor=admin, payment=payment, reason="x").value
    )
    assert fake_gateway.requests == []


def test_a_refund_waiting_for_the_gateway_blocks_a_second(admin, confirmed, fake_gateway):
    Payment.objects.filter(pk=confirmed.pk).update(refund_requested_at=timezone.now())
    with pytest.raises(RefundNotDone, match="già stato chiesto al gestore"):
        refund_payment(actor=admin, payment=confirmed, reason="x")
    with pytest.raises(RefundNotDone, match="già stato chiesto al gestore"):
        mark_refunded(actor=admin, payment=confirmed, reason="x")
    assert fake_gateway.requests == []
    # A claim left by a process that died long ago no longer blocks.
    stale = timezone.now() - timedelta(minutes=conf.REFUND_CLAIM_MINUTES + 1)
    Payment.objects.filter(pk=confirmed.pk).update(refund_requested_at=stale)
    payment = refund_payment(actor=admin, payment=confirmed, reason="x")
    assert payment.state == Payment.State.REFUNDED


def test_a_second_refund_after_the_first_is_refused(admin, confirmed, fake_gateway):
    refund_payment(actor=admin, payment=confirmed, reason="x")
    with pytest.raises(RefundNotDone, match="Solo un pagamento confermato"):
        refund_payment(actor=admin, payment=confirmed, reason="x")
    assert len(fake_gateway.requests) == 1


# The staff page and its views.


def detail_url(payment):
    return reverse("payments:staff_detail", args=[payment.uid])


def online_url(payment):
    return reverse("payments:staff_refund_online", args=[payment.uid])


def form(reason="Pagata due volte", confirm=True):
    data = {"rimborso-reason": reason}
    if confirm:
        data["rimborso-confirm"] = "on"
    return data


def test_the_page_offers_both_actions_to_whom_may_refund(client, admin, confirmed):
    login_verified(client, admin)
    text = client.get(detail_url(confirmed)).content.decode()
    assert "Rimborsa</button>" in text
    assert "Segna come rimborsato</button>" in text
    assert "Confermo il rimborso di" in text and "50,00" in text
    assert "Solo per un rimborso già fatto fuori dal portale" in text


def test_an_operator_gets_403_and_no_button(client, confirmed, fake_gateway):
    operator = staff_member(ROLE_CUSTOMER_SERVICE)
    login_verified(client, operator)
    text = client.get(detail_url(confirmed)).content.decode()
    assert "Rimborsa</button>" not in text
    assert client.post(online_url(confirmed), form()).status_code == 403
    assert fake_gateway.requests == []
    confirmed.refresh_from_db()
    assert confirmed.state == Payment.State.CONFIRMED


def test_the_view_asks_reason_and_confirmation(client, admin, confirmed, fake_gateway):
    login_verified(client, admin)
    response = client.post(online_url(confirmed), form(confirm=False))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Conferma il rimborso: non si può annullare." in text
    assert "Pagata due volte</textarea>" in text  # what was typed stays
    response = client.post(online_url(confirmed), form(reason=""))
    assert "Scrivi il motivo" in response.content.decode()
    assert fake_gateway.requests == []


def test_the_view_refunds(client, admin, confirmed, fake_gateway):
    login_verified(client, admin)
    fake_gateway.reply(answer("OK", "987654321"))
    response = client.post(online_url(confirmed), form(), follow=True)
    text = response.content.decode()
    assert "Rimborso eseguito dal gestore (operazione 987654321)" in text
    assert "987654321</dd>" in text
    confirmed.refresh_from_db()
    assert confirmed.state == Payment.State.REFUNDED


def test_the_view_shows_the_gateway_refusal(client, admin, confirmed, fake_gateway):
    login_verified(client, admin)
    fake_gateway.reply(
        answer("KO", "1", errore={"codice": "20", "messaggio": "Transazione non presente"})
    )
    response = client.post(online_url(confirmed), form(), follow=True)
    text = response.content.decode()
    assert "ha rifiutato il rimborso: Transazione non presente (codice 20)" in text
    assert "Rimborsa</button>" in text  # still confirmed: the action is still there
    confirmed.refresh_from_db()
    assert confirmed.state == Payment.State.CONFIRMED


def test_mark_refunded_does_not_ask_the_gateway(client, admin, confirmed, fake_gateway):
    login_verified(client, admin)
    url = reverse("payments:staff_refund", args=[confirmed.uid])
    client.post(url, {"reason": "Rimborsato dal back-office di Nexi"})
    confirmed.refresh_from_db()
    assert confirmed.state == Payment.State.REFUNDED
    assert fake_gateway.requests == []
    assert AuditEvent.objects.get(action="payments.refund_reason").detail == {
        "reason": "Rimborsato dal back-office di Nexi"
    }
