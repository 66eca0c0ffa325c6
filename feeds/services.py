"""Import jobs: run the feed from the command or from a back-office upload, one code path.

`run_import` runs a directory now (the command); `queue_upload` extracts an uploaded zip and
queues `tasks.run_import_job`, which calls `execute_job` in the worker (queue "imports").

One import runs at a time: a job becomes "running" only if no other job is (a partial unique
constraint, so the database decides, on SQLite and PostgreSQL alike); a second one gets
ImportBusy. A running job writes a heartbeat; `sweep_stale_jobs` (before every import, and
from the daily housekeeping) marks interrupted the running jobs whose worker died, and
deletes the CSV files extracted for them.
"""

import logging
import lzma
import os
import shutil
import socket
import stat
import zipfile
import zlib
from datetime import timedelta
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .importer import Importer, Unreadable, known_files
from .models import ImportJob

log = logging.getLogger(__name__)

State = ImportJob.State

MAX_ZIP_ENTRIES = 10
MAX_ZIP_BYTES = 500 * 1024 * 1024  # uncompressed, all entries together
UPLOAD_DIR = "feeds"  # under MEDIA_ROOT, one sub-directory per job uid
# A running job whose heartbeat (written every importer.HEARTBEAT_SECONDS at most) is older
# than this has lost its worker.
STALE_AFTER = timedelta(minutes=10)


class ImportBusy(Exception):
    """Another import is running: this one did not start. `job` is the running one (None if
    it ended meanwhile)."""

    def __init__(self, job):
        self.job = job
        if job is None:
            super().__init__("another import was running")
        else:
            super().__init__(
                f"another import is running (job {job.uid}, {job.get_source_display()}, "
                f"started {timezone.localtime(job.started_at):%Y-%m-%d %H:%M})"
            )


def _runner():
    return f"{socket.gethostname()}:{os.getpid()}"


def _claim(claim):
    """Run `claim()` (which makes one job running) in its own savepoint; ImportBusy if the
    database refuses a second running job."""
    try:
        with transaction.atomic():
            return claim()
    except IntegrityError:
        running = ImportJob.objects.filter(state=State.RUNNING).first()
        if running is None:
            raise  # not the one-running constraint
        raise ImportBusy(running) from None


def _line_writer(stream):
    if stream is None:
        return lambda line: None
    return lambda line: stream.write(line + "\n")


def run_import(*, directory, source, user=None, stdout=None, stderr=None, **options):
    """Import the feed in `directory` now, as a new job, and return the job. Raises
    ImportBusy (nothing created) when another import is running.

    Side effects: the stale-job sweep; one ImportJob (running, then done, failed or
    interrupted, with its counts and finished_at), one ImportRow per rejected row, holders
    and contracts created or updated. `stdout` gets the per-file summaries, `stderr` the
    warnings and `file:line: reason` of each rejected row. `options` go to the Importer
    (batch_size, writer, stop).
    """
    sweep_stale_jobs()
    now = timezone.now()
    job = _claim(
        lambda: ImportJob.objects.create(
            source=source,
            created_by=user,
            directory=str(directory),
            state=State.RUNNING,
            started_at=now,
            heartbeat_at=now,
            runner=_runner(),
        )
    )
    return _execute(job, stdout=stdout, stderr=stderr, **options)


def execute_job(*, job_uid, **options):
    """Run a pending job whose directory is set (an upload). Claims the job with a
    conditional UPDATE, so two workers never run it twice; returns the job, or None when it
    was not pending. Raises ImportBusy when another import is running: the job stays
    pending (tasks.run_import_job tries again later).

    Side effects: as run_import; the job's directory is deleted once it ran.
    """
    sweep_stale_jobs()
    now = timezone.now()
    claimed = _claim(
        lambda: (
            ImportJob.objects.filter(uid=job_uid, state=State.PENDING)
            .exclude(directory="")
            .update(state=State.RUNNING, started_at=now, heartbeat_at=now, runner=_runner())
        )
    )
    if not claimed:
        return None
    job = ImportJob.objects.get(uid=job_uid)
    try:
        return _execute(job, **options)
    finally:
        if job.source == ImportJob.Source.UPLOAD:
            # The uploaded CSVs hold personal data: once applied (the job keeps the report),
            # the billing system remains their source; keep no copy.
            shutil.rmtree(job.directory, ignore_errors=True)


def _execute(job, *, stdout=None, stderr=None, **options):
    importer = Importer(
        job, job.directory, out=_line_writer(stdout), err=_line_writer(stderr), **options
    )
    try:
        importer.run()
    except Unreadable as exc:
        _finish(job, State.FAILED, importer, str(exc))
        _line_writer(stderr)(str(exc))
        return job
    except BaseException as exc:
        # Killed, database gone, a bug: batches committed so far stay (a re-run skips
        # them as unchanged); the job says it did not finish.
        _finish(
            job,
            State.INTERRUPTED,
            importer,
            _("interrotta: %(error)s") % {"error": f"{exc.__class__.__name__}: {exc}"},
        )
        raise
    _finish(job, State.DONE, importer)
    return job


def _finish(job, state, importer, failure=""):
    """Record the end of a running job; a job that is no longer running (the sweep declared
    it interrupted) keeps what the sweep wrote."""
    job.state = state
    job.counts = importer.counts
    job.message = "\n".join([*importer.warnings, *([failure] if failure else [])])
    job.finished_at = timezone.now()
    job.rows_done = importer.rows_done
    try:
        recorded = ImportJob.objects.filter(pk=job.pk, state=State.RUNNING).update(
            state=job.state,
            counts=job.counts,
            message=job.message,
            finished_at=job.finished_at,
            rows_done=job.rows_done,
        )
        if not recorded:
            job.refresh_from_db()
    except Exception:
        log.exception("import job %s: cannot record its end", job.uid)


# --- jobs whose worker died ----------------------------------------------------------------


def _runner_is_gone(runner):
    """True when `runner` ("host:pid") names a process of this host that no longer exists.
    Another host's process cannot be checked: there only the heartbeat tells."""
    host, _sep, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, under another user
    return False


def sweep_stale_jobs(*, stale_after=STALE_AFTER):
    """Mark interrupted every running job whose worker is gone: its heartbeat is older than
    `stale_after`, or it ran on this host in a process that no longer exists. Returns the
    jobs marked.

    Side effects: those jobs (state interrupted, finished_at, message), with a conditional
    UPDATE that leaves alone a job whose heartbeat moved meanwhile; the directories extracted
    for uploads of those jobs, and any directory under MEDIA_ROOT/feeds/ older than
    `stale_after` that no pending or running job owns (the feed's personal data is kept no
    longer than its import). A command's DIR belongs to the operator and is never touched.
    """
    now = timezone.now()
    cutoff = now - stale_after
    swept = []
    for job in ImportJob.objects.filter(state=State.RUNNING):
        last_sign = job.heartbeat_at or job.started_at or job.created_at
        if last_sign >= cutoff and not _runner_is_gone(job.runner):
            continue
        message = _(
            "interrotta: il worker si è fermato (nessun segno di vita dal %(when)s); le righe "
            "applicate finora restano, importa di nuovo lo stesso flusso"
        ) % {"when": f"{timezone.localtime(last_sign):%d/%m/%Y %H:%M:%S}"}
        marked = ImportJob.objects.filter(
            pk=job.pk, state=State.RUNNING, heartbeat_at=job.heartbeat_at
        ).update(state=State.INTERRUPTED, finished_at=now, message=message)
        if not marked:
            continue
        log.warning("import job %s marked interrupted: %s", job.uid, message)
        if job.source == ImportJob.Source.UPLOAD:
            shutil.rmtree(upload_directory(job), ignore_errors=True)
        swept.append(job)
    _delete_orphan_uploads(cutoff)
    return swept


def _delete_orphan_uploads(cutoff):
    root = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    if not root.is_dir():
        return
    live = {
        str(uid)
        for uid in ImportJob.objects.filter(state__in=(State.PENDING, State.RUNNING)).values_list(
            "uid", flat=True
        )
    }
    oldest = cutoff.timestamp()
    for path in root.iterdir():
        # Recent ones may be an upload being extracted, whose job is not saved yet.
        if path.name in live or path.is_symlink() or not path.is_dir():
            continue
        if path.stat().st_mtime < oldest:
            log.warning("feed upload directory %s: no running job owns it, deleted", path.name)
            shutil.rmtree(path, ignore_errors=True)


# --- uploads -------------------------------------------------------------------------------


def upload_directory(job):
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR / str(job.uid)


def queue_upload(*, zip_file, user):
    """Accept a zip of the feed from the back-office: check it, extract it under
    MEDIA_ROOT/feeds/<job uid>/ and queue the import. Returns the pending job.

    Raises ValidationError (nothing kept) for anything but a plain zip of at most
    MAX_ZIP_ENTRIES known CSV files, MAX_ZIP_BYTES uncompressed in all.
    Side effects: one ImportJob (pending), its directory, one queued task.
    """
    if not user.has_perm("feeds.add_importjob"):
        raise PermissionDenied
    from .tasks import run_import_job

    job = ImportJob(source=ImportJob.Source.UPLOAD, created_by=user)
    target = upload_directory(job)
    try:
        _extract(zip_file, target)
        job.directory = str(target)
        with transaction.atomic():
            job.save()
            run_import_job.enqueue(str(job.uid))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return job


def _reject(message):
    raise ValidationError(message, code="invalid_zip")


def _check_entries(infos):
    if not infos:
        _reject(_("Il file zip è vuoto."))
    if len(infos) > MAX_ZIP_ENTRIES:
        _reject(_("Il file zip contiene più di %(n)d file.") % {"n": MAX_ZIP_ENTRIES})
    names = set()
    total = 0
    for info in infos:
        name = info.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or ":" in name:
            _reject(_("Il file zip contiene un percorso non ammesso: %(name)s") % {"name": name})
        if stat.S_ISLNK(info.external_attr >> 16):
            _reject(_("Il file zip contiene un collegamento simbolico: %(name)s") % {"name": name})
        if info.is_dir() or name not in known_files():
            _reject(
                _(
                    "Il file zip può contenere solo i file del flusso (%(names)s), senza "
                    "cartelle: %(name)s non è ammesso."
                )
                % {"names": ", ".join(known_files()), "name": name}
            )
        if info.flag_bits & 0x1:
            _reject(_("Il file zip contiene un file cifrato: %(name)s") % {"name": name})
        if name in names:
            _reject(_("Il file zip contiene due volte %(name)s.") % {"name": name})
        names.add(name)
        total += info.file_size
    if total > MAX_ZIP_BYTES:
        _reject(_("Il contenuto del file zip supera i 500 MB."))


def _extract(zip_file, target):
    try:
        archive = zipfile.ZipFile(zip_file)
    except (zipfile.BadZipFile, OSError):
        _reject(_("Il file caricato non è un file zip valido."))
    with archive:
        infos = archive.infolist()
        _check_entries(infos)
        target.mkdir(parents=True, mode=0o700)
        written = 0
        try:
            for info in infos:
                # Sizes in the zip's directory can lie (a zip bomb): count what is written.
                with archive.open(info) as src, open(target / info.filename, "xb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > MAX_ZIP_BYTES:
                            _reject(_("Il contenuto del file zip supera i 500 MB."))
                        dst.write(chunk)
        except (
            zipfile.BadZipFile,
            NotImplementedError,
            EOFError,
            zlib.error,
            OSError,
            lzma.LZMAError,
        ):
            _reject(_("Il file caricato non è un file zip valido."))
