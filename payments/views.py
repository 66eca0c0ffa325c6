"""The customer's side of paying a bill: "pagamento", the way to the gateway and back, and
the gateway's server-to-server notification."""

import logging
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from billing import selectors as bill_selectors
from billing.money import euro

from . import selectors, services
from .models import Payment
from .providers import ProviderError, get_provider

log = logging.getLogger(__name__)
State = Payment.State


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@login_required
@require_http_methods(["GET", "POST"])
def pay(request, number):
    """ "pagamento": what is due on the bill (GET), then the attempt and the gateway's form
    (POST). The amount is the server's."""
    bill = bill_selectors.get_bill_for_user(request.user, number)
    outstanding = bill_selectors.outstanding(bill)
    if request.method == "GET":
        payable = not bill.contract.direct_debit and outstanding > 0
        return render(
            request,
            "payments/pay.html",
            {"bill": bill, "outstanding": euro(outstanding), "payable": payable},
        )
    try:
        payment = services.start_payment(user=request.user, bill=bill)
    except services.PaymentRefused as exc:
        messages.error(request, str(exc))
        return redirect("billing:bill", number=bill.number)
    return _to_gateway(request, payment)


def _to_gateway(request, payment):
    form = services.redirect_form(payment)
    response = render(
        request,
        "payments/redirect.html",
        {"payment": payment, "form": form, "amount": euro(payment.amount)},
    )
    # The form posts to the gateway's host: allowed for this page only (django-csp's
    # csp_update, with the origin known only now).
    response._csp_update = {"form-action": [_origin(form["url"])]}
    return response


@login_required
def status(request, uid):
    """Where the customer lands after the gateway: "verifica in corso" until the
    notification decides, then the outcome."""
    payment = selectors.get_payment_for_user(request.user, uid)
    return render(
        request,
        "payments/status.html",
        {
            "payment": payment,
            "amount": euro(payment.amount),
            "waiting": payment.is_open,
            "refresh": payment.is_open,
        },
    )


@login_required
def browser_return(request, uid):
    """XPay's `url`: the browser's return. It never marks a bill paid; a signed outcome
    that says the card was refused is shown while the notification is awaited."""
    payment = selectors.get_payment_for_user(request.user, uid)
    outcome = get_provider(payment.provider).parse_return(request.GET)
    if (
        outcome is not None
        and outcome.code == payment.code
        and outcome.state == State.FAILED
        and payment.is_open
    ):
        messages.error(
            request,
            _("Il pagamento non è riuscito (%(esito)s): la bolletta resta da pagare.")
            % {"esito": outcome.result},
        )
    return redirect("payments:status", uid=payment.uid)


@login_required
def back(request, uid):
    """XPay's `url_back`: the customer chose "Torna al sito dell'esercente", or the gateway
    failed. The bill stays unpaid."""
    payment = selectors.get_payment_for_user(request.user, uid)
    payment = services.process_back(payment=payment, data=request.GET)
    if payment.state == State.CANCELLED:
        messages.warning(request, _("Pagamento annullato: la bolletta resta da pagare."))
    elif payment.state == State.FAILED:
        messages.error(
            request, _("Il pagamento non è riuscito: la bolletta resta da pagare. Puoi riprovare.")
        )
    return redirect("payments:status", uid=payment.uid)


@csrf_exempt
@require_POST
def notify(request, provider):
    """XPay's `urlpost`: the gateway's server-to-server notification, the one that decides.
    200 once processed (again: idempotent); 400 when it cannot be trusted or does not match,
    so that a genuine one is sent again."""
    try:
        services.process_notification(provider_name=provider, data=request.POST)
    except ProviderError as exc:
        log.warning("payment notification refused (%s): %s", provider, exc)
        return HttpResponse("KO", status=400, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")
