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
from django.utils.translation import gettext_lazy

from billing.models import Bill, FeedPayment
from billing.money import can_pay_online, cents, euro
from core import audit
from core.outbox import queue_message

from . import conf
from .models import Payment
from .providers import ProviderError, RefundFailed, get_provider

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


class RefundNotDone(Exception):
    """ "Rimborsa" did not refund: the payment stays as it was; the message says why and
    what to do, in Italian, for staff."""


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


def set_payment_state(*, payment, state, actor=None, reference="", result="", operation=""):
    """The one way a Payment changes state. Locks the bill, then the payment, and checks the
    move (TRANSITIONS); the same state again returns quietly (idempotent). Confirming adds
    the amount to the bill's portal_paid (flagging the payment for refund when the bill was
    already covered) and queues the receipt e-mail; refunding takes it away again (and
    keeps `operation`, the gateway's id of the refund, when it made it).
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
            payment.refund_requested_at = None
            if operation:
                payment.refund_operation = operation[:40]
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
            **({"operation": payment.refund_operation} if operation else {}),
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


def _check_refund_permission(actor):
    if not actor.has_perm("payments.refund_payment"):
        raise PermissionDenied


def refund_in_progress(payment):
    """A "Rimborsa" of `payment` asked the gateway and is still waiting for its answer."""
    started = payment.refund_requested_at
    return started is not None and started > timezone.now() - timedelta(
        minutes=conf.REFUND_CLAIM_MINUTES
    )


REFUND_FAILURES = {
    "ko": gettext_lazy(
        "Il gestore dei pagamenti ha rifiutato il rimborso: %(message)s (codice %(code)s). "
        "Il pagamento resta confermato."
    ),
    "unreachable": gettext_lazy(
        "Il gestore dei pagamenti non è raggiungibile: il rimborso non è stato chiesto e il "
        "pagamento resta confermato. Riprova più tardi."
    ),
    "timeout": gettext_lazy(
        "Il gestore dei pagamenti non ha risposto in tempo: non sappiamo se il rimborso è "
        "stato eseguito. Il pagamento resta confermato. Controlla sul back-office di Nexi: "
        "se il rimborso risulta, usa «Segna come rimborsato», altrimenti riprova."
    ),
    "bad_mac": gettext_lazy(
        "La risposta del gestore dei pagamenti non ha una firma valida e non può essere "
        "creduta. Il pagamento resta confermato. Controlla sul back-office di Nexi: se il "
        "rimborso risulta, usa «Segna come rimborsato», altrimenti riprova."
    ),
    "bad_response": gettext_lazy(
        "Il gestore dei pagamenti ha dato una risposta non valida: non sappiamo se il rimborso "
        "è stato eseguito. Il pagamento resta confermato. Controlla sul back-office di Nexi: "
        "se il rimborso risulta, usa «Segna come rimborsato», altrimenti riprova."
    ),
}


def refund_payment(*, actor, payment, reason):
    """ "Rimborsa": ask the payment's gateway to refund the whole of a confirmed payment;
    only its signed OK moves the payment to refunded (recording its idOperazione). Checks
    `payments.refund_payment` again. Returns the Payment, refunded; raises RefundNotDone
    (the payment unchanged, the message for staff) otherwise.

    Three steps, the HTTP call outside any transaction: (1) lock the payment
    (select_for_update), check it is confirmed and no other refund is waiting for the
    gateway, write `refund_requested_at` and commit: a double click or a second operator is
    refused; (2) call the gateway (up to conf.API_TIMEOUT seconds, no lock held, so nothing
    else waits on it, and on SQLite the sandbox's answer can be written meanwhile); (3) on
    OK, set_payment_state(REFUNDED); on anything else clear the claim. A claim older than
    REFUND_CLAIM_MINUTES (the process died while waiting) no longer blocks. The gateway
    itself refuses to refund more than the payment: the last line against a double refund.
    Side effects: the claim, the state change, the bill's portal_paid, audit entries
    (payments.refund_requested with the reason; payments.refunded or payments.refund_failed)
    and a log line with the codTrans and the outcome only."""
    _check_refund_permission(actor)
    provider = get_provider(payment.provider)
    if not provider.refunds_online:
        raise RefundNotDone(
            _("Questo gestore non fa rimborsi dal portale: fallo sul suo back-office.")
        )
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.state != State.CONFIRMED:
            raise RefundNotDone(_("Solo un pagamento confermato può essere rimborsato."))
        if refund_in_progress(locked):
            raise RefundNotDone(
                _("Un rimborso di questo pagamento è già stato chiesto al gestore: attendi.")
            )
        now = timezone.now()
        # The conditional UPDATE is the claim (also on SQLite, where select_for_update does
        # nothing): of two requests at once, one changes the row.
        claimed = (
            Payment.objects.filter(pk=locked.pk, state=State.CONFIRMED)
            .filter(refund_requested_at=locked.refund_requested_at)
            .update(refund_requested_at=now)
        )
        if not claimed:
            raise RefundNotDone(
                _("Un rimborso di questo pagamento è già stato chiesto al gestore: attendi.")
            )
        audit.record(
            actor=actor,
            action="payments.refund_requested",
            obj=locked,
            reason=reason,
            amount=str(locked.amount),
        )
    try:
        refunded = provider.refund(locked)
    except RefundFailed as failure:
        Payment.objects.filter(pk=locked.pk, refund_requested_at=now).update(
            refund_requested_at=None
        )
        audit.record(
            actor=actor,
            action="payments.refund_failed",
            obj=locked,
            outcome=failure.kind,
            code=failure.code,
            message=failure.message,
        )
        log.warning("refund %s: %s %s", locked.code, failure.kind, failure.code)
        raise RefundNotDone(
            str(REFUND_FAILURES[failure.kind])
            % {"code": failure.code or "-", "message": failure.message or "-"}
        ) from None
    log.info("refund %s: OK %s", locked.code, refunded.operation)
    return set_payment_state(
        payment=locked, state=State.REFUNDED, actor=actor, operation=refunded.operation
    )


def mark_refunded(*, actor, payment, reason=""):
    """ "Segna come rimborsato": staff record a refund made elsewhere (on the gateway's
    back-office, by bank transfer …); nothing is asked of the gateway. Checks
    `payments.refund_payment` again; refuses while a "Rimborsa" waits for the gateway.
    Side effects: the state change, the bill's portal_paid, audit entries (the reason as
    payments.refund_reason)."""
    _check_refund_permission(actor)
    with transaction.atomic():
        # set_payment_state's order (bill, then payment), so that a "Rimborsa" claiming the
        # payment meanwhile is either seen here or finds it refunded.
        Bill.objects.select_for_update().get(pk=payment.bill_id)
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if refund_in_progress(locked):
            raise RefundNotDone(
                _("Un rimborso di questo pagamento è già stato chiesto al gestore: attendi.")
            )
        payment = set_payment_state(payment=locked, state=State.REFUNDED, actor=actor)
        if reason:
            audit.record(actor=actor, action="payments.refund_reason", obj=payment, reason=reason)
    return payment


def forget_user(user):
    """ "Elimina profilo": payments are accounting records and stay; the e-mail address and
    the link to the profile go."""
    Payment.objects.filter(user=user).update(email="", user=None)
