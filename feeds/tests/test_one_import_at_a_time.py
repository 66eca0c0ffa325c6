"""One running import at a time, a heartbeat, and the sweep that ends the jobs of dead
workers and deletes their files; uploads on a queue of their own."""

import io
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from customers.models import Contract, Holder
from feeds import importer, services
from feeds.models import ImportJob
from feeds.tasks import run_import_job

from .feedfiles import generated_feed, zip_bytes

pytestmark = pytest.mark.django_db

State = ImportJob.State
Source = ImportJob.Source


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def running_job(*, heartbeat_ago=timedelta(0), runner=None, source=Source.COMMAND, **fields):
    """A job another process is running (by default alive on another host)."""
    beat = timezone.now() - heartbeat_ago
    return ImportJob.objects.create(
        source=source,
        state=State.RUNNING,
        started_at=beat,
        heartbeat_at=beat,
        runner=runner or "another-host.example:4242",
        **fields,
    )


def dead_pid():
    """The pid of a process of this host that has ended (and was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def upload(tmp_path, user):
    feed = generated_feed(tmp_path / "source", holders=12, contracts=20)
    data = zip_bytes({n: (feed / n).read_bytes() for n in ("customers.csv", "contracts.csv")})
    zip_file = SimpleUploadedFile("flusso.zip", data.getvalue(), content_type="application/zip")
    return services.queue_upload(zip_file=zip_file, user=user)


def import_feed(directory):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_feed", str(directory), stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


# --- one at a time -----------------------------------------------------------------------


def test_the_database_refuses_a_second_running_job():
    running_job()
    with pytest.raises(IntegrityError), transaction.atomic():
        running_job()
    # Jobs in any other state are not limited.
    for state in (State.PENDING, State.DONE, State.FAILED, State.INTERRUPTED):
        ImportJob.objects.create(source=Source.COMMAND, state=state)
        ImportJob.objects.create(source=Source.COMMAND, state=state)


def test_the_command_refuses_to_start_while_another_import_runs(tmp_path):
    other = running_job()
    feed = generated_feed(tmp_path, holders=5, contracts=5)

    status, out, err = import_feed(feed)

    assert status == 4
    assert f"not started: another import is running (job {other.uid}" in err
    assert "run it again once that one ends" in err
    assert list(ImportJob.objects.values_list("uid", "state")) == [(other.uid, State.RUNNING)]
    assert not Holder.objects.exists()

    other.state = State.DONE
    other.save()
    status, out, err = import_feed(feed)
    assert status == 0, err
    assert Holder.objects.count() == 5


def test_an_upload_stays_queued_while_another_import_runs(media, tmp_path, diana):
    job = upload(tmp_path, diana)
    (queued,) = DBTaskResult.objects.all()
    assert queued.queue_name == "imports"  # never behind, or in front of, the mail
    other = running_job()

    assert run_import_job.call(str(job.uid)) == "waiting"

    job.refresh_from_db()
    assert job.state == State.PENDING
    assert (media / "feeds" / str(job.uid) / "customers.csv").exists()
    assert not Holder.objects.exists()
    again = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert again.queue_name == "imports"
    assert again.args_kwargs["args"] == [str(job.uid)]
    assert again.run_after > timezone.now() + timedelta(seconds=20)

    other.state = State.DONE
    other.save()
    assert run_import_job.call(str(job.uid)) == "done"
    job.refresh_from_db()
    assert job.state == State.DONE
    assert Contract.objects.count() == 20
    assert not (media / "feeds" / str(job.uid)).exists()


# --- heartbeat -----------------------------------------------------------------------------


def test_the_heartbeat_is_written_with_every_batch(tmp_path, on_each_batch):
    feed = generated_feed(tmp_path, holders=20, contracts=40)
    beats = []
    on_each_batch(lambda n: beats.append(ImportJob.objects.get().heartbeat_at))

    job = services.run_import(directory=feed, source=Source.COMMAND, batch_size=10)

    assert job.state == State.DONE
    assert len(beats) == 4
    assert beats == sorted(set(beats))  # a new heartbeat before each batch
    job.refresh_from_db()
    assert job.started_at <= beats[0]
    assert job.runner == f"{os.uname().nodename}:{os.getpid()}"


def test_the_heartbeat_is_written_between_batches_too(tmp_path, monkeypatch):
    """A re-run of an unchanged feed writes no batch for minutes: the heartbeat goes on."""
    feed = generated_feed(tmp_path, holders=20, contracts=40)
    services.run_import(directory=feed, source=Source.COMMAND)
    monkeypatch.setattr(importer, "HEARTBEAT_SECONDS", 0)
    beats = []
    beat = importer.Importer.beat
    monkeypatch.setattr(importer.Importer, "beat", lambda self: beats.append(1) or beat(self))

    job = services.run_import(directory=feed, source=Source.COMMAND)

    assert job.counts["contracts.csv"]["unchanged"] == 40
    assert len(beats) >= 50  # one per row here, plus one per (empty) flush


def test_a_job_declared_interrupted_stops_writing(tmp_path, on_each_batch):
    feed = generated_feed(tmp_path, holders=20, contracts=50)

    def swept_by_another_process(n):
        if n == 2:
            ImportJob.objects.update(state=State.INTERRUPTED, message="swept")

    on_each_batch(swept_by_another_process)

    with pytest.raises(importer.JobLost):
        services.run_import(directory=feed, source=Source.COMMAND, batch_size=10)

    # Batch 2 was already under way; batch 3 found the job interrupted and wrote nothing.
    assert Contract.objects.count() == 20
    job = ImportJob.objects.get()
    assert (job.state, job.message) == (State.INTERRUPTED, "swept")


# --- the sweep -----------------------------------------------------------------------------


def test_the_sweep_ends_the_job_of_a_dead_worker_and_deletes_its_files(media, tmp_path, diana):
    job = upload(tmp_path, diana)
    directory = media / "feeds" / str(job.uid)
    assert directory.is_dir()
    stale = timezone.now() - timedelta(minutes=11)
    ImportJob.objects.filter(pk=job.pk).update(
        state=State.RUNNING, started_at=stale, heartbeat_at=stale, runner="worker-2:77"
    )
    alive = ImportJob.objects.create(
        source=Source.COMMAND, state=State.DONE, started_at=stale, finished_at=stale
    )

    swept = services.sweep_stale_jobs()

    assert [j.uid for j in swept] == [job.uid]
    job.refresh_from_db()
    assert job.state == State.INTERRUPTED
    assert job.finished_at is not None
    assert job.message.startswith("interrotta: il worker si è fermato (nessun segno di vita dal ")
    assert not directory.exists()
    alive.refresh_from_db()
    assert alive.state == State.DONE
    assert services.sweep_stale_jobs() == []


def test_the_sweep_leaves_a_live_job_alone():
    job = running_job(heartbeat_ago=timedelta(minutes=9))
    mine = ImportJob.objects.create(source=Source.UPLOAD, state=State.PENDING)
    assert services.sweep_stale_jobs() == []
    job.refresh_from_db()
    assert job.state == State.RUNNING
    mine.refresh_from_db()
    assert mine.state == State.PENDING


def test_a_job_whose_process_died_on_this_host_is_swept_at_once():
    job = running_job(runner=f"{os.uname().nodename}:{dead_pid()}")
    assert [j.uid for j in services.sweep_stale_jobs()] == [job.uid]
    job.refresh_from_db()
    assert job.state == State.INTERRUPTED


def test_the_sweep_never_deletes_the_directory_of_the_command(tmp_path):
    feed = generated_feed(tmp_path / "feed", holders=3, contracts=3)
    job = running_job(heartbeat_ago=timedelta(hours=1), directory=str(feed))
    services.sweep_stale_jobs()
    job.refresh_from_db()
    assert job.state == State.INTERRUPTED
    assert sorted(p.name for p in feed.iterdir()) == ["contracts.csv", "customers.csv"]


def test_the_sweep_deletes_upload_directories_no_job_owns(media):
    root = media / "feeds"
    old, recent, pending_dir = root / "old-orphan", root / "being-extracted", None
    for directory in (old, recent):
        directory.mkdir(parents=True)
        (directory / "customers.csv").write_text("personal data")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    pending = ImportJob.objects.create(source=Source.UPLOAD, state=State.PENDING)
    pending_dir = root / str(pending.uid)
    pending_dir.mkdir()
    os.utime(pending_dir, (an_hour_ago, an_hour_ago))

    services.sweep_stale_jobs()

    assert not old.exists()
    assert recent.exists()  # may be an upload whose job is not saved yet
    assert pending_dir.exists()  # its import is still to run


def test_an_import_first_sweeps_the_job_of_a_dead_worker(tmp_path):
    stale = running_job(heartbeat_ago=timedelta(minutes=30))
    feed = generated_feed(tmp_path, holders=5, contracts=5)

    status, out, err = import_feed(feed)

    assert status == 0, err
    stale.refresh_from_db()
    assert stale.state == State.INTERRUPTED
    assert Holder.objects.count() == 5


def test_the_daily_housekeeping_sweeps(media, tmp_path, diana):
    job = upload(tmp_path, diana)
    ImportJob.objects.filter(pk=job.pk).update(
        state=State.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=2)
    )

    call_command("housekeeping", stdout=io.StringIO(), stderr=io.StringIO())

    job.refresh_from_db()
    assert job.state == State.INTERRUPTED
    assert not (media / "feeds" / str(job.uid)).exists()


def test_an_interrupted_run_cannot_be_recorded_as_done_by_a_late_finish(tmp_path):
    """The end of a run is recorded only while the job is still running."""
    job = running_job()
    ImportJob.objects.filter(pk=job.pk).update(state=State.INTERRUPTED, message="swept")
    fake = importer.Importer(job, tmp_path)
    services._finish(job, State.DONE, fake)
    assert (job.state, job.message) == (State.INTERRUPTED, "swept")
    job.refresh_from_db()
    assert job.state == State.INTERRUPTED
