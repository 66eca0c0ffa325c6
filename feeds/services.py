"""Import jobs: run the feed from the command or from a back-office upload, one code path.

`run_import` runs a directory now (the command); `queue_upload` extracts an uploaded zip and
queues `tasks.run_import_job`, which calls `execute_job` in the worker.
"""

import logging
import lzma
import shutil
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .importer import KNOWN_FILES, Importer, Unreadable
from .models import ImportJob

log = logging.getLogger(__name__)

State = ImportJob.State

MAX_ZIP_ENTRIES = 10
MAX_ZIP_BYTES = 500 * 1024 * 1024  # uncompressed, all entries together
UPLOAD_DIR = "feeds"  # under MEDIA_ROOT, one sub-directory per job uid


def _line_writer(stream):
    if stream is None:
        return lambda line: None
    return lambda line: stream.write(line + "\n")


def run_import(*, directory, source, user=None, stdout=None, stderr=None, **options):
    """Import the feed in `directory` now, as a new job, and return the job.

    Side effects: one ImportJob (running, then done or failed, with its counts and
    finished_at), one ImportRow per rejected row, holders and contracts created or updated.
    `stdout` gets the per-file summaries, `stderr` the warnings and `file:line: reason` of
    each rejected row. `options` go to the Importer (batch_size, writer).
    """
    job = ImportJob.objects.create(
        source=source,
        created_by=user,
        directory=str(directory),
        state=State.RUNNING,
        started_at=timezone.now(),
    )
    return _execute(job, stdout=stdout, stderr=stderr, **options)


def execute_job(*, job_uid, **options):
    """Run a pending job whose directory is set (an upload). Claims the job with a
    conditional UPDATE, so two workers never run it twice; returns the job, or None when it
    was not pending.

    Side effects: as run_import.
    """
    claimed = (
        ImportJob.objects.filter(uid=job_uid, state=State.PENDING)
        .exclude(directory="")
        .update(state=State.RUNNING, started_at=timezone.now())
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
        _finish(job, State.FAILED, importer, f"interrupted: {exc.__class__.__name__}: {exc}")
        raise
    _finish(job, State.DONE, importer)
    return job


def _finish(job, state, importer, failure=""):
    job.state = state
    job.counts = importer.counts
    job.message = "\n".join([*importer.warnings, *([failure] if failure else [])])
    job.finished_at = timezone.now()
    try:
        job.save(update_fields=["state", "counts", "message", "finished_at"])
    except Exception:
        log.exception("import job %s: cannot record its end", job.uid)


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
        if info.is_dir() or name not in KNOWN_FILES:
            _reject(
                _(
                    "Il file zip può contenere solo i file del flusso (%(names)s), senza "
                    "cartelle: %(name)s non è ammesso."
                )
                % {"names": ", ".join(KNOWN_FILES), "name": name}
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
