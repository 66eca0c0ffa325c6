"""PostgreSQL's fast paths: new rows COPYed straight into the table (the upsert when a key
turned up meanwhile), and the batches committed by a thread of their own while the next one
is read. Skipped on SQLite, where neither applies."""

import io

import pytest
from django.db import connection

from customers.feed import CONTRACT_SPEC
from customers.models import Contract, Holder
from feeds import importer, services
from feeds.models import ImportJob, ImportRow
from feeds.writers import PostgreSQLWriter

from .feedfiles import CF_BAD_CHECK, CF_MARIO, generated_feed, person, write_feed

State = ImportJob.State

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's writer and background batches"
)


def contract_rows():
    return sorted(
        Contract.objects.values_list(
            "service_code", "holder__customer_code", "status", "start_date", "checksum"
        )
    )


@pytest.mark.django_db
def test_a_key_stored_meanwhile_goes_through_the_upsert(tmp_path):
    feed = generated_feed(tmp_path / "feed", holders=10, contracts=12, seed=4)
    services.run_import(directory=feed, source=ImportJob.Source.COMMAND)
    stored = Contract.objects.order_by("service_code").first()
    holder = Holder.objects.exclude(pk=stored.holder_id).first()
    fields = [CONTRACT_SPEC.model._meta.get_field(name) for name in CONTRACT_SPEC.fields]
    row = [getattr(stored, f.attname) for f in fields]
    row[fields.index(CONTRACT_SPEC.model._meta.get_field("holder"))] = holder.pk
    row[fields.index(CONTRACT_SPEC.model._meta.get_field("checksum"))] = "0" * 32

    # The importer believed the key new (not in the table when the file started).
    PostgreSQLWriter(CONTRACT_SPEC).write([tuple(row)], created=1)

    stored.refresh_from_db()
    assert (stored.holder_id, stored.checksum) == (holder.pk, "0" * 32)
    assert Contract.objects.count() == 12


@pytest.mark.django_db(transaction=True)
def test_background_batches_give_what_one_thread_gives(tmp_path):
    feed = generated_feed(tmp_path / "feed", holders=30, contracts=50, seed=9)
    bad = [
        person(f"X{i:03d}", codice_fiscale=CF_BAD_CHECK if i % 3 else CF_MARIO) for i in range(9)
    ]
    extra = write_feed(tmp_path / "extra", customers=bad)

    job = services.run_import(
        directory=feed, source=ImportJob.Source.COMMAND, batch_size=7, background=True
    )
    assert job.state == State.DONE
    assert job.counts["contracts.csv"] == {"created": 50, "updated": 0, "unchanged": 0, "error": 0}
    job.refresh_from_db()
    assert job.rows_done == job.rows_total == 80
    threaded = contract_rows()
    err = io.StringIO()
    rejected = services.run_import(
        directory=extra, source=ImportJob.Source.COMMAND, batch_size=2, background=True, stderr=err
    )
    assert rejected.counts["customers.csv"] == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "error": 6,
    }
    assert ImportRow.objects.filter(job=rejected).count() == 6

    Contract.objects.all().delete()
    Holder.objects.all().delete()
    services.run_import(directory=feed, source=ImportJob.Source.COMMAND, background=False)
    assert contract_rows() == threaded
    again = services.run_import(directory=feed, source=ImportJob.Source.COMMAND, background=True)
    assert again.counts["contracts.csv"]["unchanged"] == 50


@pytest.mark.django_db(transaction=True)
def test_a_background_batch_that_fails_stops_the_import(tmp_path, on_each_batch):
    feed = generated_feed(tmp_path / "feed", holders=20, contracts=50, seed=2)

    def swept_at_batch_3(n):
        if n == 3:  # committed with batch 3, in its transaction
            ImportJob.objects.update(state=State.INTERRUPTED, message="swept")

    on_each_batch(swept_at_batch_3)

    # Batch 4, in the writer's thread, finds the job no longer running: JobLost is raised in
    # the importer's thread.
    with pytest.raises(importer.JobLost):
        services.run_import(
            directory=feed, source=ImportJob.Source.COMMAND, batch_size=10, background=True
        )
    assert Contract.objects.count() == 30  # batches 1 to 3, nothing after
