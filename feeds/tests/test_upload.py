"""A feed uploaded in the back-office: the zip is checked and extracted, the worker imports it
through the same code as the command."""

import stat
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from customers.models import Contract, Holder
from feeds import services
from feeds.models import ImportJob
from feeds.tasks import run_import_job

from .feedfiles import CF_BAD_CHECK, contract, generated_feed, person, write_feed, zip_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(data, name="flusso.zip"):
    if hasattr(data, "getvalue"):
        data = data.getvalue()
    return SimpleUploadedFile(name, data, content_type="application/zip")


def feed_zip(tmp_path, **files):
    feed = generated_feed(tmp_path / "source", holders=12, contracts=20)
    entries = {name: (feed / name).read_bytes() for name in ("customers.csv", "contracts.csv")}
    entries.update(files)
    return zip_bytes(entries)


def test_an_uploaded_feed_is_queued_then_imported_by_the_worker(media, tmp_path, diana):
    job = services.queue_upload(zip_file=upload(feed_zip(tmp_path)), user=diana)

    job.refresh_from_db()
    assert (job.state, job.source, job.created_by) == ("pending", "upload", diana)
    directory = media / "feeds" / str(job.uid)
    assert job.directory == str(directory)
    assert sorted(p.name for p in directory.iterdir()) == ["contracts.csv", "customers.csv"]
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(job.uid)]).exists()
    assert not Holder.objects.exists()

    assert run_import_job.call(str(job.uid)) == "done"

    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert job.started_at and job.finished_at
    assert job.counts["customers.csv"]["created"] == 12
    assert job.counts["contracts.csv"]["created"] == 20
    assert Holder.objects.count() == 12
    assert Contract.objects.count() == 20
    # A second delivery of the same task does nothing.
    assert run_import_job.call(str(job.uid)) == "skipped"


def test_the_report_of_an_upload_is_kept_on_the_job(media, tmp_path, diana):
    feed = write_feed(
        tmp_path / "feed",
        customers=[person("C001"), person("C002", codice_fiscale=CF_BAD_CHECK)],
        contracts=[contract("A001", "C001")],
    )
    data = zip_bytes(
        {name: (feed / name).read_bytes() for name in ("customers.csv", "contracts.csv")}
    )
    job = services.queue_upload(zip_file=upload(data), user=diana)
    run_import_job.call(str(job.uid))
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert job.error_count == 1
    assert [str(r) for r in job.rows.all()] == [
        "customers.csv:3: codice_fiscale: codice fiscale non valido"
    ]


def test_an_unreadable_upload_fails_with_its_reason(media, diana):
    data = zip_bytes({"customers.csv": b"customer_code,first_name\nC1,Mario\n"})
    job = services.queue_upload(zip_file=upload(data), user=diana)
    run_import_job.call(str(job.uid))
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert job.message == "customers.csv:1: colonna obbligatoria mancante: kind"


def symlink(name, target):
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"../customers.csv": b"x"}, "percorso non ammesso"),
        ({"/etc/customers.csv": b"x"}, "percorso non ammesso"),
        ({"feed/../../customers.csv": b"x"}, "percorso non ammesso"),
        ({"..\\customers.csv": b"x"}, "percorso non ammesso"),
        ([symlink("customers.csv", b"/etc/passwd")], "collegamento simbolico"),
        ({"customers.csv": b"x", "run.sh": b"rm -rf /"}, "run.sh non è ammesso"),
        ({"feed/customers.csv": b"x"}, "feed/customers.csv non è ammesso"),
        ({"feed/": b""}, "feed/ non è ammesso"),
        ({f"{i}.csv": b"x" for i in range(11)}, "più di 10 file"),
        ({}, "vuoto"),
        ([("customers.csv", b"a"), ("customers.csv", b"b")], "due volte"),
    ],
)
def test_a_dangerous_or_foreign_zip_is_refused(media, diana, entries, message):
    with pytest.raises(ValidationError, match=message):
        services.queue_upload(zip_file=upload(zip_bytes(entries)), user=diana)
    assert not ImportJob.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert not (media / "feeds").exists() or not any((media / "feeds").iterdir())


def test_not_a_zip_is_refused(media, diana):
    with pytest.raises(ValidationError, match="non è un file zip valido"):
        services.queue_upload(zip_file=upload(b"customer_code,kind\n"), user=diana)
    assert not ImportJob.objects.exists()


def test_a_zip_over_the_size_limit_is_refused(media, diana, monkeypatch, tmp_path):
    monkeypatch.setattr(services, "MAX_ZIP_BYTES", 1000)
    data = zip_bytes({"customers.csv": b"customer_code,kind\n" + b"C1,person\n" * 200})
    with pytest.raises(ValidationError, match="supera i 500 MB"):
        services.queue_upload(zip_file=upload(data), user=diana)
    assert not ImportJob.objects.exists()
    assert not any((media / "feeds").iterdir()) if (media / "feeds").exists() else True


def test_a_zip_whose_sizes_lie_is_refused(media, diana):
    """A zip bomb declares small sizes in its central directory: the size check passes, the
    extraction must not write more than declared."""
    data = zip_bytes({"customers.csv": b"customer_code,kind\n" + b"C1,person\n" * 2000})
    forged = bytearray(data.getvalue())
    central = forged.index(b"PK\x01\x02")
    forged[central + 24 : central + 28] = (10).to_bytes(4, "little")  # uncompressed size
    with pytest.raises(ValidationError, match="non è un file zip valido"):
        services.queue_upload(zip_file=upload(bytes(forged)), user=diana)
    assert not ImportJob.objects.exists()
    assert not any((media / "feeds").iterdir())
