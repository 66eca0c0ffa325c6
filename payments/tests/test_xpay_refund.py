"""XPay's refund API ("storna") from the merchant's side: MACs against vectors computed
outside the code under test, the request it sends, and every answer it may get over HTTP
(OK, KO, a bad signature, an HTTP error, no answer in time, nobody listening)."""

from decimal import Decimal

import pytest

from payments import conf
from payments.models import Payment
from payments.providers import Refunded, RefundFailed
from payments.providers.xpay import XPayProvider, api_response_mac, refund_request_mac

from .conftest import ALIAS, SECRET, answer

# printf '%s' 'apiKey=ALIAS_WEB_TESTcodiceTransazione=TESTPS_1234divisa=978importo=25800
#   timeStamp=1764670530000esempiodicalcolomac' | sha1sum   (one line; the same with
#   python3 -c "import hashlib; print(hashlib.sha1(b'apiKey=…').hexdigest())")
REQUEST_VECTOR = "fb64d0ba3ffce729a00799c43e0b4b11999902c7"
# printf '%s' 'esito=OKidOperazione=123456789timeStamp=1764670531000esempiodicalcolomac' | sha1sum
OK_VECTOR = "2cb64cbeb631d78b793a95e911aa47fa7a609fbf"
# printf '%s' 'esito=KOidOperazione=123456790timeStamp=1764670532000esempiodicalcolomac' | sha1sum
KO_VECTOR = "8899daeb47b12a4425a00167b77282317ff8c627"


def test_request_mac_vector():
    mac = refund_request_mac(
        alias=ALIAS,
        code="TESTPS_1234",
        currency="978",
        amount_cents="25800",
        timestamp="1764670530000",
        secret=SECRET,
    )
    assert mac == REQUEST_VECTOR


def test_answer_mac_vectors():
    ok = api_response_mac(
        esito="OK", operation="123456789", timestamp="1764670531000", secret=SECRET
    )
    ko = api_response_mac(
        esito="KO", operation="123456790", timestamp="1764670532000", secret=SECRET
    )
    assert (ok, ko) == (OK_VECTOR, KO_VECTOR)


@pytest.fixture
def provider(xpay_settings):
    return XPayProvider()


@pytest.fixture
def payment():
    return Payment(code="TESTPS_1234", amount=Decimal("258.00"), provider="xpay")


def test_the_request_speaks_storna(provider, payment):
    request = provider.refund_request(payment, timestamp=1764670530000)
    assert request == {
        "apiKey": "ALIAS_WEB_TEST",
        "codiceTransazione": "TESTPS_1234",
        "importo": "25800",
        "divisa": "978",
        "timeStamp": "1764670530000",
        "mac": REQUEST_VECTOR,
    }


def test_api_url_follows_xpay_url_unless_set(settings):
    settings.XPAY_API_URL = ""
    settings.XPAY_URL = "https://ecommerce.nexi.it/ecomm/ecomm/DispatcherServlet"
    assert conf.xpay_api_url() == "https://ecommerce.nexi.it/ecomm/api/bo/storna"
    settings.XPAY_URL = "https://int-ecommerce.nexi.it/ecomm/ecomm/DispatcherServlet"
    assert conf.xpay_api_url() == "https://int-ecommerce.nexi.it/ecomm/api/bo/storna"
    settings.XPAY_API_URL = "https://proxy.example.it/storna"
    assert conf.xpay_api_url() == "https://proxy.example.it/storna"
    settings.XPAY_API_URL = settings.XPAY_URL = ""
    settings.PUBLIC_URL = "https://sportello.example.it"
    assert conf.xpay_api_url() == (
        "https://sportello.example.it/pagamenti/sandbox/ecomm/api/bo/storna"
    )


def test_ok(provider, payment, fake_gateway):
    fake_gateway.reply(answer("OK", "123456789", "1764670531000", mac=OK_VECTOR))
    assert provider.refund(payment) == Refunded(operation="123456789")
    [sent] = fake_gateway.requests
    assert sent["path"] == "/ecomm/api/bo/storna"
    assert sent["content_type"] == "application/json"
    body = sent["json"]
    assert {k: body[k] for k in ("apiKey", "codiceTransazione", "importo", "divisa")} == {
        "apiKey": "ALIAS_WEB_TEST",
        "codiceTransazione": "TESTPS_1234",
        "importo": "25800",
        "divisa": "978",
    }
    import hashlib

    text = (
        f"apiKey=ALIAS_WEB_TESTcodiceTransazione=TESTPS_1234divisa=978importo=25800"
        f"timeStamp={body['timeStamp']}{SECRET}"
    )
    assert body["mac"] == hashlib.sha1(text.encode()).hexdigest()  # noqa: S324


def test_numbers_in_the_answer_are_read_as_written(provider, payment, fake_gateway):
    import json

    fake_gateway.reply(
        json.dumps(
            {"esito": "OK", "idOperazione": 123456789, "timeStamp": 1764670531000, "mac": OK_VECTOR}
        ).encode()
    )
    assert provider.refund(payment).operation == "123456789"


def test_ko_carries_the_gateway_reason(provider, payment, fake_gateway):
    fake_gateway.reply(
        answer(
            "KO",
            "123456790",
            "1764670532000",
            mac=KO_VECTOR,
            errore={"codice": 41, "messaggio": "Importo superiore al residuo stornabile"},
        )
    )
    with pytest.raises(RefundFailed) as failed:
        provider.refund(payment)
    assert failed.value.kind == "ko"
    assert failed.value.code == "41"
    assert failed.value.message == "Importo superiore al residuo stornabile"


@pytest.mark.parametrize(
    "body",
    [
        answer("OK", "123456789", "1764670531000", mac="0" * 40),
        answer("OK", "999999999", "1764670531000", mac=OK_VECTOR),  # another operation
        answer("OK", "123456789", "1764670539999", mac=OK_VECTOR),  # another time
        answer("OK", "123456789", "1764670531000", mac=""),
        answer("KO", "123456790", "1764670532000", mac=OK_VECTOR, errore={"codice": "1"}),
    ],
    ids=["zeros", "operation", "timestamp", "missing", "ko-unsigned"],
)
def test_a_bad_answer_signature_is_not_believed(provider, payment, fake_gateway, body):
    fake_gateway.reply(body)
    with pytest.raises(RefundFailed) as failed:
        provider.refund(payment)
    assert failed.value.kind == "bad_mac"


def test_the_secret_is_checked_not_just_the_shape(provider, payment, fake_gateway, settings):
    settings.XPAY_SECRET = "un'altra chiave"
    fake_gateway.reply(answer("OK", "123456789", "1764670531000", mac=OK_VECTOR))
    with pytest.raises(RefundFailed) as failed:
        provider.refund(payment)
    assert failed.value.kind == "bad_mac"


@pytest.mark.parametrize(
    ("body", "status", "content_type"),
    [
        (b"<html>Service Unavailable</html>", 503, "text/html"),
        (b"non json", 200, "text/plain"),
        (b"[1, 2]", 200, "application/json"),
    ],
)
def test_an_answer_that_is_not_the_api_s(
    provider, payment, fake_gateway, body, status, content_type
):
    fake_gateway.reply(body, status=status, content_type=content_type)
    with pytest.raises(RefundFailed) as failed:
        provider.refund(payment)
    assert failed.value.kind == "bad_response"


def test_a_signed_ko_with_an_http_error_status_is_read(provider, payment, fake_gateway):
    fake_gateway.reply(
        answer("KO", "123456790", "1764670532000", mac=KO_VECTOR, errore={"codice": "2"}),
        status=400,
    )
    with pytest.raises(RefundFailed) as failed:
        provider.refund(payment)
    assert (failed.value.kind, failed.value.code) == ("ko", "2")


def test_no_answer_in_time(provider, payment, fake_gateway, monkeypatch):
    monkeypatch.setattr(conf, "API_TIMEOUT", 0.3)
    fake_gateway.reply(delay=1.5)
    with pytest.raises(RefundFailed) as failed:
        provider.refund(payment)
    assert failed.value.kind == "timeout"


def test_nobody_listening(provider, payment, settings, closed_port_url):
    settings.XPAY_API_URL = closed_port_url
    with pytest.raises(RefundFailed) as failed:
        provider.refund(payment)
    assert failed.value.kind == "unreachable"
