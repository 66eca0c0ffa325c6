"""The files of the billing-system feed that customers owns: `customers.csv` (holders) and
`contracts.csv` (contracts). Columns, normalisation and checks live here; the engine that
reads, counts and writes them is feeds.importer. Registered by CustomersConfig.ready().

Reasons are Italian (staff read them); the column names stay as the integrators write them.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from core.identifiers import (
    clean_codice_fiscale,
    clean_partita_iva,
    compact_codice_fiscale,
    compact_partita_iva,
)
from feeds.importer import FileSpec, RowError, max_lengths, missing, parse_date, too_long

from .models import Contract, Holder

CUSTOMERS = "customers.csv"
CONTRACTS = "contracts.csv"

HOLDER_MAX = max_lengths(
    Holder,
    ("customer_code", "first_name", "last_name", "company_name", "email", "phone", "address"),
)
CONTRACT_MAX = max_lengths(Contract, ("service_code", "supply_address", "municipality", "tariff"))
KINDS = frozenset(Holder.Kind.values)
SERVICES = frozenset(Contract.Service.values)
USES = frozenset(Contract.Use.values)
STATUSES = frozenset(Contract.Status.values)
YES_NO = {"yes": True, "no": False, "": False}


# --- customers.csv -------------------------------------------------------------------------


def normalise_customer(values):
    """Stripped values (iter_rows), the kind lower-cased, CF and P.IVA compacted."""
    values[1] = values[1].lower()
    if values[5]:
        values[5] = compact_codice_fiscale(values[5])
    if values[6]:
        values[6] = compact_partita_iva(values[6])
    return values


def _cf_reason(exc, expected):
    if exc.code == "length":
        return _("codice_fiscale: lunghezza errata (attesi %(expected)s)") % {"expected": expected}
    return _("codice_fiscale: codice fiscale non valido")


def _piva_reason(exc):
    if exc.code == "length":
        return _("partita_iva: deve avere 11 cifre")
    return _("partita_iva: partita IVA non valida")


def check_customer(values):
    """The row's field values for Holder (without checksum and updated_at), or RowError with
    every problem found in the row."""
    (code, kind, first, last, company, cf, piva, email, phone, address) = values
    problems = []
    if not code:
        problems.append(missing("customer_code"))
    if kind not in KINDS:
        problems.append(_("kind: deve essere person o company") if kind else missing("kind"))
    if kind == Holder.Kind.PERSON:
        if not cf:
            problems.append(_("codice_fiscale: mancante (obbligatorio per una persona fisica)"))
        else:
            try:
                cf = clean_codice_fiscale(cf)
            except ValidationError as exc:
                problems.append(_cf_reason(exc, _("16 caratteri")))
        if piva:
            try:
                piva = clean_partita_iva(piva)
            except ValidationError as exc:
                problems.append(_piva_reason(exc))
    elif kind == Holder.Kind.COMPANY:
        if not piva:
            problems.append(_("partita_iva: mancante (obbligatoria per una persona giuridica)"))
        else:
            try:
                piva = clean_partita_iva(piva)
            except ValidationError as exc:
                problems.append(_piva_reason(exc))
        if cf:
            try:
                cf = clean_codice_fiscale(cf, allow_company=True)
            except ValidationError as exc:
                problems.append(_cf_reason(exc, _("11 cifre o 16 caratteri")))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("email: indirizzo e-mail non valido"))
    for name, value in (
        ("customer_code", code),
        ("first_name", first),
        ("last_name", last),
        ("company_name", company),
        ("email", email),
        ("phone", phone),
        ("address", address),
    ):
        too_long(problems, name, value, HOLDER_MAX[name])
    if problems:
        raise RowError("; ".join(problems))
    return (code, kind, first, last, company, cf, piva, email, phone, address)


CUSTOMER_SPEC = FileSpec(
    name=CUSTOMERS,
    model=Holder,
    key="customer_code",
    columns=(
        "customer_code", "kind", "first_name", "last_name", "company_name", "codice_fiscale",
        "partita_iva", "email", "phone", "address",
    ),
    required=frozenset({"customer_code", "kind"}),
    fields=(
        "customer_code", "kind", "first_name", "last_name", "company_name", "codice_fiscale",
        "partita_iva", "email", "phone", "address", "checksum", "updated_at",
    ),
    normalise=normalise_customer,
    checker=lambda importer: check_customer,
    order=10,
)  # fmt: skip


# --- contracts.csv -------------------------------------------------------------------------


def normalise_contract(values):
    values[2] = values[2].lower()
    values[3] = values[3].lower()
    values[6] = values[6].lower()
    values[8] = values[8].lower()
    return values


def check_contract(values, holder_ids, rejected_customers):
    """The row's field values for Contract (holder as its id, without checksum and
    updated_at), or RowError with every problem found in the row."""
    (code, customer, service, use, address, municipality, status, tariff, debit, start, end) = (
        values
    )
    problems = []
    if not code:
        problems.append(missing("service_code"))
    holder_id = None
    if not customer:
        problems.append(missing("customer_code"))
    else:
        holder_id = holder_ids.get(customer)
        if holder_id is None:
            line = rejected_customers.get(customer)
            reason = _("customer_code %(code)s: cliente non presente") % {"code": customer}
            if line:
                reason += _(" (%(where)s è stata scartata)") % {"where": f"{CUSTOMERS}:{line}"}
            problems.append(reason)
    if service not in SERVICES:
        problems.append(_("service: deve essere water o waste") if service else missing("service"))
    if use not in USES:
        problems.append(_("use: deve essere domestic o non_domestic") if use else missing("use"))
    if status not in STATUSES:
        problems.append(
            _("status: deve essere active, suspended o terminated") if status else missing("status")
        )
    direct_debit = YES_NO.get(debit)
    if direct_debit is None:
        problems.append(_("direct_debit: deve essere yes o no"))
    start_date = parse_date(problems, "start_date", start)
    end_date = parse_date(problems, "end_date", end)
    if start_date and end_date and end_date < start_date:
        problems.append(_("end_date: precedente a start_date"))
    for name, value in (
        ("service_code", code),
        ("supply_address", address),
        ("municipality", municipality),
        ("tariff", tariff),
    ):
        too_long(problems, name, value, CONTRACT_MAX[name])
    if problems:
        raise RowError("; ".join(problems))
    return (
        code, holder_id, service, use, address, municipality, status, tariff, direct_debit,
        start_date, end_date,
    )  # fmt: skip


def contract_checker(importer):
    """Called once customers.csv was applied: "known" means in the database or in this
    feed; a customer rejected in this feed is named in the reason."""
    holder_ids = dict(Holder.objects.values_list("customer_code", "id"))
    rejected = importer.rejected.get(CUSTOMERS, {})

    def check(values):
        return check_contract(values, holder_ids, rejected)

    return check


CONTRACT_SPEC = FileSpec(
    name=CONTRACTS,
    model=Contract,
    key="service_code",
    columns=(
        "service_code", "customer_code", "service", "use", "supply_address", "municipality",
        "status", "tariff", "direct_debit", "start_date", "end_date",
    ),
    required=frozenset({"service_code", "customer_code", "service", "use", "status"}),
    fields=(
        "service_code", "holder", "service", "use", "supply_address", "municipality", "status",
        "tariff", "direct_debit", "start_date", "end_date", "checksum", "updated_at",
    ),
    normalise=normalise_contract,
    checker=contract_checker,
    order=20,
)  # fmt: skip
