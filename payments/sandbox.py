"""The built-in sandbox gateway: a hosted payment page served by the portal that speaks
Nexi XPay's protocol from the gateway's side, so that `make run` can pay and the portal's
xpay code path is exercised end to end.

It accepts XPay's form (alias, importo, divisa, codTrans, url, url_back, urlpost, mail,
languageId, descrizione, mac), refuses a bad MAC with codiceEsito 111 as the real one does,
shows the guide's page ("Riassunto ordine", "Seleziona il metodo di pagamento", "Torna al
sito dell'esercente") with test cards, sends the browser back to `url` (or `url_back`) with
the signed outcome and posts the same outcome to `urlpost` from the worker (tasks.py),
again until it is answered 200.

It also serves XPay's back-office refund API ("storna", JSON) at
/pagamenti/sandbox/ecomm/api/bo/storna: it remembers the transactions it decided
(SandboxTransaction) and refunds an approved one up to its amount, as the real gateway does.
"""

import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.money import euro, from_cents

from . import conf
from .models import SandboxTransaction
from .providers.xpay import (
    API_CURRENCY,
    api_response_mac,
    as_text,
    mac_matches,
    refund_request_mac,
    request_mac,
    response_mac,
)

SIGNING_SALT = "payments.sandbox.order"
ORDER_MAX_AGE = 30 * 60
CODE_RE = re.compile(r"[A-Za-z0-9\-_]{2,30}")
REQUIRED = ("alias", "importo", "divisa", "codTrans", "url", "url_back", "mac")


@dataclass(frozen=True)
class Card:
    number: str
    label: str
    esito: str
    code: str  # codiceEsito
    message: str


# The test cards. Numbers as Nexi's test environment lists them where it has one.
CARDS = {
    "approve": Card("4349 9401 9999 7007", _("approvata"), "OK", "0", "Autorizzazione concessa"),
    "decline": Card(
        "4000 0000 0000 0002", _("rifiutata (103)"), "KO", "103", "Autorizzazione negata"
    ),
    "3ds": Card(
        "4000 0000 0000 3063",
        _("3-D Secure non superato (116)"),
        "KO",
        "116",
        "Autenticazione 3D-Secure fallita",
    ),
    "timeout": Card(
        "4000 0000 0000 0119", _("tempo scaduto (121)"), "ERRORE", "121", "Transazione scaduta"
    ),
    "pending": Card(
        "4000 0000 0000 0077", _("in attesa di esito"), "PEN", "0", "Pagamento in attesa"
    ),
}


def merchants():
    """The aliases this gateway knows, with their MAC keys: its own, and the xpay provider's
    only while that one talks to the sandbox (no XPAY_URL): never a real merchant's key."""
    known = {conf.SANDBOX_ALIAS: conf.sandbox_secret()}
    if not getattr(settings, "XPAY_URL", ""):
        known[conf.xpay_alias()] = conf.xpay_secret()
    return known


def _enabled(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not conf.sandbox_enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _error(request, code, message, status=400):
    return render(
        request,
        "payments/sandbox_error.html",
        {"code": code, "message": message},
        status=status,
    )


def _allowed_return(url):
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def check_order(data):
    """The order's fields if the merchant's form is well formed and signed; else
    (codiceEsito, message)."""
    fields = {
        name: (data.get(name) or "").strip()
        for name in (*REQUIRED, "urlpost", "mail", "descrizione", "languageId")
    }
    if any(not fields[name] for name in REQUIRED):
        return None, ("4", "Parametri mancanti")
    secret = merchants().get(fields["alias"])
    if secret is None:
        return None, ("3", "Alias sconosciuto")
    if not fields["importo"].isdigit() or int(fields["importo"]) <= 0:
        return None, ("4", "Importo non valido")
    if not CODE_RE.fullmatch(fields["codTrans"]):
        return None, ("4", "codTrans non valido")
    expected = request_mac(
        code=fields["codTrans"],
        currency=fields["divisa"],
        amount_cents=fields["importo"],
        secret=secret,
    )
    if not mac_matches(expected, fields["mac"]):
        return None, ("111", "Errore MAC")
    if fields["divisa"] != "EUR":
        return None, ("4", "Divisa non ammessa")
    if not all(_allowed_return(fields[n]) for n in ("url", "url_back")):
        return None, ("4", "URL di ritorno non valido")
    if fields["urlpost"] and not _allowed_return(fields["urlpost"]):
        return None, ("4", "URL di notifica non valido")
    return fields, None


def outcome_fields(order, card, *, now=None):
    """The signed outcome the gateway sends for `order` paid with `card`, as XPay does."""
    now = timezone.localtime(now)
    values = {
        "codTrans": order["codTrans"],
        "esito": card.esito,
        "importo": order["importo"],
        "divisa": order["divisa"],
        "data": now.strftime("%Y%m%d"),
        "orario": now.strftime("%H%M%S"),
        "codAut": secrets.token_hex(3).upper() if card.esito == "OK" else "",
    }
    values["mac"] = response_mac(values, merchants()[order["alias"]])
    values.update(
        {
            "alias": order["alias"],
            "codiceEsito": card.code,
            "messaggio": card.message,
            "mail": order.get("mail", ""),
            "brand": "VISA",
            "pan": card.number.replace(" ", "")[:6] + "******" + card.number[-4:],
            "languageId": "ITA",
        }
    )
    return values


def cancel_fields(order, esito="ANNULLO", *, now=None):
    now = timezone.localtime(now)
    values = {
        "codTrans": order["codTrans"],
        "esito": esito,
        "importo": order["importo"],
        "divisa": order["divisa"],
        "data": now.strftime("%Y%m%d"),
        "orario": now.strftime("%H%M%S"),
        "codAut": "",
    }
    values["mac"] = response_mac(values, merchants()[order["alias"]])
    values["alias"] = order["alias"]
    return values


def _with_query(url, values):
    return f"{url}{'&' if '?' in url else '?'}{urlencode(values)}"


def _summary(order):
    merchant = urlsplit(settings.UTILITY["website"]).netloc or settings.UTILITY["name"]
    return {
        "merchant": merchant.upper(),
        "country": "ITA",
        "code": order["codTrans"],
        "currency": order["divisa"],
        "amount": euro(from_cents(order["importo"])),
        "description": order.get("descrizione", ""),
    }


@csrf_exempt  # the merchant's page posts here, as to any gateway
@_enabled
@require_POST
def gateway(request):
    """The hosted payment page: the merchant's signed form in, the guide's page out."""
    order, problem = check_order(request.POST)
    if problem:
        return _error(request, *problem)
    token = signing.dumps(order, salt=SIGNING_SALT, compress=True)
    return render(
        request,
        "payments/sandbox.html",
        {"order": _summary(order), "token": token, "cards": CARDS, "selected": "approve"},
    )


@_enabled
@require_POST
def gateway_pay(request):
    """The card chosen (or "Torna al sito dell'esercente"): the browser back to the
    merchant with the signed outcome, the notification queued for `urlpost`."""
    from .tasks import notify_merchant

    try:
        order = signing.loads(
            request.POST.get("token", ""), salt=SIGNING_SALT, max_age=ORDER_MAX_AGE
        )
    except signing.BadSignature:
        return _error(request, "4", "Sessione di pagamento scaduta")
    if "annulla" in request.POST:
        return HttpResponseRedirect(_with_query(order["url_back"], cancel_fields(order)))
    card = CARDS.get(request.POST.get("carta", ""))
    if card is None:
        return render(
            request,
            "payments/sandbox.html",
            {
                "order": _summary(order),
                "token": request.POST["token"],
                "cards": CARDS,
                "error": _("Seleziona una carta di prova."),
            },
            status=400,
        )
    values = outcome_fields(order, card)
    remember(order, card)
    if order.get("urlpost"):
        notify_merchant.using(
            run_after=timezone.now() + timedelta(seconds=conf.sandbox_notify_delay())
        ).enqueue(order["urlpost"], values)
    target = order["url_back"] if card.esito == "ERRORE" else order["url"]
    return HttpResponseRedirect(_with_query(target, values))


def remember(order, card):
    """Keep the decided transaction, for the refund API (a real gateway knows its own). An
    approved one stays approved (the page sent again after paying changes nothing)."""
    found, created = SandboxTransaction.objects.get_or_create(
        code=order["codTrans"],
        defaults={
            "alias": order["alias"],
            "amount_cents": int(order["importo"]),
            "esito": card.esito,
        },
    )
    if not created and found.esito != "OK":
        SandboxTransaction.objects.filter(pk=found.pk).update(esito=card.esito)


# The refund API's refusals: (codice, messaggio). The sandbox's own codes, in the spirit of
# the real ones; Nexi's list may differ.
STORNA_ERRORS = {
    "params": ("2", "Parametri mancanti o non validi"),
    "alias": ("3", "Alias sconosciuto"),
    "mac": ("111", "Errore MAC"),
    "unknown": ("20", "Transazione non presente"),
    "not_approved": ("40", "Transazione non autorizzata: nulla da stornare"),
    "too_much": ("41", "Importo superiore al residuo stornabile"),
}
STORNA_FIELDS = ("apiKey", "codiceTransazione", "importo", "divisa", "timeStamp", "mac")


def storna_answer(esito, secret, *, operation="", error=None):
    """The signed JSON answer of the refund API (unsigned when the alias is unknown)."""
    timestamp = str(int(time.time() * 1000))
    body = {"esito": esito, "idOperazione": operation, "timeStamp": timestamp}
    body["mac"] = (
        api_response_mac(esito=esito, operation=operation, timestamp=timestamp, secret=secret)
        if secret
        else ""
    )
    if error:
        body["errore"] = {"codice": error[0], "messaggio": error[1]}
    return JsonResponse(body)


def storna_decide(data):
    """The refund asked by `data` (the request's JSON): (esito, secret, operation, error)."""
    if not isinstance(data, dict):
        return "KO", "", "", STORNA_ERRORS["params"]
    fields = {name: as_text(data.get(name)).strip() for name in STORNA_FIELDS}
    secret = merchants().get(fields["apiKey"])
    if secret is None:
        return "KO", "", "", STORNA_ERRORS["alias"]
    if any(not fields[name] for name in STORNA_FIELDS):
        return "KO", secret, "", STORNA_ERRORS["params"]
    expected = refund_request_mac(
        alias=fields["apiKey"],
        code=fields["codiceTransazione"],
        currency=fields["divisa"],
        amount_cents=fields["importo"],
        timestamp=fields["timeStamp"],
        secret=secret,
    )
    if not mac_matches(expected, fields["mac"]):
        return "KO", secret, "", STORNA_ERRORS["mac"]
    amount = fields["importo"]
    if not amount.isdigit() or int(amount) <= 0 or fields["divisa"] != API_CURRENCY:
        return "KO", secret, "", STORNA_ERRORS["params"]
    with transaction.atomic():
        found = (
            SandboxTransaction.objects.select_for_update()
            .filter(code=fields["codiceTransazione"], alias=fields["apiKey"])
            .first()
        )
        if found is None:
            return "KO", secret, "", STORNA_ERRORS["unknown"]
        if found.esito != "OK":
            return "KO", secret, "", STORNA_ERRORS["not_approved"]
        # One conditional UPDATE: two refunds at once cannot both fit (also on SQLite, where
        # select_for_update is a no-op).
        done = SandboxTransaction.objects.filter(
            pk=found.pk, refunded_cents__lte=F("amount_cents") - int(amount)
        ).update(refunded_cents=F("refunded_cents") + int(amount))
        if not done:
            return "KO", secret, "", STORNA_ERRORS["too_much"]
    return "OK", secret, str(secrets.randbelow(10**9) + 10**9), None


@csrf_exempt  # a server-to-server API, signed
@_enabled
@require_POST
def storna(request):
    """XPay's "storno/rimborso" back-office API, from the gateway's side."""
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        data = None
    esito, secret, operation, error = storna_decide(data)
    return storna_answer(esito, secret, operation=operation, error=error)
