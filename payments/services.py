"""Writes of payments: starting an attempt, its one state function, the gateway's messages
and refunds. Every function is keyword-only and names its side effects."""

import logging
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Bill, FeedPayment
from billing.money import can_pay_online, cents, euro
from core import audit
from core.outbox import queue_message

from . import conf
from .models import Payment
from .providers import ProviderError, get_provider

log = logging.getLogger(__name__)
State = Payment.State
ZERO = Bill._meta.get_field("portal_paid").to_python("0.00")

# Which moves set_payment_state() allows. A success that comes late (after a failure, a
# cancellation or an expired attempt) is recorded, never lost; nothing undoes a success but
# a refund.
TRANSITIONS = {
    State.CREATED: {State.PENDING, State.CONFIRMED, State.FAILED, State.CANCELLED},
    State.PENDING: {State.CONFIRMED, State.FAILED, State.CANCELLED},
    State.FAILED: {State.CONFIRMED},
    State.CANCELLED: {State.CONFIRMED},
    State.CONFIRMED: {State.REFUNDED},
    State.REFUNDED: set(),
}


class PaymentRefused(Exception):
    """The customer cannot pay this bill now; the message says why, in Italian."""


class InvalidTransition(Exception):
    pass


def new_code():
    """A codTrans: unique per attempt, 2-30 characters (here 20)."""
    return f"SP{timezone.localdate():%y%m%d}{secrets.token_hex(6).upper()}"


def paid_amount(bill):
    """What the feed's payments and the portal's confirmed payments make for `bill` now."""
    feed = FeedPayment.objects.filter(bill_number=bill.number).values_list("amount", flat=True)
    return (feed.first() or ZERO) + bill.portal_paid


def start_payment(*, user, bill):
    """Open an attempt to pay what `bill` still owes (computed here, never taken from the
    page) with the provider PAYMENT_PROVIDER names; returns the Payment, now pending.

    An attempt of the same user still open (another tab, a double click) younger than
    PAYMENT_PENDING_MINUTES is returned as it is; an older one is cancelled first; one of
    another user still fresh refuses. Raises PaymentRefused when nothing can be paid.
    Side effects: a Payment row, its state change and audit entries."""
    with transaction.atomic():
        bill = Bill.objects.select_for_update().select_related("contract").get(pk=bill.pk)
        current = Payment.objects.filter(bill=bill, state__in=Payment.OPEN_STATES).first()
        if current is not None:
            fresh = current.created_at > timezone.now() - timedelta(minutes=conf.pending_minutes())
            if fresh and current.user_id == user.pk:
                return current
            if fresh:
                raise PaymentRefused(
                    _("Un pagamento di questa bolletta è già in corso. Riprova tra qualche minuto.")
                )
            set_payment_state(payment=current, state=State.CANCELLED, result="scaduto")
        outstanding = bill.amount - paid_amount(bill)
        if not can_pay_online(outstanding=outstanding, direct_debit=bill.contract.direct_debit):
            raise PaymentRefused(_("Questa bolletta non ha importi da pagare online."))
        provider = get_provider()
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    bill=bill,
                    user=user,
                    provider=provider.name,
                    amount=outstanding,
                    code=new_code(),
                    email=user.email,
                )
        except IntegrityError:  # the same attempt opened meanwhile (the bill lock is a no-op
            # on SQLite's deferred transactions): refuse rather than open two
            raise PaymentRefused(
                _("Un pagamento di questa bolletta è già in corso. Riprova tra qualche minuto.")
            ) from None
        audit.record(actor=user, action="payments.created", obj=payment, bill=bill.number)
        return set_payment_state(payment=payment, state=State.PENDING, actor=user)


def redirect_form(payment):
    """The gateway's page and the hidden fields the browser posts there."""
    return get_provider(payment.provider).start(payment, email=payment.email)


def set_payment_state(*, payment, state, actor=None, reference="", result=""):
    """The one way a Payment changes state. Locks the bill, then the payment, and checks the
    move (TRANSITIONS); the same state again returns quietly (idempotent). Confirming adds
    the amount to the bill's portal_paid (flagging the payment for refund when the bill was
    already covered) and queues the receipt e-mail; refunding takes it away again.
    Side effects: the row, the bill's portal_paid, an audit entry, maybe one e-mail.
    Raises InvalidTransition for a move TRANSITIONS does not allow."""
    with transaction.atomic():
        bill = Bill.objects.select_for_update().get(pk=payment.bill_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.state == state:
            return payment
        if state not in TRANSITIONS[payment.state]:
            raise InvalidTransition(f"{payment.state} -> {state}")
        now = timezone.now()
        old = payment.state
        payment.state = state
        payment.updated_at = now
        if reference:
            payment.provider_ref = reference[:40]
        if result:
            payment.outcome = result[:40]
        if state == State.CONFIRMED:
            payment.confirmed_at = now
            if paid_amount(bill) >= bill.amount:
                payment.needs_refund = True
            Bill.objects.filter(pk=bill.pk).update(portal_paid=F("portal_paid") + payment.amount)
        elif state == State.REFUNDED:
            payment.refunded_at = now
            payment.needs_refund = False
            Bill.objects.filter(pk=bill.pk).update(portal_paid=F("portal_paid") - payment.amount)
        payment.save()
        audit.record(
            actor=actor,
            action=f"payments.{state}",
            obj=payment,
            bill=bill.number,
            previous=old,
            result=payment.outcome,
            needs_refund=payment.needs_refund,
        )
        if state == State.CONFIRMED and payment.email:
            queue_message(
                kind="payment_receipt",
                to=payment.email,
                context={
                    "bill_number": bill.number,
                    "amount": euro(payment.amount),
                    "code": payment.code,
                    "reference": payment.provider_ref,
                    "confirmed_at": timezone.localtime(now).strftime("%d/%m/%Y %H:%M"),
                },
            )
    return payment


def process_notification(*, provider_name, data):
    """The gateway's server-to-server message: it decides. Checks the signature, then that
    the attempt is ours and that amount and currency are the attempt's. Returns the Payment;
    raises ProviderError when the message cannot be processed (the view answers an error
    and the gateway sends it again). A message that would undo a success changes nothing."""
    provider = get_provider(provider_name)
    outcome = provider.parse_notification(data)
    payment = Payment.objects.filter(code=outcome.code, provider=provider.name).first()
    if payment is None:
        raise ProviderError("unknown codTrans")
    if outcome.currency != "EUR" or outcome.amount_cents != cents(payment.amount):
        audit.record(
            actor=None,
            action="payments.mismatch",
            obj=payment,
            amount_cents=outcome.amount_cents,
            currency=outcome.currency[:3],
        )
        raise ProviderError("amount or currency differ from the attempt")
    if not outcome.state:  # pending at the gateway: nothing decided yet
        return payment
    try:
        return set_payment_state(
            payment=payment,
            state=outcome.state,
            reference=outcome.reference,
            result=outcome.result,
        )
    except InvalidTransition:
        log.info("payment %s: %s after %s ignored", payment.pk, outcome.state, payment.state)
        return payment


def process_back(*, payment, data):
    """The browser came back through `url_back` (the customer cancelled, or the gateway
    failed): with a valid signature for this attempt, close it as cancelled or failed. The
    bill stays unpaid. Returns the Payment."""
    provider = get_provider(payment.provider)
    outcome = provider.parse_return(data)
    if (
        outcome is None
        or outcome.code != payment.code
        or outcome.state not in (State.CANCELLED, State.FAILED)
    ):
        return payment
    try:
        return set_payment_state(payment=payment, state=outcome.state, result=outcome.result)
    except InvalidTransition:
        return payment


def mark_refunded(*, actor, payment):
    """Staff record that a confirmed payment was refunded (on the gateway's back-office, or
    through the provider when it has an API). Checks `payments.refund_payment` again.
    Side effects: the state change, the bill's portal_paid, an audit entry."""
    if not actor.has_perm("payments.refund_payment"):
        raise PermissionDenied
    provider = get_provider(payment.provider)
    provider.refund(payment)
    return set_payment_state(payment=payment, state=State.REFUNDED, actor=actor)


def forget_user(user):
    """ "Elimina profilo": payments are accounting records and stay; the e-mail address and
    the link to the profile go."""
    Payment.objects.filter(user=user).update(email="", user=None)
