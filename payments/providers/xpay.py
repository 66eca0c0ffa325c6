"""Nexi XPay "pagamento semplice" (hosted payment page), as Nexi's own samples speak it.

Start: the browser POSTs hidden fields to XPAY_URL: alias, importo (euro cents, no
separator), divisa=EUR, codTrans (unique per attempt, 2-30 characters), url (browser return,
GET), url_back (cancel or error), urlpost (server-to-server notification, POST), mail,
languageId=ITA, descrizione and mac = lowercase hex SHA-1 of
"codTrans=<codTrans>divisa=<divisa>importo=<importo><secret>".

Outcome (to url and urlpost, and to url_back): codTrans, esito (OK/KO/ANNULLO/ERRORE/PEN),
importo, divisa, data, orario, codAut, mac and more; mac = SHA-1 of
"codTrans=…esito=…importo=…divisa=…data=…orario=…codAut=…<secret>", compared in constant time.

Refund ("storno/rimborso", XPay's back-office API, as Nexi's samples call it): POST JSON to
XPAY_API_URL with apiKey (the alias), codiceTransazione (our codTrans), importo (cents, a
string), divisa ("978": this API names the currency by its ISO 4217 number), timeStamp (ms
since the epoch) and mac = SHA-1 of "apiKey=…codiceTransazione=…divisa=…importo=…timeStamp=…
<secret>". The answer: esito (OK/KO), idOperazione, timeStamp, mac = SHA-1 of
"esito=…idOperazione=…timeStamp=…<secret>" and, on KO, errore {codice, messaggio}.
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.urls import reverse

from .. import conf
from ..models import Payment
from .base import Outcome, Provider, ProviderError, Refunded, RefundFailed

CURRENCY = "EUR"
API_CURRENCY = "978"  # EUR, as the back-office API names it
MAX_ANSWER_BYTES = 64 * 1024
ESITO_STATES = {
    "OK": Payment.State.CONFIRMED,
    "KO": Payment.State.FAILED,
    "ERRORE": Payment.State.FAILED,
    "ANNULLO": Payment.State.CANCELLED,
    "PEN": "",
}
RESPONSE_FIELDS = ("codTrans", "esito", "importo", "divisa", "data", "orario", "codAut")


def sha1_hex(text):
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()  # noqa: S324 - XPay's MAC


def request_mac(*, code, currency, amount_cents, secret):
    return sha1_hex(f"codTrans={code}divisa={currency}importo={amount_cents}{secret}")


def response_mac(values, secret):
    """values: a mapping with RESPONSE_FIELDS."""
    text = "".join(f"{name}={values.get(name, '')}" for name in RESPONSE_FIELDS)
    return sha1_hex(text + secret)


def mac_matches(expected, given):
    return hmac.compare_digest(expected.encode(), (given or "").strip().lower().encode())


def refund_request_mac(*, alias, code, currency, amount_cents, timestamp, secret):
    return sha1_hex(
        f"apiKey={alias}codiceTransazione={code}divisa={currency}"
        f"importo={amount_cents}timeStamp={timestamp}{secret}"
    )


def api_response_mac(*, esito, operation, timestamp, secret):
    return sha1_hex(f"esito={esito}idOperazione={operation}timeStamp={timestamp}{secret}")


def as_text(value):
    """A JSON value as the gateway's MAC reads it: null is empty, numbers as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def post_json(url, payload, *, timeout):
    """POST `payload` as JSON to `url`; the decoded answer (a dict). An HTTP error whose body
    is the API's JSON is read like any answer. Raises RefundFailed: "unreachable" when no
    connection was made, "timeout", or "bad_response"."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise RefundFailed("unreachable", message="URL non http(s)")
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as exc:
        body = exc.read(MAX_ANSWER_BYTES) if exc.fp else b""
        status = exc.code
        exc.close()
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if isinstance(answer, dict) and "esito" in answer:
            return answer
        raise RefundFailed("bad_response", code=f"HTTP {status}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise RefundFailed("timeout") from None
        raise RefundFailed("unreachable", message=type(exc.reason).__name__) from None
    except TimeoutError:
        raise RefundFailed("timeout") from None
    except OSError as exc:  # the connection broke once the request was sent
        raise RefundFailed("bad_response", message=type(exc).__name__) from None
    try:
        answer = json.loads(body)
    except ValueError:
        raise RefundFailed("bad_response", message="JSON non valido") from None
    if not isinstance(answer, dict):
        raise RefundFailed("bad_response", message="JSON non valido")
    return answer


def read_refund_answer(answer, secret):
    """The storna API's answer, its signature checked: a Refunded, else RefundFailed."""
    esito = as_text(answer.get("esito"))
    operation = as_text(answer.get("idOperazione"))
    expected = api_response_mac(
        esito=esito, operation=operation, timestamp=as_text(answer.get("timeStamp")), secret=secret
    )
    if not mac_matches(expected, as_text(answer.get("mac"))):
        raise RefundFailed("bad_mac")
    if esito == "OK" and operation:
        return Refunded(operation=operation[:40])
    if esito == "KO":
        error = answer.get("errore")
        error = error if isinstance(error, dict) else {}
        raise RefundFailed(
            "ko", code=as_text(error.get("codice")), message=as_text(error.get("messaggio"))
        )
    raise RefundFailed("bad_response", message=f"esito {esito[:10]!r}")


class XPayProvider(Provider):
    name = "xpay"
    label = "Nexi XPay"
    refunds_online = True

    def url(self):
        return conf.xpay_url()

    def api_url(self):
        return conf.xpay_api_url()

    def alias(self):
        return conf.xpay_alias()

    def secret(self):
        return conf.xpay_secret()

    def start(self, payment, *, email):
        from billing.money import cents

        amount = cents(payment.amount)
        fields = {
            "alias": self.alias(),
            "importo": str(amount),
            "divisa": CURRENCY,
            "codTrans": payment.code,
            "url": conf.public_url(reverse("payments:return", args=[payment.uid])),
            "url_back": conf.public_url(reverse("payments:back", args=[payment.uid])),
            "urlpost": conf.public_url(reverse("payments:notify", args=[self.name])),
            "mail": email,
            "languageId": "ITA",
            "descrizione": f"Bolletta {payment.bill.number}"[:100],
            "mac": request_mac(
                code=payment.code, currency=CURRENCY, amount_cents=amount, secret=self.secret()
            ),
        }
        return {"url": self.url(), "fields": fields}

    def _outcome(self, data):
        values = {name: (data.get(name) or "").strip() for name in RESPONSE_FIELDS}
        if not mac_matches(response_mac(values, self.secret()), data.get("mac")):
            raise ProviderError("bad mac")
        esito = values["esito"].upper()
        if esito not in ESITO_STATES:
            raise ProviderError("unknown esito")
        if not values["importo"].isdigit():
            raise ProviderError("bad importo")
        return Outcome(
            code=values["codTrans"],
            state=ESITO_STATES[esito],
            amount_cents=int(values["importo"]),
            currency=values["divisa"],
            reference=values["codAut"],
            result=f"{esito} {(data.get('codiceEsito') or '').strip()}".strip()[:40],
            extra={"messaggio": (data.get("messaggio") or "")[:200]},
        )

    def parse_return(self, data):
        try:
            return self._outcome(data)
        except ProviderError:
            return None

    def parse_notification(self, data):
        return self._outcome(data)

    def refund_request(self, payment, *, timestamp=None):
        """The storna API's request for the whole of `payment` (a dict, sent as JSON)."""
        from billing.money import cents

        timestamp = str(timestamp if timestamp is not None else int(time.time() * 1000))
        amount = str(cents(payment.amount))
        return {
            "apiKey": self.alias(),
            "codiceTransazione": payment.code,
            "importo": amount,
            "divisa": API_CURRENCY,
            "timeStamp": timestamp,
            "mac": refund_request_mac(
                alias=self.alias(),
                code=payment.code,
                currency=API_CURRENCY,
                amount_cents=amount,
                timestamp=timestamp,
                secret=self.secret(),
            ),
        }

    def refund(self, payment):
        answer = post_json(self.api_url(), self.refund_request(payment), timeout=conf.API_TIMEOUT)
        return read_refund_answer(answer, self.secret())


class SandboxProvider(XPayProvider):
    """The same protocol, always against the portal's built-in gateway (payments.sandbox)."""

    name = "sandbox"
    label = "Sandbox"

    def url(self):
        return conf.sandbox_url()

    def api_url(self):
        return conf.sandbox_api_url()

    def alias(self):
        return conf.SANDBOX_ALIAS

    def secret(self):
        return conf.sandbox_secret()
