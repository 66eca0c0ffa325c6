"""The sandbox's refund API (XPay's "storna", from the gateway's side) and the xpay provider
test each other: the sandbox checks the provider's requests, the provider checks the
sandbox's signed answers; and over HTTP, with PAYMENT_PROVIDER=sandbox, "Rimborsa" goes the
whole real way."""

import hashlib
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Bill
from payments import conf
from payments.models import Payment, SandboxTransaction
from payments.providers import Refunded, RefundFailed, get_provider
from payments.providers.xpay import read_refund_answer
from payments.services import RefundNotDone, refund_payment

from .helpers import choose, notify, payable_bill, start

STORNA = "/pagamenti/sandbox/ecomm/api/bo/storna"


def paid(client, user, card="approve", amount="50.00", provider="sandbox"):
    """A payment made on the sandbox's page with `card` and notified: the sandbox knows it."""
    bill = payable_bill(user, amount=Decimal(amount))
    client.force_login(user)
    _url, fields = start(client, bill)
    _location, values = choose(client, fields, card)
    assert notify(client, values, provider).status_code == 200
    return Payment.objects.get(code=fields["codTrans"])


def storna(client, body):
    response = client.post(STORNA, json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    return response.json()


def by_hand(code, importo, timestamp="1764670530000", alias=conf.SANDBOX_ALIAS, secret=None):
    """A storna request signed here with hashlib (not with the code under test)."""
    secret = secret or conf.sandbox_secret()
    text = (
        f"apiKey={alias}codiceTransazione={code}divisa=978importo={importo}"
        f"timeStamp={timestamp}{secret}"
    )
    return {
        "apiKey": alias,
        "codiceTransazione": code,
        "importo": importo,
        "divisa": "978",
        "timeStamp": timestamp,
        "mac": hashlib.sha1(text.encode()).hexdigest(),  # noqa: S324 - XPay's MAC
    }


def signed_by_sandbox(body):
    """The answer's MAC, recomputed here with hashlib."""
    text = f"esito={body['esito']}idOperazione={body['idOperazione']}timeStamp={body['timeStamp']}"
    expected = hashlib.sha1((text + conf.sandbox_secret()).encode()).hexdigest()  # noqa: S324
    return body["mac"] == expected


pytestmark = pytest.mark.django_db


def test_the_path_is_the_real_api_s():
    assert reverse("payments:sandbox_storna") == STORNA
    assert STORNA.endswith(conf.STORNA_PATH)


def test_a_hand_signed_refund_then_a_second_is_refused(client, alice):
    payment = paid(client, alice)
    first = storna(client, by_hand(payment.code, "5000"))
    assert first["esito"] == "OK" and first["idOperazione"]
    assert signed_by_sandbox(first)
    assert SandboxTransaction.objects.get(code=payment.code).refunded_cents == 5000
    second = storna(client, by_hand(payment.code, "5000", timestamp="1764670540000"))
    assert second["esito"] == "KO"
    assert second["errore"] == {
        "codice": "41",
        "messaggio": "Importo superiore al residuo stornabile",
    }
    assert signed_by_sandbox(second)


def test_partial_refunds_up_to_the_amount(client, alice):
    payment = paid(client, alice)
    assert storna(client, by_hand(payment.code, "2000"))["esito"] == "OK"
    assert storna(client, by_hand(payment.code, "3001"))["esito"] == "KO"
    assert storna(client, by_hand(payment.code, "3000"))["esito"] == "OK"
    assert storna(client, by_hand(payment.code, "1"))["esito"] == "KO"


def test_a_bad_mac_is_refused_like_the_real_one(client, alice):
    payment = paid(client, alice)
    body = {**by_hand(payment.code, "5000"), "mac": "0" * 40}
    answer = storna(client, body)
    assert answer["esito"] == "KO"
    assert answer["errore"] == {"codice": "111", "messaggio": "Errore MAC"}
    assert signed_by_sandbox(answer)
    tampered = {**by_hand(payment.code, "5000"), "importo": "4999"}
    assert storna(client, tampered)["errore"]["codice"] == "111"
    assert SandboxTransaction.objects.get(code=payment.code).refunded_cents == 0


def test_unknown_and_not_approved_transactions(client, alice, bob):
    answer = storna(client, by_hand("SP000000UNKNOWN", "5000"))
    assert (answer["esito"], answer["errore"]["codice"]) == ("KO", "20")
    declined = paid(client, bob, card="decline")
    answer = storna(client, by_hand(declined.code, "5000"))
    assert (answer["esito"], answer["errore"]["codice"]) == ("KO", "40")


def test_an_unknown_alias_gets_an_unsigned_ko(client):
    answer = storna(client, by_hand("SP1", "5000", alias="ALIAS_ALTRO"))
    assert (answer["esito"], answer["mac"]) == ("KO", "")
    assert answer["errore"]["codice"] == "3"


def test_nonsense_is_refused(client):
    response = client.post(STORNA, "non json", content_type="application/json")
    assert response.json()["esito"] == "KO"
    assert client.get(STORNA).status_code == 405


def test_the_provider_request_is_accepted_and_its_answer_believed(client, alice):
    payment = paid(client, alice)
    provider = get_provider("sandbox")
    assert provider.refund_request(payment, timestamp=1764670530000) == by_hand(
        payment.code, "5000"
    )
    answer = storna(client, provider.refund_request(payment))
    assert read_refund_answer(answer, provider.secret()).operation == answer["idOperazione"]
    again = storna(client, provider.refund_request(payment))
    with pytest.raises(RefundFailed) as failed:
        read_refund_answer(again, provider.secret())
    assert (failed.value.kind, failed.value.code) == ("ko", "41")


def test_closed_with_a_real_gateway(client, settings, alice):
    payment = paid(client, alice)
    settings.PAYMENT_PROVIDER = "xpay"
    settings.XPAY_URL = "https://int-ecommerce.nexi.it/ecomm/ecomm/DispatcherServlet"
    response = client.post(
        STORNA, json.dumps(by_hand(payment.code, "5000")), content_type="application/json"
    )
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_rimborsa_goes_over_http_to_the_sandbox(live_server, settings, client, alice):
    from accounts.staff import ROLE_ADMIN
    from accounts.tests.factories import staff_member
    from core.models import AuditEvent

    settings.PUBLIC_URL = live_server.url
    settings.PAYMENT_PROVIDER = "sandbox"
    payment = paid(client, alice)
    assert payment.state == Payment.State.CONFIRMED
    admin = staff_member(ROLE_ADMIN)
    refunded = refund_payment(actor=admin, payment=payment, reason="Pagata due volte")
    assert refunded.state == Payment.State.REFUNDED
    assert refunded.refund_operation
    assert Bill.objects.get().portal_paid == 0
    assert SandboxTransaction.objects.get(code=payment.code).refunded_cents == 5000
    assert AuditEvent.objects.get(action="payments.refunded").detail["operation"] == (
        refunded.refund_operation
    )
    # The portal refuses a second one; asked directly, the sandbox refuses it too.
    with pytest.raises(RefundNotDone):
        refund_payment(actor=admin, payment=refunded, reason="ancora")
    with pytest.raises(RefundFailed) as failed:
        get_provider("sandbox").refund(refunded)
    assert (failed.value.kind, failed.value.code) == ("ko", "41")


@pytest.mark.django_db(transaction=True)
def test_xpay_without_configuration_refunds_at_the_sandbox(live_server, settings, client, alice):
    settings.PUBLIC_URL = live_server.url
    settings.PAYMENT_PROVIDER = "xpay"
    payment = paid(client, alice, provider="xpay")
    assert payment.provider == "xpay"
    assert isinstance(get_provider("xpay").refund(payment), Refunded)
