"""The back-office's payments: list, one payment with its bill, "Rimborsa" (through the
gateway) and "Segna come rimborsato" (a refund made elsewhere). Every view checks its
permission (core.access.staff_required, then refund_payment: 403 for staff who may see the
payment but not refund it) and the service checks it again; every view of a payment is
audited."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import selectors as bill_selectors
from billing.models import Bill
from billing.money import BillStatus, euro
from core import audit
from core.access import staff_required

from . import selectors, services
from .forms import GatewayRefundForm, PaymentSearchForm, RefundForm
from .models import Payment
from .providers import ProviderError, get_provider


@staff_required("payments.view_payment")
def payment_list(request):
    form = PaymentSearchForm(request.GET or None)
    filters = {}
    if form.is_valid():
        filters = {
            "q": form.cleaned_data["q"].strip(),
            "state": form.cleaned_data["stato"],
            "needs_refund": form.cleaned_data["da_rimborsare"],
        }
    page_obj = Paginator(selectors.staff_payments(**filters), 25).get_page(
        request.GET.get("pagina")
    )
    audit.record(
        actor=request.user,
        action="payments.staff_list",
        shown=[str(p.uid) for p in page_obj.object_list],
    )
    rows = [{"payment": p, "amount": euro(p.amount)} for p in page_obj.object_list]
    q = filters.get("q", "")
    bill = Bill.objects.filter(number=q).first() if q else None
    return render(
        request,
        "payments/staff_list.html",
        {"form": form, "page_obj": page_obj, "rows": rows, "found_bill": bill},
    )


def _bill_context(bill):
    paid = services.paid_amount(bill)
    bill_status = bill_selectors.status_of(bill_with_feed(bill))
    return {
        "bill": bill,
        "bill_amount": euro(bill.amount),
        "bill_paid": euro(paid),
        "bill_status": BillStatus(bill_status).label,
        "attempts": [
            {"payment": p, "amount": euro(p.amount)} for p in bill.payments.order_by("-created_at")
        ],
    }


@staff_required("payments.view_payment")
def bill_detail(request, number):
    """One bill as staff see it: amounts, status and every payment attempt."""
    bill = get_object_or_404(Bill.objects.select_related("contract"), number=number)
    audit.record(actor=request.user, action="payments.staff_view_bill", obj=bill)
    return render(request, "payments/staff_bill.html", _bill_context(bill))


def _provider(payment):
    try:
        return get_provider(payment.provider)
    except ProviderError:  # a provider no longer registered
        return None


def _detail(request, payment, *, form=None, gateway_form=None, status=200):
    audit.record(actor=request.user, action="payments.staff_view", obj=payment)
    amount = euro(payment.amount)
    provider = _provider(payment)
    can_refund = (
        request.user.has_perm("payments.refund_payment")
        and payment.state == Payment.State.CONFIRMED
    )
    return render(
        request,
        "payments/staff_detail.html",
        {
            **_bill_context(payment.bill),
            "payment": payment,
            "amount": amount,
            "form": form or RefundForm(),
            "gateway_form": gateway_form or GatewayRefundForm(amount=amount),
            "can_refund": can_refund,
            "refund_online": can_refund and provider is not None and provider.refunds_online,
            "provider_label": provider.label if provider else payment.provider,
            "refund_waiting": services.refund_in_progress(payment),
        },
        status=status,
    )


def bill_with_feed(bill):
    bill.feed_paid = services.paid_amount(bill) - bill.portal_paid
    return bill


@staff_required("payments.view_payment")
def payment_detail(request, uid):
    payment = get_object_or_404(Payment.objects.select_related("bill__contract"), uid=uid)
    return _detail(request, payment)


def _refundable(request, uid):
    """The payment, for staff who may refund (403 for those who may only see it)."""
    if not request.user.has_perm("payments.refund_payment"):
        raise PermissionDenied
    return get_object_or_404(Payment.objects.select_related("bill__contract"), uid=uid)


@staff_required("payments.view_payment")
@require_POST
def refund_online(request, uid):
    """ "Rimborsa": the gateway refunds; the payment becomes refunded only on its signed OK."""
    payment = _refundable(request, uid)
    form = GatewayRefundForm(request.POST, amount=euro(payment.amount))
    if not form.is_valid():
        return _detail(request, payment, gateway_form=form, status=400)
    try:
        payment = services.refund_payment(
            actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
        )
    except services.RefundNotDone as exc:
        messages.error(request, str(exc))
        return redirect("payments:staff_detail", uid=payment.uid)
    messages.success(
        request,
        _("Rimborso eseguito dal gestore (operazione %(operation)s): il pagamento %(code)s è "
          "rimborsato.")
        % {"operation": payment.refund_operation, "code": payment.code},
    )  # fmt: skip
    return redirect("payments:staff_detail", uid=payment.uid)


@staff_required("payments.view_payment")
@require_POST
def refund(request, uid):
    """ "Segna come rimborsato": a refund made elsewhere, recorded; the gateway is not asked."""
    payment = _refundable(request, uid)
    form = RefundForm(request.POST)
    if not form.is_valid():
        return _detail(request, payment, form=form, status=400)
    if payment.state != Payment.State.CONFIRMED:
        messages.error(request, _("Solo un pagamento confermato può essere rimborsato."))
        return redirect("payments:staff_detail", uid=payment.uid)
    try:
        services.mark_refunded(
            actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
        )
    except services.RefundNotDone as exc:
        messages.error(request, str(exc))
        return redirect("payments:staff_detail", uid=payment.uid)
    messages.success(
        request, _("Il pagamento %(code)s è segnato come rimborsato.") % {"code": payment.code}
    )
    return redirect("payments:staff_detail", uid=payment.uid)
