"""What readings contributes to "Scarica i miei dati" and to `export_feed`."""

from datetime import UTC

from django.db import transaction
from django.utils import timezone

from core.registry import local_time

from .models import Reading

MARK_BATCH = 1000
READINGS_HEADER = (
    "reading_id", "serial", "service_code", "read_on", "value", "photo", "status", "reason",
    "received_at",
)  # fmt: skip


def my_readings(user):
    """The "letture" section of "Scarica i miei dati": the readings the user sent."""
    readings = (
        Reading.objects.filter(user=user).select_related("meter", "contract").order_by("read_on")
    )
    return [
        {
            "codice_servizio": r.contract.service_code,
            "matricola_contatore": r.meter.serial,
            "data": local_time(r.read_on),
            "lettura_m3": r.value,
            "stato": r.get_status_display(),
            "motivo": r.reason_text,
            "foto": "sì" if r.photo else "no",
            "numero_ricevuta": r.receipt,
            "ricevuta_il": local_time(r.received_at),
        }
        for r in readings
    ]


def readings_since(since=None):
    """`readings.csv` of export_feed: every self-reading sent on the portal (its id is the
    reading's own, stable across replacements and decisions), changed after `since`.
    received_at is UTC, ISO 8601.

    The rows are read locked and marked exported before the first one is written: from then
    on a second reading on the same day no longer replaces them (submit_reading locks the
    same row), so the billing system never holds a value the portal has replaced."""
    readings = Reading.objects.filter(received_at__isnull=False).select_related("meter", "contract")
    if since is not None:
        readings = readings.filter(changed_at__gt=since)
    with transaction.atomic():
        readings = list(readings.select_for_update(of=("self",)).order_by("changed_at", "pk"))
        now = timezone.now()
        waiting = [r.pk for r in readings if r.exported_at is None]
        for start in range(0, len(waiting), MARK_BATCH):
            Reading.objects.filter(pk__in=waiting[start : start + MARK_BATCH]).update(
                exported_at=now
            )
    yield READINGS_HEADER
    for r in readings:
        yield (
            r.pk,
            r.meter.serial,
            r.contract.service_code,
            r.read_on.isoformat(),
            r.value,
            "yes" if r.photo else "no",
            r.status,
            r.reason_text,
            r.received_at.astimezone(UTC).isoformat(),
        )
