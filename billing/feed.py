"""The files of the billing-system feed that billing owns: `bills.csv` and `payments.csv`
(docs/billing.md). Columns, normalisation and checks live here; the engine that
reads, counts and writes them is feeds.importer. Registered by BillingConfig.ready().

A bill's PDF comes with the feed, as a file path relative to the feed's directory (a zip
upload is extracted into one). It is copied, never parsed, into the `private` storage
(core.uploads, STORAGES["private"]: local files or any bucket Django's storage API reaches)
under a name made of its SHA-256, so copying the same file again changes nothing. The copy
happens only for new and changed rows: an unchanged re-run reads no PDF.
"""

import hashlib
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.utils.translation import gettext as _

from core.uploads import private_storage
from customers.models import Contract
from feeds.importer import FileSpec, RowError, max_lengths, missing, parse_date, too_long

from . import pagopa
from .models import Bill, FeedPayment

BILLS = "bills.csv"
PAYMENTS = "payments.csv"

BILL_MAX = max_lengths(Bill, ("number",))
PAYMENT_MAX = max_lengths(FeedPayment, ("bill_number", "channel"))
AMOUNT_RE = re.compile(r"-?\d{1,10}(\.\d{1,2})?")
PDF_MAX_BYTES = 20 * 1024 * 1024
PDF_FOLDER = "bills"


_DATES = {}


def cached_date(problems, name, value):
    """parse_date, remembering the good values: a feed of millions of bills holds a few
    thousand distinct dates, and parsing them was a tenth of a load's Python time."""
    found = _DATES.get(value)
    if found is None:
        found = parse_date(problems, name, value)
        if found is not None and len(_DATES) < 100_000:
            _DATES[value] = found
    return found


_AMOUNTS = {}


def cached_amount(problems, name, value, *, positive=False):
    """parse_amount, remembering the good values: bills repeat a few tens of thousands of
    amounts, and the regular expression, Decimal and quantize cost a fifth of a bill's
    checks."""
    found = _AMOUNTS.get(value)
    if found is None or (positive and found <= 0):
        found = parse_amount(problems, name, value, positive=positive)
        if found is not None and len(_AMOUNTS) < 100_000:
            _AMOUNTS[value] = found
    return found


def parse_amount(problems, name, value, *, positive=False):
    """ "258.00" as Decimal("258.00"); a problem appended otherwise."""
    if not value:
        problems.append(missing(name))
        return None
    if AMOUNT_RE.fullmatch(value):
        try:
            amount = Decimal(value).quantize(Decimal("0.01"))
        except InvalidOperation:
            amount = None
        if amount is not None:
            if positive and amount <= 0:
                problems.append(_("%(column)s: deve essere maggiore di zero") % {"column": name})
                return None
            return amount
    problems.append(
        _("%(column)s: non è un importo in euro con il punto decimale (es. 258.00)")
        % {"column": name}
    )
    return None


# --- PDFs ----------------------------------------------------------------------------------


class PdfCopier:
    """Copies the PDFs one import names into the private storage, each file once."""

    def __init__(self, directory):
        self.directory = Path(directory).resolve()
        self.storage = private_storage()
        self.done = {}  # relative path -> stored name

    def _path(self, relative):
        pure = PurePosixPath(relative)
        if "\\" in relative or pure.is_absolute() or ".." in pure.parts or ":" in relative:
            raise RowError(_("pdf: percorso non ammesso (%(path)s)") % {"path": relative})
        given = self.directory / pure
        path = given.resolve()
        if given.is_symlink() or not path.is_relative_to(self.directory):
            raise RowError(_("pdf: percorso non ammesso (%(path)s)") % {"path": relative})
        if not path.is_file():
            raise RowError(_("pdf: file non trovato (%(path)s)") % {"path": relative})
        return path

    def copy(self, relative):
        """The stored name of the PDF at `relative` (copied now if needed); RowError when it
        is missing, outside the feed, too large or not a PDF."""
        if relative in self.done:
            return self.done[relative]
        path = self._path(relative)
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            head = f.read(5)
            if head != b"%PDF-":
                raise RowError(_("pdf: non è un file PDF (%(path)s)") % {"path": relative})
            size = len(head)
            digest.update(head)
            while chunk := f.read(1 << 20):
                size += len(chunk)
                if size > PDF_MAX_BYTES:
                    raise RowError(
                        _("pdf: più grande di %(mb)d MB (%(path)s)")
                        % {"mb": PDF_MAX_BYTES // (1024 * 1024), "path": relative}
                    )
                digest.update(chunk)
            hexdigest = digest.hexdigest()
            name = f"{PDF_FOLDER}/{hexdigest[:2]}/{hexdigest}.pdf"
            if not self.storage.exists(name):
                f.seek(0)
                saved = self.storage.save(name, File(f, name=path.name))
                if saved != name:  # someone stored the same content meanwhile
                    self.storage.delete(saved)
        self.done[relative] = name
        return name


# --- bills.csv -----------------------------------------------------------------------------


def normalise_bill(values):
    """Stripped values (iter_rows); the notice without spaces (printed in groups of four)."""
    values[8] = values[8].replace(" ", "")
    return values


def check_bill(values, contract_ids, rejected_contracts, copier):
    """The row's values for Bill (contract as its id, without checksum and updated_at), or
    RowError with every problem found in the row."""
    (number, service_code, issued, due, start, end, amount_text, pdf, notice) = values
    problems = []
    if not number:
        problems.append(missing("number"))
    too_long(problems, "number", number, BILL_MAX["number"])
    contract_id = None
    if not service_code:
        problems.append(missing("service_code"))
    else:
        contract_id = contract_ids.get(service_code)
        if contract_id is None:
            reason = _("service_code %(code)s: utenza non presente") % {"code": service_code}
            line = rejected_contracts.get(service_code)
            if line:
                reason += _(" (%(where)s è stata scartata)") % {"where": f"contracts.csv:{line}"}
            problems.append(reason)
    dates = _DATES  # the common case inline: a known date is one dictionary look-up
    issued_on = dates.get(issued) or cached_date(problems, "issued_on", issued)
    due_on = dates.get(due) or cached_date(problems, "due_on", due)
    if not issued:
        problems.append(missing("issued_on"))
    if not due:
        problems.append(missing("due_on"))
    if issued_on and due_on and due_on < issued_on:
        problems.append(_("due_on: precedente a issued_on"))
    period_start = dates.get(start) or cached_date(problems, "period_start", start)
    period_end = dates.get(end) or cached_date(problems, "period_end", end)
    if period_start and period_end and period_end < period_start:
        problems.append(_("period_end: precedente a period_start"))
    amount = cached_amount(problems, "amount", amount_text)
    if notice:
        try:
            pagopa.validate_notice(notice)
        except pagopa.InvalidNotice as exc:
            if str(exc) == "check digits":
                problems.append(_("pagopa_notice: cifre di controllo errate"))
            else:
                problems.append(_("pagopa_notice: deve avere 18 cifre e iniziare con 0, 1, 2 o 3"))
    if problems:
        raise RowError("; ".join(problems))
    # Last, once the row is otherwise good: a bad row copies nothing.
    stored_pdf = copier.copy(pdf) if pdf else ""
    return (
        number, contract_id, issued_on, due_on, period_start,
        period_end, amount, stored_pdf, notice,
    )  # fmt: skip


def bill_checker(importer):
    """Called once contracts.csv was applied: "known" means in the database or in this
    feed; a contract rejected in this feed is named in the reason."""
    contract_ids = dict(Contract.objects.values_list("service_code", "id"))
    rejected = importer.rejected.get("contracts.csv", {})
    copier = PdfCopier(importer.directory)

    def check(values):
        return check_bill(values, contract_ids, rejected, copier)

    return check


BILL_SPEC = FileSpec(
    name=BILLS,
    model=Bill,
    key="number",
    columns=(
        "number", "service_code", "issued_on", "due_on", "period_start", "period_end",
        "amount", "pdf", "pagopa_notice",
    ),
    required=frozenset({"number", "service_code", "issued_on", "due_on", "amount"}),
    fields=(
        "number", "contract", "issued_on", "due_on", "period_start", "period_end",
        "amount", "pdf", "pagopa_notice", "checksum", "updated_at",
    ),
    normalise=normalise_bill,
    checker=bill_checker,
    order=40,
)  # fmt: skip


# --- payments.csv --------------------------------------------------------------------------


def normalise_payment(values):
    values[3] = values[3].lower()
    return values


def check_payment(values):
    """The row's values for FeedPayment, or RowError with every problem found in the row.
    The bill need not be known yet (docs/billing.md: the billing system may send a payment
    before its bill)."""
    bill_number, paid, amount_text, channel = values
    problems = []
    if not bill_number:
        problems.append(missing("bill_number"))
    too_long(problems, "bill_number", bill_number, PAYMENT_MAX["bill_number"])
    paid_on = cached_date(problems, "paid_on", paid)
    if not paid:
        problems.append(missing("paid_on"))
    amount = cached_amount(problems, "amount", amount_text, positive=True)
    too_long(problems, "channel", channel, PAYMENT_MAX["channel"])
    if problems:
        raise RowError("; ".join(problems))
    return (bill_number, paid_on, amount, channel)


PAYMENT_SPEC = FileSpec(
    name=PAYMENTS,
    model=FeedPayment,
    key="bill_number",
    columns=("bill_number", "paid_on", "amount", "channel"),
    required=frozenset({"bill_number", "paid_on", "amount"}),
    fields=("bill_number", "paid_on", "amount", "channel", "checksum", "updated_at"),
    normalise=normalise_payment,
    checker=lambda importer: check_payment,
    order=45,
)
