"""Settings billing reads, with their defaults (docs/billing.md lists them)."""

from django.conf import settings


def creditor_fiscal_code():
    """pagoPA: the creditor's fiscal code (11 digits) printed on notices and in their QR
    code; by default the utility's partita IVA."""
    return getattr(settings, "PAGOPA_CREDITOR_FISCAL_CODE", "") or settings.UTILITY["vat"]


def history_years():
    """How many years back "vedi tutto" lists bills (the guide: "dei due anni precedenti")."""
    return int(getattr(settings, "BILLING_HISTORY_YEARS", 2))
