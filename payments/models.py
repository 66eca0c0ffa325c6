import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import Bill


class Payment(models.Model):
    """One attempt at paying a bill online (one row per attempt). Its state changes only
    through payments.services.set_payment_state()."""

    class State(models.TextChoices):
        CREATED = "created", _("creato")
        PENDING = "pending", _("in corso")
        CONFIRMED = "confirmed", _("confermato")
        FAILED = "failed", _("non riuscito")
        CANCELLED = "cancelled", _("annullato")
        REFUNDED = "refunded", _("rimborsato")

    OPEN_STATES = (State.CREATED, State.PENDING)

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="payments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
    )
    provider = models.CharField(_("gestore"), max_length=20)
    state = models.CharField(
        _("stato"), max_length=12, choices=State.choices, default=State.CREATED
    )
    amount = models.DecimalField(_("importo"), max_digits=12, decimal_places=2)
    # XPay's codTrans: unique per attempt, 2-30 characters.
    code = models.CharField(_("codice transazione"), max_length=30, unique=True)
    # XPay's codAut (the authorisation code) once confirmed.
    provider_ref = models.CharField(_("codice autorizzazione"), max_length=40, blank=True)
    outcome = models.CharField(_("esito del gestore"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail per la ricevuta"), blank=True)
    # A success that arrived for a bill already covered: kept, and to be refunded.
    needs_refund = models.BooleanField(_("da rimborsare"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    # "Rimborsa": when a refund was asked of the gateway and its answer is still awaited (a
    # second request meanwhile is refused); the gateway's idOperazione once it said OK.
    refund_requested_at = models.DateTimeField(null=True, blank=True)
    refund_operation = models.CharField(_("id operazione del rimborso"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("pagamento")
        verbose_name_plural = _("pagamenti")
        permissions = [("refund_payment", _("Può rimborsare un pagamento"))]
        constraints = [
            # A second "pagamento" (another tab, a double click) finds this one open.
            models.UniqueConstraint(
                fields=["bill"],
                condition=Q(state__in=["created", "pending"]),
                name="payments_one_open_attempt_per_bill",
            ),
        ]
        indexes = [
            models.Index(fields=["updated_at"], name="payments_updated_idx"),
            models.Index(fields=["state", "-created_at"], name="payments_state_idx"),
        ]

    def __str__(self):
        return self.code

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES


class SandboxTransaction(models.Model):
    """What the built-in sandbox gateway (payments.sandbox) remembers of a transaction it
    decided, as a real gateway does: so that its refund API can refuse an unknown codTrans,
    a transaction it did not approve, and more than what remains refundable. Not the
    portal's record of a payment (that is Payment)."""

    code = models.CharField(max_length=30, unique=True)  # codTrans
    alias = models.CharField(max_length=100)
    amount_cents = models.PositiveIntegerField()
    esito = models.CharField(max_length=10)
    refunded_cents = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "transazione della sandbox"
        verbose_name_plural = "transazioni della sandbox"

    def __str__(self):
        return self.code
