"""The XPay protocol: MACs against vectors computed outside the code under test (sha1sum),
the start form's fields, the outcome's checks."""

from decimal import Decimal

import pytest

from payments.providers import ProviderError
from payments.providers.xpay import XPayProvider, request_mac, response_mac

# printf '%s' 'codTrans=TESTPS_1234divisa=EURimporto=25800esempiodicalcolomac' | sha1sum
REQUEST_VECTOR = "0a361f4ec6b167c0547f6d7db54389e49eaad6c7"
# printf '%s' 'codTrans=TESTPS_1234esito=OKimporto=25800divisa=EURdata=20261202orario=101530
#   codAut=A1B2C3esempiodicalcolomac' | sha1sum   (one line)
RESPONSE_VECTOR = "5acd3f9e2a206272f894e003cf1cb08f783d53b4"
SECRET = "esempiodicalcolomac"
RESPONSE = {
    "codTrans": "TESTPS_1234",
    "esito": "OK",
    "importo": "25800",
    "divisa": "EUR",
    "data": "20261202",
    "orario": "101530",
    "codAut": "A1B2C3",
}


def test_request_mac_vector():
    mac = request_mac(code="TESTPS_1234", currency="EUR", amount_cents=25800, secret=SECRET)
    assert mac == REQUEST_VECTOR


def test_response_mac_vector():
    assert response_mac(RESPONSE, SECRET) == RESPONSE_VECTOR


@pytest.fixture
def provider(settings):
    settings.XPAY_URL = "https://int-ecommerce.nexi.it/ecomm/ecomm/DispatcherServlet"
    settings.XPAY_ALIAS = "ALIAS_WEB_TEST"
    settings.XPAY_SECRET = SECRET
    return XPayProvider()


def test_a_signed_outcome_is_read(provider):
    outcome = provider.parse_notification({**RESPONSE, "mac": RESPONSE_VECTOR.upper()})
    assert outcome.code == "TESTPS_1234"
    assert outcome.state == "confirmed"
    assert outcome.amount_cents == 25800
    assert outcome.reference == "A1B2C3"


@pytest.mark.parametrize(
    "change",
    [{"importo": "25801"}, {"esito": "KO"}, {"codAut": "X"}, {"codTrans": "OTHER"}, {"mac": ""}],
)
def test_a_tampered_outcome_is_refused(provider, change):
    data = {**RESPONSE, "mac": RESPONSE_VECTOR, **change}
    with pytest.raises(ProviderError):
        provider.parse_notification(data)
    assert provider.parse_return(data) is None


@pytest.mark.django_db
def test_start_form_speaks_xpay(provider, alice, settings):
    from payments.models import Payment
    from payments.tests.helpers import payable_bill

    settings.PUBLIC_URL = "https://sportello.example.it"
    bill = payable_bill(alice, amount=Decimal("258.00"))
    payment = Payment.objects.create(
        bill=bill, user=alice, provider="xpay", amount=Decimal("258.00"), code="SP2612021A2B3C"
    )
    form = provider.start(payment, email="alice@example.com")
    fields = form["fields"]
    assert form["url"] == "https://int-ecommerce.nexi.it/ecomm/ecomm/DispatcherServlet"
    assert fields["alias"] == "ALIAS_WEB_TEST"
    assert fields["importo"] == "25800"
    assert fields["divisa"] == "EUR"
    assert fields["codTrans"] == "SP2612021A2B3C"
    assert fields["languageId"] == "ITA"
    assert fields["mail"] == "alice@example.com"
    assert fields["url"].startswith("https://sportello.example.it/pagamenti/")
    assert fields["urlpost"] == "https://sportello.example.it/pagamenti/notifica/xpay/"
    import hashlib

    text = f"codTrans=SP2612021A2B3Cdivisa=EURimporto=25800{SECRET}"
    expected = hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - XPay's MAC
    assert fields["mac"] == expected


@pytest.mark.django_db
def test_the_page_to_the_gateway_may_post_there(provider, alice, client, settings):
    from django.urls import reverse

    from payments.tests.helpers import payable_bill

    settings.PAYMENT_PROVIDER = "xpay"
    bill = payable_bill(alice)
    client.force_login(alice)
    response = client.post(reverse("payments:pay", args=[bill.number]))
    policy = response["Content-Security-Policy"]
    assert "https://int-ecommerce.nexi.it" in policy.split("form-action")[1].split(";")[0]
    assert 'action="https://int-ecommerce.nexi.it/ecomm/ecomm/DispatcherServlet"' in (
        response.content.decode()
    )
