"""What payments gives "Scarica i miei dati" and `export_feed` (payments.csv)."""

from billing.money import euro
from core.registry import local_time

from .models import Payment

HEADER = (
    "id",
    "bill_number",
    "amount",
    "codtrans",
    "codaut",
    "state",
    "confirmed_at",
    "refunded_at",
)


def payments_of_user(user):
    return [
        {
            "Documento": p.bill.number,
            "Importo": euro(p.amount),
            "Stato": str(p.get_state_display()),
            "Codice transazione": p.code,
            "Iniziato il": local_time(p.created_at),
            "Confermato il": local_time(p.confirmed_at) or "",
        }
        for p in Payment.objects.filter(user=user).select_related("bill").order_by("created_at")
    ]


def _utc(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def payments_since(since=None):
    """payments.csv for the billing system: every confirmed (or later refunded) payment
    changed since `since`. The id (the payment's uid) is stable: importing a row again is
    safe; a refunded payment comes again with state `refunded`."""
    payments = Payment.objects.filter(
        state__in=(Payment.State.CONFIRMED, Payment.State.REFUNDED)
    ).select_related("bill")
    if since is not None:
        payments = payments.filter(updated_at__gte=since)
    rows = [HEADER]
    for p in payments.order_by("updated_at", "pk").iterator(chunk_size=2000):
        rows.append(
            (
                str(p.uid),
                p.bill.number,
                f"{p.amount:.2f}",
                p.code,
                p.provider_ref,
                p.state,
                _utc(p.confirmed_at),
                _utc(p.refunded_at),
            )
        )
    return rows
