"""Paying a bill through the sandbox gateway with the same code path as XPay: the
notification decides, the browser's return only shows; replays, forgeries, tampered
amounts, cancellations, late successes."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.helpers import mails
from billing.models import Bill
from billing.tests.factories import FeedPaymentFactory, linked_contract
from core.models import AuditEvent
from payments.models import Payment
from payments.providers.xpay import response_mac
from payments.services import start_payment

from .helpers import (
    choose,
    gateway_page,
    last_notification,
    notify,
    path_and_query,
    payable_bill,
    start,
)

pytestmark = pytest.mark.django_db
State = Payment.State


@pytest.fixture
def bill(alice):
    return payable_bill(alice, amount=Decimal("258.00"))


@pytest.fixture
def paying(client, alice):
    client.force_login(alice)
    return client


def test_pay_page_shows_the_amount_due(paying, bill):
    FeedPaymentFactory(bill_number=bill.number, amount=Decimal("58.00"))
    text = paying.get(reverse("payments:pay", args=[bill.number])).content.decode()
    assert "200,00\u00a0€" in text
    assert "Procedi al pagamento" in text


def test_approved_payment_is_paid_only_after_the_notification(paying, bill, alice):
    url, fields = start(paying, bill)
    assert url.endswith(reverse("payments:sandbox_gateway"))
    assert fields["importo"] == "25800"  # the server's amount
    payment = Payment.objects.get()
    assert payment.state == State.PENDING
    location, values = choose(paying, fields, "approve")
    path, query = path_and_query(location)
    assert path == reverse("payments:return", args=[payment.uid])
    assert query["esito"] == "OK"

    # The browser comes back first: "verifica in corso", nothing paid.
    page = paying.get(path, query, follow=True)
    assert "Verifica in corso" in page.content.decode()
    payment.refresh_from_db()
    assert payment.state == State.PENDING
    assert Bill.objects.get().portal_paid == 0

    assert notify(paying, values).status_code == 200
    payment.refresh_from_db()
    assert payment.state == State.CONFIRMED
    assert payment.provider_ref == values["codAut"]
    assert Bill.objects.get().portal_paid == Decimal("258.00")
    page = paying.get(reverse("payments:status", args=[payment.uid]))
    assert "Pagamento riuscito" in page.content.decode()
    text = paying.get(reverse("billing:bill", args=[bill.number])).content.decode()
    assert "pagata" in text and reverse("payments:pay", args=[bill.number]) not in text
    receipt = mails("payment_receipt")
    assert len(receipt) == 1 and receipt[0].to == alice.email
    assert "258,00" in receipt[0].body_text


def test_notification_before_the_return(paying, bill):
    _url, fields = start(paying, bill)
    location, values = choose(paying, fields)
    assert notify(paying, values).status_code == 200
    path, query = path_and_query(location)
    page = paying.get(path, query, follow=True)
    assert "Pagamento riuscito" in page.content.decode()


def test_replayed_notification_changes_nothing(paying, bill):
    _url, fields = start(paying, bill)
    _location, values = choose(paying, fields)
    for _ in range(3):
        assert notify(paying, values).status_code == 200
    assert Bill.objects.get().portal_paid == Decimal("258.00")
    assert len(mails("payment_receipt")) == 1
    assert AuditEvent.objects.filter(action="payments.confirmed").count() == 1


def test_ko_after_ok_changes_nothing(paying, bill):
    _url, fields = start(paying, bill)
    _location, values = choose(paying, fields)
    notify(paying, values)
    payment = Payment.objects.get()
    ko = {**values, "esito": "KO", "codAut": ""}
    ko["mac"] = response_mac(ko, _secret())
    assert notify(paying, ko).status_code == 200
    payment.refresh_from_db()
    assert payment.state == State.CONFIRMED


def _secret():
    from payments import conf

    return conf.sandbox_secret()


def test_forged_and_tampered_notifications_are_refused(paying, bill):
    _url, fields = start(paying, bill)
    _location, values = choose(paying, fields)
    forged = {**values, "mac": "0" * 40}
    assert notify(paying, forged).status_code == 400
    # A valid signature over an amount that is not the attempt's.
    cheap = {**values, "importo": "100"}
    cheap["mac"] = response_mac(cheap, _secret())
    assert notify(paying, cheap).status_code == 400
    unknown = {**values, "codTrans": "SPUNKNOWN"}
    unknown["mac"] = response_mac(unknown, _secret())
    assert notify(paying, unknown).status_code == 400
    assert notify(paying, values, provider="nessuno").status_code == 400
    assert Payment.objects.get().state == State.PENDING
    assert Bill.objects.get().portal_paid == 0
    assert AuditEvent.objects.filter(action="payments.mismatch").count() == 1


def test_the_browser_return_never_marks_paid(paying, bill):
    _url, fields = start(paying, bill)
    location, _values = choose(paying, fields)
    path, query = path_and_query(location)
    # Even a well-signed OK in the address bar only shows "verifica in corso".
    paying.get(path, query)
    assert Payment.objects.get().state == State.PENDING


@pytest.mark.parametrize("card", ["decline", "3ds"])
def test_declined_card_leaves_the_bill_unpaid(paying, bill, card):
    _url, fields = start(paying, bill)
    location, values = choose(paying, fields, card)
    path, query = path_and_query(location)
    page = paying.get(path, query, follow=True)
    assert "non è riuscito" in page.content.decode()
    notify(paying, values)
    payment = Payment.objects.get()
    assert payment.state == State.FAILED
    assert payment.outcome.startswith("KO")
    assert Bill.objects.get().portal_paid == 0
    assert not mails("payment_receipt")


def test_timeout_goes_back_through_url_back(paying, bill):
    _url, fields = start(paying, bill)
    location, values = choose(paying, fields, "timeout")
    path, query = path_and_query(location)
    assert path.endswith("/annullato/")
    page = paying.get(path, query, follow=True)
    assert "non è riuscito" in page.content.decode()
    assert Payment.objects.get().state == State.FAILED


def test_torna_al_sito_dell_esercente_cancels(paying, bill):
    _url, fields = start(paying, bill)
    page = gateway_page(paying, fields)
    text = page.content.decode()
    labels = (
        "Riassunto ordine", "Esercente", "Paese", "Numero d'ordine", "Valuta", "Importo",
        "Seleziona il metodo di pagamento", "Torna al sito dell'esercente",
    )  # fmt: skip
    for label in labels:
        assert label in text
    assert "258,00" in text
    response = paying.post(
        reverse("payments:sandbox_pay"), {"token": page.context["token"], "annulla": "1"}
    )
    path, query = path_and_query(response["Location"])
    assert query["esito"] == "ANNULLO"
    page = paying.get(path, query, follow=True)
    assert "Pagamento annullato: la bolletta resta da pagare." in page.content.decode()
    assert Payment.objects.get().state == State.CANCELLED
    assert last_notification() is None
    # and the bill can be paid again
    start(paying, bill)
    assert Payment.objects.filter(state=State.PENDING).count() == 1


def test_sandbox_refuses_a_bad_mac_with_111(paying, bill):
    _url, fields = start(paying, bill)
    fields["importo"] = "100"
    page = gateway_page(paying, fields)
    assert page.status_code == 400
    assert "codiceEsito 111" in page.content.decode()


def test_a_second_pagamento_reuses_the_open_attempt(paying, bill):
    _u, first = start(paying, bill)
    _u, second = start(paying, bill)
    assert first["codTrans"] == second["codTrans"]
    assert Payment.objects.count() == 1


def test_another_user_cannot_open_a_second_attempt(bill, alice, bob):
    from billing.tests.factories import LinkFactory
    from payments.services import PaymentRefused

    LinkFactory(user=bob, contract=bill.contract)
    start_payment(user=alice, bill=bill)
    with pytest.raises(PaymentRefused):
        start_payment(user=bob, bill=bill)


def test_a_stale_attempt_is_replaced(paying, bill, settings):
    settings.PAYMENT_PENDING_MINUTES = 0
    _u, first = start(paying, bill)
    _u, second = start(paying, bill)
    assert first["codTrans"] != second["codTrans"]
    assert Payment.objects.get(code=first["codTrans"]).state == State.CANCELLED


def test_a_late_success_for_a_paid_bill_is_kept_and_flagged(paying, bill):
    _u, fields = start(paying, bill)
    _location, values = choose(paying, fields)
    FeedPaymentFactory(bill_number=bill.number, amount=Decimal("258.00"))  # paid at the bank
    notify(paying, values)
    payment = Payment.objects.get()
    assert payment.state == State.CONFIRMED
    assert payment.needs_refund


def test_nothing_to_pay(paying, alice):
    debit = payable_bill(alice)
    debit.contract.direct_debit = True
    debit.contract.save()
    response = paying.post(reverse("payments:pay", args=[debit.number]), follow=True)
    assert "non ha importi da pagare online" in response.content.decode()
    paid = payable_bill(alice, amount=Decimal("5.00"))
    FeedPaymentFactory(bill_number=paid.number, amount=Decimal("5.00"))
    paying.post(reverse("payments:pay", args=[paid.number]))
    assert not Payment.objects.exists()


def test_payment_pages_of_another_customer_are_404(client, bill, alice, bob):
    client.force_login(alice)
    start(client, bill)
    payment = Payment.objects.get()
    client.force_login(bob)
    linked_contract(bob)
    for name in ("status", "return", "back"):
        assert client.get(reverse(f"payments:{name}", args=[payment.uid])).status_code == 404


def test_the_sandbox_is_off_with_a_real_gateway(paying, bill, settings):
    _url, fields = start(paying, bill)
    settings.PAYMENT_PROVIDER = "xpay"
    settings.XPAY_URL = "https://ecommerce.nexi.it/ecomm/ecomm/DispatcherServlet"
    settings.XPAY_ALIAS = "ALIAS_REAL"
    settings.XPAY_SECRET = "real-secret"
    assert gateway_page(paying, fields).status_code == 404
    from payments.sandbox import merchants

    assert "ALIAS_REAL" not in merchants()
