"""The job's progress (rows_total, rows_done) for the back-office's job page."""

import io

import pytest

from feeds import importer, services
from feeds.models import ImportJob

from .feedfiles import contract, person, write_feed

pytestmark = pytest.mark.django_db


def test_rows_total_counts_the_data_lines_before_importing_and_rows_done_reaches_it(tmp_path):
    feed = write_feed(
        tmp_path,
        customers=[person(f"C{n:03d}") for n in range(5)],
        contracts=[contract(f"A{n:03d}", customer="C001") for n in range(3)],
    )
    seen = []
    real_flush = importer.Importer.flush

    def flush(self, writer, batch, result):
        real_flush(self, writer, batch, result)
        job = ImportJob.objects.get(pk=self.job.pk)
        seen.append((job.rows_total, job.rows_done))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(importer.Importer, "flush", flush)
        job = services.run_import(
            directory=feed, source=ImportJob.Source.COMMAND, stderr=io.StringIO(), batch_size=2
        )
    job.refresh_from_db()
    assert job.rows_total == 8
    assert job.rows_done == 8
    assert all(total == 8 for total, _ in seen)
    done = [d for _, d in seen]
    assert done == sorted(done) and done[0] < 8  # it moved, batch by batch


def test_a_last_line_without_newline_counts(tmp_path):
    (tmp_path / "customers.csv").write_text("customer_code,kind\nC1,company\nC2,company")
    assert importer.check_encoding(tmp_path / "customers.csv") == 2
    (tmp_path / "customers.csv").write_text("customer_code,kind\n")
    assert importer.check_encoding(tmp_path / "customers.csv") == 0
