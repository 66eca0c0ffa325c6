"""What the readings pages read. Customer reads are scoped through the customer's
ContractLink (customers.selectors.get_link_for_user answers 404 to anyone else)."""

from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from core.workdays import add_working_days, working_days_left
from customers.models import Contract

from . import conf
from .models import Meter, Reading

LATEST = 5


def is_water(contract):
    return contract.service == Contract.Service.WATER


def takes_readings(contract):
    """A cessato supply takes no new self-readings (the meter may already measure someone
    else's water); its history stays visible."""
    return contract.status != Contract.Status.TERMINATED


def meters_of(contract):
    """The meters on the contract now and those that were (a meter moved to another contract
    keeps its readings with this one): one query."""
    taken = Reading.objects.filter(contract=contract).values("meter_id")
    return list(
        Meter.objects.filter(Q(contract=contract) | Q(pk__in=taken)).order_by("installed_on", "pk")
    )


def current_of(meters, contract=None):
    """The meter the page shows: of those on `contract` now (all of `meters` without it), the
    one not removed, else the last installed; of the meters that left, the last."""
    if not meters:
        return None
    if contract is not None:
        meters = [m for m in meters if m.contract_id == contract.pk] or meters
    on = [m for m in meters if m.removed_on is None] or meters
    return on[-1]


def contract_period(contract):
    """The contract's dates (from its start to its end, when the feed gives them) as a Q on
    the reading."""
    period = Q()
    if contract.start_date:
        period &= Q(read_on__gte=contract.start_date)
    if contract.end_date:
        period &= Q(read_on__lte=contract.end_date)
    return period


def taken_under(contract):
    """The readings a contract's pages, chart and leak check use: those taken under it (the
    reading's own contract, not its meter's current one, so after a change of holder each
    holder keeps their own and sees nobody else's), within the contract's dates."""
    return Q(contract=contract) & contract_period(contract)


def readings_of(contract):
    return (
        Reading.objects.filter(taken_under(contract))
        .select_related("meter")
        .order_by("-read_on", "-id")
    )


def row(reading):
    """A reading as the pages show it, formatted once."""
    return {
        "uid": reading.uid,
        "date": reading.read_on.strftime("%d/%m/%Y"),
        "iso": reading.read_on.isoformat(),
        "value": reading.value,
        "source": reading.get_source_display(),
        "source_code": reading.source,
        "status": reading.get_status_display(),
        "status_code": reading.status,
        "reason": reading.reason_text,
        "serial": reading.meter.serial,
        "photo": bool(reading.photo),
        "receipt": reading.receipt,
        "user_id": reading.user_id,
    }


def contract_section(request, link):
    """The "Letture contatore" block of a water contract's page (registered in apps.py)."""
    meters = meters_of(link.contract)
    meter = current_of(meters, link.contract)
    latest = [row(r) for r in readings_of(link.contract)[:LATEST]] if meters else []
    return {
        "link": link,
        "meter": meter,
        "latest": latest,
        "history_url": reverse("readings:history", args=[link.uid]),
        "new_url": reverse("readings:new", args=[link.uid])
        if takes_readings(link.contract)
        else "",
    }


def customer_reading(user, uid):
    """A reading the user sent, from a contract still linked to the profile; 404 for anyone
    else (the photo is shown only to whoever sent it, and to staff)."""
    return get_object_or_404(
        Reading.objects.select_related("meter", "contract"),
        uid=uid,
        user=user,
        contract__links__user=user,
    )


# --- back-office ---------------------------------------------------------------------------


def due_on(reading):
    return add_working_days(reading.received_at, conf.answer_working_days())


def queue(*, status=Reading.Status.RECEIVED, q=""):
    """Customer readings sent on the portal; oldest first, so the overdue come first (the
    due day grows with the day received)."""
    readings = Reading.objects.filter(received_at__isnull=False).select_related("meter", "contract")
    if status:
        readings = readings.filter(status=status)
    if q:
        q = q.strip()
        readings = readings.filter(meter__serial=q) | readings.filter(contract__service_code=q)
    if status == Reading.Status.RECEIVED:
        return readings.order_by("received_at", "pk")
    if not status:
        # Every status: those still waiting first (oldest, so overdue, first), then the rest.
        waiting = Case(
            When(status=Reading.Status.RECEIVED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return readings.order_by(waiting, "received_at", "pk")
    return readings.order_by("-decided_at", "-pk")


def queue_row(reading, today=None):
    today = today or timezone.localdate()
    due = due_on(reading)
    left = working_days_left(due, today)
    return {
        "reading": reading,
        "received": timezone.localtime(reading.received_at).strftime("%d/%m/%Y %H:%M"),
        "due": due.strftime("%d/%m/%Y"),
        "left": left,
        "overdue_days": -left if left < 0 else 0,
        "overdue": left < 0 and reading.status == Reading.Status.RECEIVED,
    }


def staff_reading(uid):
    return get_object_or_404(
        Reading.objects.select_related("meter", "contract__holder", "user", "decided_by"),
        uid=uid,
        received_at__isnull=False,
    )
