"""The engine of the billing-system feed in (docs/feed.md): the files are the apps'.

Each file of the feed is a FileSpec that the app owning its model registers
(core.registry.register_feed_file, from its AppConfig.ready(): customers/feed.py holds
`customers.csv` and `contracts.csv`); this module reads, checks and writes any of them, in
the specs' `order`. Reasons and warnings are Italian (staff read them in the back-office);
`file:line` and the feed's column names stay as the integrators write them.

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
   key (INSERT ... ON CONFLICT DO UPDATE; on PostgreSQL the rows whose key was not stored
   are COPYed straight in): a run killed half-way has committed whole batches only, and
   running it again skips what was applied.

On PostgreSQL, when the import runs outside any transaction (the command, the worker), the
batches' transactions run in a thread of their own (Background) while the next batch is
read: the database's work overlaps the parsing instead of following it.

The writers are in feeds/writers.py (docs/performance.md has the figures behind them).
"""

import codecs
import csv
import hashlib
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.registry import registry

from .models import ImportJob, ImportRow
from .writers import make_writer

# Files of the feed (docs/feed.md) recognised and skipped while no installed app registers
# them (their app is left out of INSTALLED_APPS).
LATER_FILES = ("meters.csv", "readings.csv", "bills.csv", "payments.csv")

# Importer._import's `known`: a stored checksum (an integer >= 0), or one of these.
NEW = -1  # not in the database
NO_CHECKSUM = -2  # in the database, written by the portal (no feed checksum)
SEEN = -3  # read at line 2 of this file; SEEN - 1 at line 3, and so on


def handled_files():
    """The names of the files installed apps import, in the order they are applied."""
    return tuple(spec.name for spec in registry.feed_files())


def later_files():
    handled = set(handled_files())
    return tuple(name for name in LATER_FILES if name not in handled)


def known_files():
    return handled_files() + later_files()


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
    """One file of the feed, declared by the app that owns its model.

    `checker(importer)` is called when the file's turn comes (after the files before it were
    applied) and returns `check(values) -> row tuple` (matching `fields` without checksum
    and updated_at), which raises RowError with the reason. `importer.rejected[file name]`
    maps the keys of the rows rejected so far to their line, for reasons such as "not a
    known customer (customers.csv:3 was rejected)".
    """

    name: str
    model: type
    key: str  # the billing system's code, unique in the table
    columns: tuple  # in docs/feed.md's order; the key first
    required: frozenset
    # Model fields written, in order; the last two are always checksum and updated_at.
    fields: tuple
    normalise: Callable
    checker: Callable
    order: int = 100  # files are applied in this order
    # A file whose rows have no code of their own (readings.csv: a meter, a day, a source):
    # row_key(values) -> the value of the model's `key` field. None: the first column.
    row_key: Callable | None = None


# --- reading -------------------------------------------------------------------------------


@dataclass
class Header:
    """Where each of the spec's columns sits in the file (None: absent, read as empty)."""

    positions: tuple
    width: int
    unknown: list


def check_encoding(path):
    """Decode the whole file once, in chunks: a file that is not UTF-8 is unreadable, and it
    is better to know before the first row is applied. Returns the number of data lines
    (physical lines after the header: the job's progress counts against it); raises
    Unreadable."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    line = 1
    last = b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, exc.start)
                raise Unreadable(
                    _("%(where)s: non è UTF-8 (byte 0x%(byte)02x): salva il file in UTF-8")
                    % {"where": f"{path.name}:{line}", "byte": chunk[exc.start]}
                ) from None
            line += chunk.count(b"\n")
            last = chunk[-1:]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise Unreadable(
                _("%(where)s: non è UTF-8 (carattere troncato)") % {"where": f"{path.name}:{line}"}
            ) from None
    # `line` is one more than the newlines; a last line without its newline counts too.
    lines = line - 1 + (1 if last not in (b"", b"\n") else 0)
    return max(lines - 1, 0)


def open_csv(path):
    # newline="": the csv module handles line ends itself, quoted newlines included.
    return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - caller closes


_CSV_SPECIAL = re.compile(r'[",\r\n]')


class _QuoteState:
    """Where a CSV row stands after some text (RFC 4180): inside a quoted field or not. A
    quote opens a quoted field only at the start of a field; inside one, a doubled quote is
    a quote. A stray quote in an unquoted field (Ro"ma) is text, as csv.reader reads it."""

    def __init__(self):
        self.in_quotes = False
        self.field_start = True
        self.after_close = False  # the previous character closed a quoted field

    def feed(self, text):
        end = 0
        for match in _CSV_SPECIAL.finditer(text):
            self._ordinary(match.start() - end)
            end = match.end()
            char = match.group()
            if self.in_quotes:
                if char == '"':
                    self.in_quotes, self.after_close = False, True
                continue
            if char == '"':
                if self.after_close or self.field_start:
                    self.in_quotes = True
                self.after_close = self.field_start = False
            else:  # a comma or a line end outside quotes: a new field starts
                self.after_close, self.field_start = False, True
        self._ordinary(len(text) - end)

    def _ordinary(self, count):
        if count > 0:
            self.after_close = False
            if not self.in_quotes:
                self.field_start = False


class BoundedLines:
    """The physical lines of an open CSV file, as csv.reader wants them, with no row longer
    than `limit` characters. The rest of a longer row is read in pieces of at most `limit`
    characters and dropped, up to the line end outside a quoted field (RFC 4180: a row ends
    at a line end outside quotes), and RowTooLong is raised in its place; csv.reader passes
    it on and starts afresh at the next row. Call `new_row()` before asking the reader for a
    row: `start` is then the physical line where that row begins (the header is line 1).

    The lines of the current row are kept (at most `limit` characters) and scanned for
    quotes only when the row turns out too long, so ordinary rows cost nothing extra."""

    def __init__(self, f, limit=MAX_ROW_CHARS):
        self.f = f
        self.limit = limit
        self.line = 0  # physical lines read so far
        self.start = 1
        self.chars = 0  # of the current row
        self.row = []  # the current row's lines so far

    def new_row(self):
        self.start = self.line + 1
        self.chars = 0
        self.row = []

    def __iter__(self):
        return self

    def __next__(self):
        room = self.limit - self.chars
        text = self.f.readline(room + 1)
        if not text:
            raise StopIteration
        self.line += 1
        if len(text) > room:
            self._drop_rest(text)
            raise RowTooLong(self.start, self.line)
        self.chars += len(text)
        self.row.append(text)
        return text

    def _drop_rest(self, piece):
        state = _QuoteState()
        for text in self.row:
            state.feed(text)
        self.row = []
        state.feed(piece)
        while not (piece.endswith(("\n", "\r")) and not state.in_quotes):
            line_ended = piece.endswith(("\n", "\r"))
            piece = self.f.readline(self.limit)
            if not piece:
                return
            if line_ended:
                self.line += 1
            state.feed(piece)


def read_header(path, spec):
    """Check the header of one file. Raises Unreadable on an empty file, a repeated column or
    a missing required column."""
    with open_csv(path) as f:
        try:
            names = next(csv.reader(BoundedLines(f)), None)
        except csv.Error as exc:
            raise Unreadable(
                _("%(file)s:1: riga di intestazione non leggibile (%(error)s)")
                % {"file": spec.name, "error": exc}
            ) from None
        except RowTooLong:
            raise Unreadable(
                _("%(file)s:1: riga di intestazione più lunga di %(n)d caratteri")
                % {"file": spec.name, "n": MAX_ROW_CHARS}
            ) from None
    if not names or not any(n.strip() for n in names):
        raise Unreadable(
            _("%(file)s:1: manca la riga di intestazione (il file è vuoto)") % {"file": spec.name}
        )
    names = [n.strip().lower() for n in names]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise Unreadable(
            _("%(file)s:1: colonna ripetuta nell'intestazione: %(columns)s")
            % {"file": spec.name, "columns": ", ".join(repeated)}
        )
    absent = [c for c in spec.columns if c in spec.required and c not in names]
    if absent:
        raise Unreadable(
            _("%(file)s:1: colonna obbligatoria mancante: %(columns)s")
            % {"file": spec.name, "columns": ", ".join(absent)}
        )
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
    in_order = positions == tuple(range(width))  # the file has the spec's columns, in order
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
                reason = _("riga più lunga di %(n)d caratteri") % {"n": MAX_ROW_CHARS}
                if exc.end != exc.start:
                    reason += _(" (righe %(start)d-%(end)d)") % {"start": exc.start, "end": exc.end}
                yield exc.start, None, reason
                continue
            except csv.Error as exc:
                yield lines.start, None, _("non leggibile come CSV (%(error)s)") % {"error": exc}
                continue
            if not row:
                continue  # a blank line
            if len(row) != width:
                if len(row) == 1 and not row[0].strip():
                    continue  # a line of spaces
                yield (
                    lines.start,
                    None,
                    _("%(n)d campi, l'intestazione ne ha %(width)d")
                    % {"n": len(row), "width": width},
                )
                continue
            if in_order:
                values = list(map(str.strip, row))
            else:
                values = [row[p].strip() if p is not None else "" for p in positions]
            yield lines.start, values, None


# --- helpers for the apps' checks ---------------------------------------------------------


def checksum(values):
    return hashlib.md5(  # noqa: S324 - change detection, not security
        "\x1f".join((CHECKSUM_VERSION, *values)).encode(), usedforsecurity=False
    ).hexdigest()


def stored_checksum(digest):
    """A row's stored checksum as Importer._import compares it: an integer, NO_CHECKSUM for
    a row the portal wrote or anything that is not a checksum (it is then rewritten)."""
    try:
        return int(digest, 16) if digest else NO_CHECKSUM
    except ValueError:
        return NO_CHECKSUM


def max_lengths(model, names):
    return {name: model._meta.get_field(name).max_length for name in names}


def too_long(problems, name, value, limit):
    if len(value) > limit:
        problems.append(
            _("%(column)s: più lungo di %(n)d caratteri") % {"column": name, "n": limit}
        )


def parse_date(problems, name, value):
    """A YYYY-MM-DD value as a date (None when empty); a problem appended otherwise."""
    if not value:
        return None
    if DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(_("%(column)s: non è una data YYYY-MM-DD") % {"column": name})
    return None


def missing(name):
    return _("%(column)s: mancante") % {"column": name}


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


class Batch:
    """The rows of one batch, as the writer takes them: those whose key was not in the table
    (created) apart from the others (updated)."""

    __slots__ = ("created", "updated")

    def __init__(self):
        self.created = []
        self.updated = []

    def __len__(self):
        return len(self.created) + len(self.updated)

    def clear(self):
        self.created = []
        self.updated = []


class Background:
    """Commits the batches in a thread of its own, with its own database connection, while
    the importer reads the next batch: on PostgreSQL the server's work on one batch (COPY,
    the indexes, the commit) overlaps the parsing and checking of the next, instead of
    following it. One batch at a time: `submit` first waits for the previous one, so at most
    two batches are in memory, and they commit in order.

    A batch's failure (JobLost, a database error, an interruption of the thread) is raised
    again in the importer's thread by the next `submit` or `wait`; the batches after it are
    not written. A batch's `done()` is called in the importer's thread once it committed."""

    def __init__(self):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed-writer")
        self.pending = None  # (future, done)

    def submit(self, work, done):
        self.wait()
        self.pending = (self.executor.submit(work), done)

    def wait(self):
        if self.pending is not None:
            future, done = self.pending
            self.pending = None
            future.result()  # raises the batch's exception
            done()

    def close(self):
        """Wait for the batch in flight (its failure is not raised: the caller is already
        failing, or called wait() first) and close the thread's connection."""
        try:
            if self.pending is not None:
                future, done = self.pending
                self.pending = None
                if future.exception() is None:
                    done()
            # `connection` is per thread: looked up in the writer's thread, it is that
            # thread's own.
            self.executor.submit(lambda: connection.close()).result()
        finally:
            self.executor.shutdown(wait=True)


class Importer:
    """Imports one directory into the database for `job` (an ImportJob already saved).

    `out` and `err` receive lines: the per-file summaries and warnings, and the
    `file:line: reason` of each rejected row. `run()` returns the warnings; it raises
    Unreadable (nothing applied) when the input cannot be read, Interrupted when `stop` was
    set, JobLost when the job stopped being "running" (the batches before are committed).
    The job's heartbeat_at is written with every batch, and every HEARTBEAT_SECONDS between;
    its rows_total once the files are checked, its rows_done with every batch.
    """

    def __init__(
        self,
        job,
        directory,
        *,
        out=_quiet,
        err=_quiet,
        batch_size=None,
        writer="auto",
        stop=None,
        background=None,
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
        self.rejected = {}  # file name -> {key: line} of its rejected rows
        self.now = timezone.now()
        self.last_beat = time.monotonic()
        self.lines_before = 0  # data lines of the files already imported
        self.line = 1  # physical line where the current file's current row starts
        # Batches committed by a Background thread: on PostgreSQL, when no transaction is open
        # around the import (tests run it inside one, which another connection cannot see).
        if background is None:
            background = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.use_background = background
        self.background = None

    @property
    def rejected_customers(self):
        return self.rejected.get("customers.csv", {})

    # The directory ------------------------------------------------------------------------

    def plan(self):
        """Check the input before writing anything: which files to import (with their
        headers and data lines), which to skip. Raises Unreadable."""
        if not self.directory.is_dir():
            raise Unreadable(_("%(dir)s: non è una cartella") % {"dir": self.directory})
        specs = {spec.name: spec for spec in registry.feed_files()}
        later = later_files()
        present = {p.name: p for p in self.directory.iterdir() if p.is_file()}
        for name in sorted(present):
            if name in later:
                self.warn(_("%(file)s: non ancora gestito, saltato") % {"file": name})
            elif name not in specs and not name.startswith("."):
                self.warn(_("%(file)s: non è un file del flusso, ignorato") % {"file": name})
        if not any(name in present for name in (*specs, *later)):
            raise Unreadable(
                _("%(dir)s: nessun file del flusso (attesi %(names)s)")
                % {"dir": self.directory, "names": ", ".join((*specs, *later))}
            )
        plan = []
        for name, spec in specs.items():
            if name not in present:
                continue
            path = present[name]
            lines = check_encoding(path)
            header = read_header(path, spec)
            for column in header.unknown:
                self.warn(
                    _('%(file)s:1: colonna sconosciuta "%(column)s" ignorata')
                    % {"file": name, "column": column}
                )
            plan.append((spec, path, header, lines))
        return plan

    def warn(self, line):
        self.warnings.append(line)
        self.err(line)

    def run(self):
        plan = self.plan()
        self.job.rows_total = sum(lines for *_, lines in plan)
        ImportJob.objects.filter(pk=self.job.pk).update(rows_total=self.job.rows_total)
        if self.use_background:
            self.background = Background()
        try:
            for spec, path, header, lines in plan:
                result = FileResult(spec.name)
                self.results[spec.name] = result
                started = time.monotonic()
                self._import(path, header, result, spec, lines)
                result.seconds = time.monotonic() - started
                self.out(result.summary())
        finally:
            if self.background is not None:
                self.background.close()
                self.background = None
        return self.warnings

    @property
    def counts(self):
        return {name: dict(r.counts) for name, r in self.results.items()}

    @property
    def rows_done(self):
        """Data lines read so far, counted like rows_total."""
        return self.lines_before + max(self.line - 1, 0)

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
        """Write one batch and the error rows found so far, with the job's counts, progress
        and heartbeat, in one transaction: what is committed always agrees with the counts
        the job shows, and nothing is written for a job that the sweep declared
        interrupted. With a Background, the transaction runs in its thread; the file's
        counts take the batch once it committed."""
        created, updated = batch.created, batch.updated
        errors, self.pending_errors = self.pending_errors, []
        batch.clear()

        def done():
            result.counts["created"] += len(created)
            result.counts["updated"] += len(updated)

        if self.background is not None:
            self.background.wait()  # the counts below include the batch before
        counts = self.counts
        counts[result.name]["created"] += len(created)
        counts[result.name]["updated"] += len(updated)
        rows_done = self.rows_done

        def work():
            with transaction.atomic():
                self.beat()
                if created or updated:
                    writer.write(created + updated, created=len(created))
                if errors:
                    ImportRow.objects.bulk_create(errors, batch_size=1000)
                ImportJob.objects.filter(pk=self.job.pk).update(counts=counts, rows_done=rows_done)

        if self.background is not None:
            self.background.submit(work, done)
        else:
            work()
            done()

    def _import(self, path, header, result, spec, lines):
        """One file (`lines` data lines): rows checked by the spec's checker, written in
        batches.

        Millions of rows (readings.csv holds 3,000,000 at a utility's size): one dict serves
        both to compare checksums and to find a key read twice. It maps each stored key to its
        checksum as an integer (NO_CHECKSUM for a row the portal wrote), and each key read in
        this file to the line it was read at (SEEN and below); the stored checksums are
        streamed from the database in chunks, never held as a list of tuples."""
        writer = make_writer(spec, self.writer_method)
        known = {
            key: stored_checksum(digest)
            for key, digest in spec.model.objects.values_list(spec.key, "checksum").iterator(
                chunk_size=20_000
            )
        }
        check = spec.checker(self)
        normalise = spec.normalise
        row_key = spec.row_key
        rejected = self.rejected.setdefault(spec.name, {})
        batch = Batch()
        # A key longer than its column is rejected anyway: not remembered, so that a file of
        # huge keys cannot fill the memory.
        key_max = spec.model._meta.get_field(spec.key).max_length
        now = self.now
        stop = self.stop
        batch_size = self.batch_size
        pending = 0  # rows in `batch`
        counts = result.counts
        md5 = hashlib.md5
        version = CHECKSUM_VERSION
        monotonic = time.monotonic

        def reject(line, key, reason):
            nonlocal pending
            self.reject(result, line, key, reason)
            if len(self.pending_errors) >= batch_size:
                self.flush(writer, batch, result)  # a file of bad rows: keep memory flat
                pending = 0

        # The loop runs once per row of files of millions: what it does per row is inlined
        # (checksum() among it) and kept to local names.
        for line, values, problem in iter_rows(path, header):
            self.line = line
            if stop is not None and stop.is_set():
                raise Interrupted(f"stopped at {spec.name}:{line}")
            if monotonic() - self.last_beat > HEARTBEAT_SECONDS:
                self.beat()
            if problem:
                reject(line, "", problem)
                continue
            key = row_key(values) if row_key is not None else values[0]
            old = known.get(key, NEW)
            if old <= SEEN:  # a key twice in one file is an error, the first one wins
                reject(
                    line,
                    key,
                    _("%(column)s %(key)s già presente alla riga %(line)d")
                    % {"column": spec.key, "key": key, "line": SEEN - old + 2},
                )
                continue
            remember = bool(key) and len(key) <= key_max
            if remember:
                known[key] = SEEN - (line - 2)
            digest = md5(  # checksum(), inlined
                "\x1f".join((version, *normalise(values))).encode(), usedforsecurity=False
            ).hexdigest()
            if old == int(digest, 16):
                counts["unchanged"] += 1
                continue
            try:
                row = check(values)
            except RowError as exc:
                reject(line, key, str(exc))
                if remember:
                    rejected[key] = line
                continue
            (batch.created if old == NEW else batch.updated).append((*row, digest, now))
            pending += 1
            if pending >= batch_size:
                self.flush(writer, batch, result)
                pending = 0
        self.lines_before += lines
        self.line = 1
        self.flush(writer, batch, result)
        if self.background is not None:
            self.background.wait()  # the next file's checks read what this one wrote
