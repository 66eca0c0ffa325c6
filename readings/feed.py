"""The files of the billing-system feed that readings owns: `meters.csv` and `readings.csv`.
Columns, normalisation and checks live here; feeds.importer reads, counts and writes them.
Registered by ReadingsConfig.ready().

meters.csv is keyed on the meter's serial. readings.csv has no code of its own: a reading is
known by its meter, its day and its source, so its key is "serial|read_on|source"
(the spec's `row_key`).

Each reading records the contract it was taken under: its meter's contract at import time
(one tuple lookup per row, from the map loaded once). A row dated before that contract's
start_date was taken under an earlier holder: it goes to the contract that holds the meter's
readings of that time (EarlierHolders, one query per import, run only if such a row comes).
"""

from django.db.models import F, Min
from django.utils.translation import gettext as _

from customers.models import Contract
from feeds.importer import FileSpec, RowError, max_lengths, missing, parse_date, too_long

from . import conf
from .models import Meter, Reading

METERS = "meters.csv"
READINGS = "readings.csv"

METER_MAX = max_lengths(Meter, ("serial",))
READING_MAX = max_lengths(Reading, ("reason_text",))
METER_KINDS = frozenset(Meter.Kind.values)
SOURCES = frozenset(Reading.Source.values)
STATUSES = frozenset(Reading.Status.values)
MAX_DIGITS = 9  # a PositiveIntegerField holds any 9-digit value


# --- meters.csv ----------------------------------------------------------------------------


def normalise_meter(values):
    values[2] = values[2].lower()
    return values


def check_meter(values, contracts, rejected_contracts):
    serial, service_code, kind, digits_text, installed, removed = values
    problems = []
    if not serial:
        problems.append(missing("serial"))
    too_long(problems, "serial", serial, METER_MAX["serial"])
    contract_id = None
    if not service_code:
        problems.append(missing("service_code"))
    else:
        found = contracts.get(service_code)
        if found is None:
            reason = _("service_code %(code)s: contratto non presente") % {"code": service_code}
            line = rejected_contracts.get(service_code)
            if line:
                reason += _(" (%(where)s è stata scartata)") % {"where": f"contracts.csv:{line}"}
            problems.append(reason)
        elif found[1] != Contract.Service.WATER:
            problems.append(
                _("service_code %(code)s: non è un contratto del servizio idrico")
                % {"code": service_code}
            )
        else:
            contract_id = found[0]
    if kind not in METER_KINDS:
        problems.append(_("kind: deve essere direct o dial") if kind else missing("kind"))
    digits = conf.default_digits()
    if digits_text:
        if digits_text.isdigit() and 1 <= int(digits_text) <= MAX_DIGITS:
            digits = int(digits_text)
        else:
            problems.append(_("digits: deve essere un numero da 1 a %(n)d") % {"n": MAX_DIGITS})
    installed_on = parse_date(problems, "installed_on", installed)
    removed_on = parse_date(problems, "removed_on", removed)
    if installed_on and removed_on and removed_on < installed_on:
        problems.append(_("removed_on: precedente a installed_on"))
    if problems:
        raise RowError("; ".join(problems))
    return (serial, contract_id, kind, digits, installed_on, removed_on)


def meter_checker(importer):
    contracts = {
        code: (pk, service)
        for code, pk, service in Contract.objects.values_list("service_code", "id", "service")
    }
    rejected = importer.rejected.get("contracts.csv", {})

    def check(values):
        return check_meter(values, contracts, rejected)

    return check


METER_SPEC = FileSpec(
    name=METERS,
    model=Meter,
    key="serial",
    columns=("serial", "service_code", "kind", "digits", "installed_on", "removed_on"),
    required=frozenset({"serial", "service_code", "kind"}),
    fields=(
        "serial", "contract", "kind", "digits", "installed_on", "removed_on", "checksum",
        "updated_at",
    ),
    normalise=normalise_meter,
    checker=meter_checker,
    order=30,
)  # fmt: skip


# --- readings.csv --------------------------------------------------------------------------


def reading_key(values):
    """serial|read_on|source, as Reading.key() makes it for the portal's readings."""
    return f"{values[0]}|{values[1]}|{values[3].lower()}"


def normalise_reading(values):
    values[3] = values[3].lower()
    values[4] = values[4].lower()
    return values


class EarlierHolders:
    """The contracts a meter was on before its current one, known from the readings already
    stored under them: {meter id: [(first day, contract id)]}, loaded with one query the first
    time a row needs it (a row dated before its meter's current contract started)."""

    def __init__(self, empty=False):
        # An empty table (a first load) has no earlier holders: the rows this file writes go
        # to their meter's current contract.
        self.by_meter = {} if empty else None

    def load(self):
        self.by_meter = {}
        rows = (
            Reading.objects.exclude(contract_id=F("meter__contract_id"))
            .values_list("meter_id", "contract_id")
            .annotate(first=Min("read_on"))
            .order_by()
        )
        for meter_id, contract_id, first in rows:
            self.by_meter.setdefault(meter_id, []).append((first, contract_id))
        for held in self.by_meter.values():
            held.sort()

    def contract_on(self, meter_id, current, day):
        """The contract that held meter `meter_id` on `day` (before `current` started): the
        latest earlier holder that started on or before it, else the first earlier holder;
        `current` when the meter has no earlier holder on record."""
        if self.by_meter is None:
            self.load()
        held = self.by_meter.get(meter_id)
        if not held:
            return current
        found = held[0][1]
        for first, contract_id in held:
            if first > day:
                break
            found = contract_id
        return found


def check_reading(values, meters, rejected_meters, dates=None, earlier=None):
    """The row's values for Reading, or RowError with every problem found. `meters` maps a
    serial to (id, digits, contract id, contract start_date). `dates` caches parsed read_on
    values (a feed holds a few hundred distinct days in millions of rows)."""
    serial, read, value_text, source, status, reason = values
    problems = []
    meter = None
    if not serial:
        problems.append(missing("serial"))
    else:
        meter = meters.get(serial)
        if meter is None:
            text = _("serial %(serial)s: contatore non presente") % {"serial": serial}
            line = rejected_meters.get(serial)
            if line:
                text += _(" (%(where)s è stata scartata)") % {"where": f"{METERS}:{line}"}
            problems.append(text)
    read_on = dates.get(read) if dates is not None else None
    if read_on is None:
        read_on = parse_date(problems, "read_on", read)
        if read_on is not None and dates is not None:
            dates[read] = read_on
    if not read:
        problems.append(missing("read_on"))
    value = None
    if not value_text:
        problems.append(missing("value"))
    elif not value_text.isdigit():
        problems.append(_("value: deve essere un numero intero di m³"))
    else:
        value = int(value_text)
        if meter is not None and value >= 10 ** meter[1]:
            problems.append(_("value: più cifre di quelle del contatore (%(n)d)") % {"n": meter[1]})
    if source not in SOURCES:
        problems.append(
            _("source: deve essere operator, customer o estimated") if source else missing("source")
        )
    if status and status not in STATUSES:
        problems.append(_("status: deve essere received, validated o rejected"))
    elif status and status != Reading.Status.VALIDATED and source != Reading.Source.CUSTOMER:
        problems.append(_("status: solo un'autolettura (customer) può essere received o rejected"))
    too_long(problems, "reason", reason, READING_MAX["reason_text"])
    if problems:
        raise RowError("; ".join(problems))
    contract = meter[2]
    if meter[3] is not None and read_on < meter[3]:
        contract = (earlier or EarlierHolders()).contract_on(meter[0], contract, read_on)
    return (
        reading_key(values),
        meter[0],
        contract,
        read_on,
        value,
        source,
        status or Reading.Status.VALIDATED,
        reason if status == Reading.Status.REJECTED else "",
    )


def reading_checker(importer):
    meters = {
        serial: (pk, digits, contract, start)
        for serial, pk, digits, contract, start in Meter.objects.values_list(
            "serial", "id", "digits", "contract_id", "contract__start_date"
        )
    }
    rejected = importer.rejected.get(METERS, {})
    dates = {}
    earlier = EarlierHolders(empty=not Reading.objects.exists())

    def check(values):
        return check_reading(values, meters, rejected, dates, earlier)

    return check


READING_SPEC = FileSpec(
    name=READINGS,
    model=Reading,
    key="feed_key",
    columns=("serial", "read_on", "value", "source", "status", "reason"),
    required=frozenset({"serial", "read_on", "value", "source"}),
    fields=(
        "feed_key", "meter", "contract", "read_on", "value", "source", "status", "reason_text",
        "checksum", "updated_at",
    ),
    normalise=normalise_reading,
    checker=reading_checker,
    order=35,
    row_key=reading_key,
)  # fmt: skip
