import base64
import binascii

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Contract


def bill_ref(number):
    """The bill's code in URLs: its number (the billing system's key, printed on the bill),
    base64url without padding, so that numbers with slashes ("2026/000123") fit in a path
    segment. Stable across re-imports; no index of its own (the number's is used)."""
    return base64.urlsafe_b64encode(number.encode()).rstrip(b"=").decode("ascii")


def number_of_ref(ref):
    """bill_ref's inverse; ValueError for a code that is not one."""
    try:
        return base64.urlsafe_b64decode(ref + "=" * (-len(ref) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(ref) from exc


class Bill(models.Model):
    """Bolletta: one bill of the billing system, keyed by its number (bills.csv).

    The feed writes every column but `portal_paid`, which only payments.services changes (in
    the transaction that confirms or refunds a portal payment): the feed's upsert leaves it
    alone and a new row gets the database default.
    """

    # Unique through Meta.constraints, not unique=True: PostgreSQL would add a second,
    # pattern-matching index that no query uses, maintained for each of millions of rows.
    number = models.CharField(_("numero documento"), max_length=40)
    # No index of its own: billing_bill_contract_idx below starts with the contract. No
    # database constraint either: PostgreSQL's deferred check per inserted row made loading
    # bills.csv three times slower (docs/billing.md). The feed writes a bill only for a
    # contract it has just found in the database, contracts are never deleted by the feed, and
    # PROTECT still refuses, through the ORM, to delete a contract that has bills.
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="bills",
        db_index=False,
        db_constraint=False,
    )
    issued_on = models.DateField(_("data di emissione"))
    due_on = models.DateField(_("scadenza"))
    period_start = models.DateField(_("inizio periodo"), null=True, blank=True)
    period_end = models.DateField(_("fine periodo"), null=True, blank=True)
    amount = models.DecimalField(_("importo totale dovuto"), max_digits=12, decimal_places=2)
    # Name in the `private` storage (core.uploads), empty when the feed gave no PDF.
    pdf = models.CharField(_("PDF"), max_length=255, blank=True)
    pagopa_notice = models.CharField(_("codice avviso pagoPA"), max_length=18, blank=True)
    portal_paid = models.DecimalField(
        _("pagato sul portale"), max_digits=12, decimal_places=2, default=0, db_default=0
    )
    checksum = models.CharField(max_length=32, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bolletta")
        verbose_name_plural = _("bollette")
        indexes = [
            # "Bollette online": a contract's bills, newest first.
            models.Index(
                fields=["contract", "-issued_on", "-id"], name="billing_bill_contract_idx"
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["number"], name="billing_bill_number")]

    def __str__(self):
        return self.number

    @property
    def ref(self):
        return bill_ref(self.number)


class FeedPayment(models.Model):
    """What the billing system has received for one bill through its own channels (bank,
    post office, pagoPA, direct debit): one row per bill of payments.csv, the total so far
    (docs/billing.md). Keyed by the bill's number, not tied to a Bill row: the billing system
    may send a payment before its bill, and the bill counts it as soon as it arrives."""

    # Unique through Meta.constraints (see Bill.number).
    bill_number = models.CharField(_("numero documento"), max_length=40)
    paid_on = models.DateField(_("data del pagamento"))
    amount = models.DecimalField(_("importo pagato"), max_digits=12, decimal_places=2)
    channel = models.CharField(_("canale"), max_length=40, blank=True)
    checksum = models.CharField(max_length=32, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pagamento dal sistema di fatturazione")
        verbose_name_plural = _("pagamenti dal sistema di fatturazione")
        constraints = [
            models.UniqueConstraint(fields=["bill_number"], name="billing_feedpayment_bill_number")
        ]

    def __str__(self):
        return f"{self.bill_number} {self.amount}"
