"""The e-mails of readings, queued through the outbox (core.outbox) inside the transaction
of the change that causes them. Templates: templates/mail/<kind>/ in this app. Neither
carries a single-use link: the link to the readings page needs a login."""

from django.conf import settings
from django.urls import reverse

from core.outbox import queue_message
from core.registry import local_time

from . import conf

RECEIVED = "reading_received"
REJECTED = "reading_rejected"


def _context(reading):
    contract = reading.contract
    link = contract.links.filter(user=reading.user).first()
    url = settings.PUBLIC_URL + (
        reverse("readings:history", args=[link.uid]) if link else reverse("customers:services")
    )
    return {
        "reading": reading,
        "serial": reading.meter.serial,
        "service_code": contract.service_code,
        "location": contract.location,
        "received": local_time(reading.received_at),
        "read_on": local_time(reading.read_on),
        "url": url,
        "answer_days": conf.answer_working_days(),
    }


def send_receipt(reading):
    """At once after "nuova": the receipt (number, date and time, value)."""
    return queue_message(kind=RECEIVED, to=reading.user.email, context=_context(reading))


def send_rejected(reading):
    """A self-reading was rejected (by staff or by the billing system): with the reason."""
    return queue_message(kind=REJECTED, to=reading.user.email, context=_context(reading))
