"""Euro amounts and a bill's payment status, as "Bollette online" shows them."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


def euro(value):
    """258 -> "258,00 €", 1234.5 -> "1.234,50 €" (the Italian way)."""
    value = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"{abs(value):,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return f"{'-' if value < 0 else ''}{text}\u00a0€"


def cents(value):
    """Euro as whole cents (XPay's `importo`, pagoPA's QR code): 258.00 -> 25800."""
    return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(value):
    return (Decimal(int(value)) / 100).quantize(CENT)


class BillStatus(models.TextChoices):
    TO_PAY = "da_pagare", _("da pagare")
    OVERDUE = "scaduta", _("scaduta")
    PAID = "pagata", _("pagata")
    PARTIAL = "parziale", _("parzialmente pagata")
    DIRECT_DEBIT = "domiciliata", _("in domiciliazione")


def bill_status(*, amount, paid, due_on, direct_debit, today):
    """The status a customer reads: paid when the payments (feed and portal) cover the
    amount; otherwise in direct debit (the bank pays it), partly paid, overdue or due."""
    if paid >= amount:
        return BillStatus.PAID
    if direct_debit:
        return BillStatus.DIRECT_DEBIT
    if paid > 0:
        return BillStatus.PARTIAL
    if due_on < today:
        return BillStatus.OVERDUE
    return BillStatus.TO_PAY


def can_pay_online(*, outstanding, direct_debit):
    """The guide: "La possibilità di effettuare pagamenti online compare quando ci sono
    importi in sospeso e per utenti che non hanno la domiciliazione bancaria attiva"."""
    return outstanding > 0 and not direct_debit
