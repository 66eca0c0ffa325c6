"""Nexi XPay "pagamento semplice" (hosted payment page), as Nexi's own samples speak it.

Start: the browser POSTs hidden fields to XPAY_URL: alias, importo (euro cents, no
separator), divisa=EUR, codTrans (unique per attempt, 2-30 characters), url (browser return,
GET), url_back (cancel or error), urlpost (server-to-server notification, POST), mail,
languageId=ITA, descrizione and mac = lowercase hex SHA-1 of
"codTrans=<codTrans>divisa=<divisa>importo=<importo><secret>".

Outcome (to url and urlpost, and to url_back): codTrans, esito (OK/KO/ANNULLO/ERRORE/PEN),
importo, divisa, data, orario, codAut, mac and more; mac = SHA-1 of
"codTrans=…esito=…importo=…divisa=…data=…orario=…codAut=…<secret>", compared in constant time.
"""

import hashlib
import hmac

from django.urls import reverse

from .. import conf
from ..models import Payment
from .base import Outcome, Provider, ProviderError

CURRENCY = "EUR"
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


class XPayProvider(Provider):
    name = "xpay"
    label = "Nexi XPay"

    def url(self):
        return conf.xpay_url()

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


class SandboxProvider(XPayProvider):
    """The same protocol, always against the portal's built-in gateway (payments.sandbox)."""

    name = "sandbox"
    label = "Sandbox"

    def url(self):
        return conf.sandbox_url()

    def alias(self):
        return conf.SANDBOX_ALIAS

    def secret(self):
        return conf.sandbox_secret()
