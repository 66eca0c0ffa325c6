"""Reads of payments: a customer reaches a payment only if it is theirs."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from .models import Payment


def get_payment_for_user(user, uid):
    """A payment the user started, on a bill of a contract they still link; 404 otherwise."""
    return get_object_or_404(
        Payment.objects.select_related("bill", "bill__contract"),
        uid=uid,
        user=user,
        bill__contract__links__user=user,
    )


def staff_payments(*, q="", state="", needs_refund=False):
    payments = Payment.objects.select_related("bill", "bill__contract").order_by("-created_at")
    if q:
        payments = payments.filter(Q(code__iexact=q) | Q(bill__number__iexact=q))
    if state:
        payments = payments.filter(state=state)
    if needs_refund:
        payments = payments.filter(needs_refund=True)
    return payments
