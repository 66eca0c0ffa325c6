"""The billing-system feed in (CONTRACT.md section 5): `customers.csv` and `contracts.csv`.

How one directory is imported (docs/feed.md is the integrator's view of the same rules):

1. Every known file is checked before anything is written: UTF-8 (a BOM is accepted), a
   header row, every required column. A file that fails makes the whole input unreadable and
   nothing is applied (exit status 2).
2. Each row is normalised and given a checksum (md5 of the normalised values). The stored
   checksums, loaded in one query per table, tell whether the row is new, changed or
   unchanged. An unchanged row is neither validated again nor written.
3. New and changed rows are validated; a bad row becomes an ImportRow (`file:line: reason`)
   and is skipped. A row longer than MAX_ROW_CHARS is one too: it is read in pieces and
   dropped, never held whole, so memory stays bounded whatever the file holds. Good rows
   are written in batches, one transaction per batch, as upserts on the billing system's
   key (INSERT ... ON CONFLICT DO UPDATE): a run killed half-way has committed whole batches
   only, and running it again skips what was applied.

The writers are in feeds/writers.py (docs/performance.md has the figures behind them).
"""

import codecs
import csv
import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.identifiers import (
    clean_codice_fiscale,
    clean_partita_iva,
    compact_codice_fiscale,
    compact_partita_iva,
)
from customers.models import Contract, Holder

from .models import ImportJob, ImportRow
from .writers import make_writer

CUSTOMERS = "customers.csv"
CONTRACTS = "contracts.csv"
HANDLED_FILES = (CUSTOMERS, CONTRACTS)  # in the order they are applied
# Known to CONTRACT.md section 5, handled by later issues: recognised and skipped.
LATER_FILES = ("meters.csv", "readings.csv", "bills.csv", "payments.csv")
KNOWN_FILES = HANDLED_FILES + LATER_FILES

OUTCOMES = ("created", "updated", "unchanged", "error")
DEFAULT_BATCH_SIZE = 10_000
# Bumped when normalisation changes, so that the next feed rewrites every row once.
CHECKSUM_VERSION = "1"
REASON_MAX = ImportRow._meta.get_field("reason").max_length
KEY_MAX = ImportRow._meta.get_field("key").max_length
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A real row is well under 2 KiB. A longer one (a 450 MB line once took the worker to 1 GB)
# is rejected without being held in memory; csv's own field limit (128 Ki characters) is
# above it, so this is the limit that acts.
MAX_ROW_CHARS = 64 * 1024
# While it runs, the job's heartbeat is written at least this often (seconds), besides after
# every batch: a re-run of an unchanged feed writes no batch for minutes.
HEARTBEAT_SECONDS = 30


class Unreadable(Exception):
    """The input cannot be read at all: nothing is applied (exit status 2)."""


class Interrupted(Exception):
    """The run was asked to stop (SIGTERM, Ctrl-C): raised between rows, never inside a
    batch's transaction, so the database connection is left clean to record the job."""


class RowError(Exception):
    """A row that cannot be applied; the message is the reason."""


class JobLost(Exception):
    """The job is no longer "running" in the database (the sweep declared it interrupted
    because its heartbeat was too old): stop without writing more."""


class RowTooLong(Exception):
    """Raised by BoundedLines in place of a row longer than the limit, once the whole row
    (physical lines `start` to `end`) has been read and dropped."""

    def __init__(self, start, end):
        super().__init__(start, end)
        self.start = start
        self.end = end


@dataclass(frozen=True)
class FileSpec:
    name: str
    model: type
    key: str  # the billing system's code, unique in the table
    columns: tuple  # in CONTRACT.md's order
    required: frozenset
    # Model fields written, in order; the row tuple a `check` function returns matches them.
    fields: tuple


CUSTOMER_SPEC = FileSpec(
    name=CUSTOMERS,
    model=Holder,
    key="customer_code",
    columns=(
        "customer_code",
        "kind",
        "first_name",
        "last_name",
        "company_name",
        "codice_fiscale",
        "partita_iva",
        "email",
        "phone",
        "address",
    ),
    required=frozenset({"customer_code", "kind"}),
    fields=(
        "customer_code",
        "kind",
        "first_name",
        "last_name",
        "company_name",
        "codice_fiscale",
        "partita_iva",
        "email",
        "phone",
        "address",
        "checksum",
        "updated_at",
    ),
)

CONTRACT_SPEC = FileSpec(
    name=CONTRACTS,
    model=Contract,
    key="service_code",
    columns=(
        "service_code",
        "customer_code",
        "service",
        "use",
        "supply_address",
        "municipality",
        "status",
        "tariff",
        "direct_debit",
        "start_date",
        "end_date",
    ),
    required=frozenset({"service_code", "customer_code", "service", "use", "status"}),
    fields=(
        "service_code",
        "holder",
        "service",
        "use",
        "supply_address",
        "municipality",
        "status",
        "tariff",
        "direct_debit",
        "start_date",
        "end_date",
        "checksum",
        "updated_at",
    ),
)

SPECS = {CUSTOMERS: CUSTOMER_SPEC, CONTRACTS: CONTRACT_SPEC}


def _max_lengths(model, names):
    return {name: model._meta.get_field(name).max_length for name in names}


HOLDER_MAX = _max_lengths(
    Holder,
    (
        "customer_code",
        "first_name",
        "last_name",
        "company_name",
        "email",
        "phone",
        "address",
    ),
)
CONTRACT_MAX = _max_lengths(Contract, ("service_code", "supply_address", "municipality", "tariff"))
KINDS = frozenset(Holder.Kind.values)
SERVICES = frozenset(Contract.Service.values)
USES = frozenset(Contract.Use.values)
STATUSES = frozenset(Contract.Status.values)
YES_NO = {"yes": True, "no": False, "": False}


# --- reading -------------------------------------------------------------------------------


@dataclass
class Header:
    """Where each of the spec's columns sits in the file (None: absent, read as empty)."""

    positions: tuple
    width: int
    unknown: list


def check_encoding(path):
    """Decode the whole file once, in chunks: a file that is not UTF-8 is unreadable, and it
    is better to know before the first row is applied. Returns nothing; raises Unreadable."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    line = 1
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, exc.start)
                raise Unreadable(
                    f"{path.name}:{line}: not UTF-8 (byte 0x{chunk[exc.start]:02x}); "
                    "save the file as UTF-8"
                ) from None
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise Unreadable(f"{path.name}:{line}: not UTF-8 (truncated character)") from None


def open_csv(path):
    # newline="": the csv module handles line ends itself, quoted newlines included.
    return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - caller closes


class BoundedLines:
    """The physical lines of an open CSV file, as csv.reader wants them, with no row longer
    than `limit` characters. The rest of a longer row is read in pieces of at most `limit`
    characters and dropped, up to the line end where its quotes balance (RFC 4180: a row ends
    at a line end outside quotes), and RowTooLong is raised in its place; csv.reader passes
    it on and starts afresh at the next row. Call `new_row()` before asking the reader for a
    row: `start` is then the physical line where that row begins (the header is line 1)."""

    def __init__(self, f, limit=MAX_ROW_CHARS):
        self.f = f
        self.limit = limit
        self.line = 0  # physical lines read so far
        self.start = 1
        self.chars = 0  # of the current row
        self.quotes = 0  # of the current row: odd inside a quoted field

    def new_row(self):
        self.start = self.line + 1
        self.chars = 0
        self.quotes = 0

    def __iter__(self):
        return self

    def __next__(self):
        room = self.limit - self.chars
        text = self.f.readline(room + 1)
        if not text:
            raise StopIteration
        self.line += 1
        self.quotes += text.count('"')
        if len(text) > room:
            self._drop_rest(text)
            raise RowTooLong(self.start, self.line)
        self.chars += len(text)
        return text

    def _drop_rest(self, piece):
        while not (piece.endswith(("\n", "\r")) and self.quotes % 2 == 0):
            line_ended = piece.endswith(("\n", "\r"))
            piece = self.f.readline(self.limit)
            if not piece:
                return
            if line_ended:
                self.line += 1
            self.quotes += piece.count('"')


def read_header(path, spec):
    """Check the header of one file. Raises Unreadable on an empty file, a repeated column or
    a missing required column."""
    with open_csv(path) as f:
        try:
            names = next(csv.reader(BoundedLines(f)), None)
        except csv.Error as exc:
            raise Unreadable(f"{spec.name}:1: header row cannot be read ({exc})") from None
        except RowTooLong:
            raise Unreadable(
                f"{spec.name}:1: header row longer than {MAX_ROW_CHARS} characters"
            ) from None
    if not names or not any(n.strip() for n in names):
        raise Unreadable(f"{spec.name}:1: no header row (the file is empty)")
    names = [n.strip().lower() for n in names]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise Unreadable(f"{spec.name}:1: column repeated in the header: {', '.join(repeated)}")
    missing = [c for c in spec.columns if c in spec.required and c not in names]
    if missing:
        raise Unreadable(f"{spec.name}:1: required column missing: {', '.join(missing)}")
    index = {n: i for i, n in enumerate(names)}
    return Header(
        positions=tuple(index.get(c) for c in spec.columns),
        width=len(names),
        unknown=[n for n in names if n not in spec.columns],
    )


def iter_rows(path, header):
    """Yield (line, values, error) for each data row: values in the spec's column order, or an
    error message for a row the CSV reader, the length limit or the field count rejects.
    `line` is the physical line on which the row starts (the header is line 1)."""
    positions = header.positions
    width = header.width
    with open_csv(path) as f:
        lines = BoundedLines(f)
        reader = csv.reader(lines)
        try:
            next(reader)
        except (StopIteration, csv.Error, RowTooLong):
            return
        while True:
            lines.new_row()
            try:
                row = next(reader)
            except StopIteration:
                return
            except RowTooLong as exc:
                lines_ = f" (lines {exc.start}-{exc.end})" if exc.end != exc.start else ""
                yield exc.start, None, f"row longer than {MAX_ROW_CHARS} characters{lines_}"
                continue
            except csv.Error as exc:
                yield lines.start, None, f"cannot be read as CSV ({exc})"
                continue
            if not row:
                continue  # a blank line
            if len(row) != width:
                if len(row) == 1 and not row[0].strip():
                    continue  # a line of spaces
                yield lines.start, None, f"{len(row)} fields, the header has {width}"
                continue
            yield lines.start, [row[p].strip() if p is not None else "" for p in positions], None


# --- normalising and checking rows ---------------------------------------------------------


def normalise_customer(values):
    """Stripped values (iter_rows), the kind lower-cased, CF and P.IVA compacted."""
    values[1] = values[1].lower()
    if values[5]:
        values[5] = compact_codice_fiscale(values[5])
    if values[6]:
        values[6] = compact_partita_iva(values[6])
    return values


def normalise_contract(values):
    values[2] = values[2].lower()
    values[3] = values[3].lower()
    values[6] = values[6].lower()
    values[8] = values[8].lower()
    return values


def checksum(values):
    return hashlib.md5(  # noqa: S324 - change detection, not security
        "\x1f".join((CHECKSUM_VERSION, *values)).encode(), usedforsecurity=False
    ).hexdigest()


def _too_long(problems, name, value, limit):
    if len(value) > limit:
        problems.append(f"{name}: longer than {limit} characters")


def check_customer(values):
    """The row's field values for Holder (without checksum and updated_at), or RowError with
    every problem found in the row."""
    (code, kind, first, last, company, cf, piva, email, phone, address) = values
    problems = []
    if not code:
        problems.append("customer_code: missing")
    if kind not in KINDS:
        problems.append("kind: must be person or company" if kind else "kind: missing")
    if kind == Holder.Kind.PERSON:
        if not cf:
            problems.append("codice_fiscale: missing (required for a person)")
        else:
            try:
                cf = clean_codice_fiscale(cf)
            except ValidationError as exc:
                problems.append(_cf_reason(exc, "16 characters"))
        if piva:
            try:
                piva = clean_partita_iva(piva)
            except ValidationError as exc:
                problems.append(_piva_reason(exc))
    elif kind == Holder.Kind.COMPANY:
        if not piva:
            problems.append("partita_iva: missing (required for a company)")
        else:
            try:
                piva = clean_partita_iva(piva)
            except ValidationError as exc:
                problems.append(_piva_reason(exc))
        if cf:
            try:
                cf = clean_codice_fiscale(cf, allow_company=True)
            except ValidationError as exc:
                problems.append(_cf_reason(exc, "11 digits or 16 characters"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append("email: not a valid e-mail address")
    for name, value in (
        ("customer_code", code),
        ("first_name", first),
        ("last_name", last),
        ("company_name", company),
        ("email", email),
        ("phone", phone),
        ("address", address),
    ):
        _too_long(problems, name, value, HOLDER_MAX[name])
    if problems:
        raise RowError("; ".join(problems))
    return (code, kind, first, last, company, cf, piva, email, phone, address)


def _cf_reason(exc, expected):
    if exc.code == "length":
        return f"codice_fiscale: wrong length ({expected} expected)"
    return "codice_fiscale: not a valid codice fiscale"


def _piva_reason(exc):
    if exc.code == "length":
        return "partita_iva: must be 11 digits"
    return "partita_iva: not a valid partita IVA"


def _date(problems, name, value):
    if not value:
        return None
    if DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"{name}: not a date YYYY-MM-DD")
    return None


def check_contract(values, holder_ids, rejected_customers):
    """The row's field values for Contract (holder as its id, without checksum and
    updated_at), or RowError with every problem found in the row."""
    (code, customer, service, use, address, municipality, status, tariff, debit, start, end) = (
        values
    )
    problems = []
    if not code:
        problems.append("service_code: missing")
    holder_id = None
    if not customer:
        problems.append("customer_code: missing")
    else:
        holder_id = holder_ids.get(customer)
        if holder_id is None:
            line = rejected_customers.get(customer)
            problems.append(
                f"customer_code {customer}: not a known customer"
                + (f" ({CUSTOMERS}:{line} was rejected)" if line else "")
            )
    if service not in SERVICES:
        problems.append("service: must be water or waste" if service else "service: missing")
    if use not in USES:
        problems.append("use: must be domestic or non_domestic" if use else "use: missing")
    if status not in STATUSES:
        problems.append(
            "status: must be active, suspended or terminated" if status else "status: missing"
        )
    direct_debit = YES_NO.get(debit)
    if direct_debit is None:
        problems.append("direct_debit: must be yes or no")
    start_date = _date(problems, "start_date", start)
    end_date = _date(problems, "end_date", end)
    if start_date and end_date and end_date < start_date:
        problems.append("end_date: before start_date")
    for name, value in (
        ("service_code", code),
        ("supply_address", address),
        ("municipality", municipality),
        ("tariff", tariff),
    ):
        _too_long(problems, name, value, CONTRACT_MAX[name])
    if problems:
        raise RowError("; ".join(problems))
    return (
        code,
        holder_id,
        service,
        use,
        address,
        municipality,
        status,
        tariff,
        direct_debit,
        start_date,
        end_date,
    )


# --- the run -------------------------------------------------------------------------------


def _quiet(line):
    pass


@dataclass
class FileResult:
    name: str
    counts: dict = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    seconds: float = 0.0

    @property
    def rows(self):
        return sum(self.counts.values())

    def summary(self):
        c = self.counts
        rate = self.rows / self.seconds if self.seconds else 0
        return (
            f"{self.name}: {c['created']} created, {c['updated']} updated, "
            f"{c['unchanged']} unchanged, {c['error']} errors "
            f"({self.rows} rows in {self.seconds:.1f} s, {rate:,.0f} rows/s)"
        )


class Importer:
    """Imports one directory into the database for `job` (an ImportJob already saved).

    `out` and `err` receive lines: the per-file summaries and warnings, and the
    `file:line: reason` of each rejected row. `run()` returns the warnings; it raises
    Unreadable (nothing applied) when the input cannot be read, Interrupted when `stop` was
    set, JobLost when the job stopped being "running" (the batches before are committed).
    The job's heartbeat_at is written with every batch, and every HEARTBEAT_SECONDS between.
    """

    def __init__(
        self, job, directory, *, out=_quiet, err=_quiet, batch_size=None, writer="auto", stop=None
    ):
        self.job = job
        self.directory = Path(directory)
        self.out = out
        self.err = err
        self.batch_size = batch_size or DEFAULT_BATCH_SIZE
        self.writer_method = writer
        self.stop = stop  # a threading.Event: set it to stop at the next row
        self.results = {}
        self.warnings = []
        self.pending_errors = []
        self.rejected_customers = {}  # customer_code -> line, for contracts' reasons
        self.now = timezone.now()
        self.last_beat = time.monotonic()

    # The directory ------------------------------------------------------------------------

    def plan(self):
        """Check the input before writing anything: which files to import (with their
        headers), which to skip. Raises Unreadable."""
        if not self.directory.is_dir():
            raise Unreadable(f"{self.directory}: not a directory")
        present = {p.name: p for p in self.directory.iterdir() if p.is_file()}
        for name in sorted(present):
            if name in LATER_FILES:
                self.warn(f"{name}: not handled yet, skipped")
            elif name not in HANDLED_FILES and not name.startswith("."):
                self.warn(f"{name}: not a file of the feed, ignored")
        if not any(name in present for name in KNOWN_FILES):
            raise Unreadable(
                f"{self.directory}: no file of the feed (expected {', '.join(KNOWN_FILES)})"
            )
        plan = []
        for name in HANDLED_FILES:
            if name not in present:
                continue
            path = present[name]
            check_encoding(path)
            header = read_header(path, SPECS[name])
            for column in header.unknown:
                self.warn(f'{name}:1: unknown column "{column}" ignored')
            plan.append((SPECS[name], path, header))
        return plan

    def warn(self, line):
        self.warnings.append(line)
        self.err(line)

    def run(self):
        for spec, path, header in self.plan():
            result = FileResult(spec.name)
            self.results[spec.name] = result
            started = time.monotonic()
            if spec is CUSTOMER_SPEC:
                self.import_customers(path, header, result)
            else:
                self.import_contracts(path, header, result)
            result.seconds = time.monotonic() - started
            self.out(result.summary())
        return self.warnings

    @property
    def counts(self):
        return {name: dict(r.counts) for name, r in self.results.items()}

    # Rows ---------------------------------------------------------------------------------

    def reject(self, result, line, key, reason):
        result.counts["error"] += 1
        if len(reason) > REASON_MAX:
            reason = reason[: REASON_MAX - 1] + "…"
        self.err(f"{result.name}:{line}: {reason}")
        self.pending_errors.append(
            ImportRow(job=self.job, file=result.name, line=line, key=key[:KEY_MAX], reason=reason)
        )

    def beat(self):
        """Write the job's heartbeat; JobLost if the job is no longer running."""
        self.last_beat = time.monotonic()
        running = ImportJob.objects.filter(pk=self.job.pk, state=ImportJob.State.RUNNING)
        if not running.update(heartbeat_at=timezone.now()):
            raise JobLost(f"import job {self.job.uid} is no longer running")

    def flush(self, writer, batch, result):
        """Write one batch and the error rows found so far, with the job's counts and its
        heartbeat, in one transaction: what is committed always agrees with the counts the job
        shows, and nothing is written for a job that the sweep declared interrupted."""
        with transaction.atomic():
            self.beat()
            if batch:
                writer.write([row for row, _ in batch])
            for _, outcome in batch:
                result.counts[outcome] += 1
            if self.pending_errors:
                ImportRow.objects.bulk_create(self.pending_errors, batch_size=1000)
            ImportJob.objects.filter(pk=self.job.pk).update(counts=self.counts)
        self.pending_errors = []
        batch.clear()

    def _import(self, path, header, result, spec, stored, normalise, check):
        """The loop both files share. `stored` maps key -> checksum; `check(values)` returns
        the model values or raises RowError."""
        writer = make_writer(spec, self.writer_method)
        batch = []
        seen = {}  # key -> line: a key twice in one file is an error, the first one wins
        # A key longer than its column is rejected anyway: not remembered, so that a file of
        # huge keys cannot fill the memory.
        key_max = spec.model._meta.get_field(spec.key).max_length
        now = self.now
        stop = self.stop
        for line, values, problem in iter_rows(path, header):
            if stop is not None and stop.is_set():
                raise Interrupted(f"stopped at {spec.name}:{line}")
            if time.monotonic() - self.last_beat > HEARTBEAT_SECONDS:
                self.beat()
            if len(self.pending_errors) >= self.batch_size:
                self.flush(writer, batch, result)  # a file of bad rows: keep memory flat
            if problem:
                self.reject(result, line, "", problem)
                continue
            key = values[0]
            if key in seen:
                self.reject(result, line, key, f"{spec.key} {key} already on line {seen[key]}")
                continue
            if key and len(key) <= key_max:
                seen[key] = line
            digest = checksum(normalise(values))
            old = stored.get(key)
            if old == digest:
                result.counts["unchanged"] += 1
                continue
            try:
                row = check(values)
            except RowError as exc:
                self.reject(result, line, key, str(exc))
                if spec is CUSTOMER_SPEC and key:
                    self.rejected_customers[key] = line
                continue
            batch.append(((*row, digest, now), "created" if old is None else "updated"))
            if len(batch) >= self.batch_size:
                self.flush(writer, batch, result)
        self.flush(writer, batch, result)

    def import_customers(self, path, header, result):
        stored = dict(Holder.objects.values_list("customer_code", "checksum"))
        self._import(
            path, header, result, CUSTOMER_SPEC, stored, normalise_customer, check_customer
        )

    def import_contracts(self, path, header, result):
        stored = dict(Contract.objects.values_list("service_code", "checksum"))
        # After customers.csv was applied: "known" means in the database or in this feed.
        holder_ids = dict(Holder.objects.values_list("customer_code", "id"))
        rejected = self.rejected_customers

        def check(values):
            return check_contract(values, holder_ids, rejected)

        self._import(path, header, result, CONTRACT_SPEC, stored, normalise_contract, check)
