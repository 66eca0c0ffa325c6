"""A row longer than importer.MAX_ROW_CHARS is rejected as `file:line: reason` without ever
being held in memory whole (a 450 MB line once took the import worker to 1 GB)."""

import io
import tracemalloc

import pytest
from django.core.management import call_command

from customers.models import Holder
from feeds import services
from feeds.importer import MAX_ROW_CHARS
from feeds.models import ImportJob

from .feedfiles import CUSTOMER_COLUMNS, person, write_feed

pytestmark = pytest.mark.django_db


def import_feed(directory):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_feed", str(directory), stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_a_row_longer_than_the_limit_is_rejected_and_the_others_applied(tmp_path):
    feed = write_feed(
        tmp_path,
        customers=[
            person("C001"),
            person("C002", address="Via " + "lunga " * 12_000),
            person("C003"),
            person("C004", address="x" * (MAX_ROW_CHARS - 500)),  # long, but a row
        ],
    )
    status, out, err = import_feed(feed)
    assert status == 1
    assert err.splitlines() == [
        "customers.csv:3: riga più lunga di 65536 caratteri",
        "customers.csv:5: address: più lungo di 255 caratteri",
    ]
    assert sorted(Holder.objects.values_list("customer_code", flat=True)) == ["C001", "C003"]


def test_a_quoted_row_over_several_lines_counts_as_a_whole(tmp_path):
    feed = write_feed(
        tmp_path,
        customers=[
            person("C001"),
            person("C002", address=("riga\n" + "y" * 20_000 + "\n") * 4),
            person("C003"),
        ],
    )
    status, out, err = import_feed(feed)
    assert status == 1
    # The row spans lines 3 to 11; all of it is dropped, and the next row is read as usual.
    assert err.splitlines() == ["customers.csv:3: riga più lunga di 65536 caratteri (righe 3-11)"]
    assert sorted(Holder.objects.values_list("customer_code", flat=True)) == ["C001", "C003"]


def test_a_stray_quote_in_an_over_long_row_does_not_swallow_the_next_rows(tmp_path):
    """A quote inside an unquoted field is text (csv.reader reads Ro"ma as is): dropping
    the over-long row stops at its line end, not where the quotes happen to balance."""
    header = ",".join(CUSTOMER_COLUMNS)
    rows = [person(f"C00{n}", address="Via Roma 1") for n in range(1, 6)]
    long_row = person("C009", address='Ro"ma ' + "x" * MAX_ROW_CHARS)
    lines = [header, _csv_line(rows[0]), _csv_line(long_row)] + [_csv_line(r) for r in rows[1:]]
    (tmp_path / "customers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, err = import_feed(tmp_path)
    assert status == 1
    assert err.splitlines() == ["customers.csv:3: riga più lunga di 65536 caratteri"]
    assert Holder.objects.count() == 5


def _csv_line(row):
    """One row written by hand, unquoted, as a billing system may write it."""
    return ",".join(str(row.get(column, "")) for column in CUSTOMER_COLUMNS)


def test_a_header_longer_than_the_limit_makes_the_file_unreadable(tmp_path):
    header = ",".join(CUSTOMER_COLUMNS) + "," + "x" * MAX_ROW_CHARS
    (tmp_path / "customers.csv").write_text(header + "\nC001,person\n")
    status, out, err = import_feed(tmp_path)
    assert status == 2
    assert "customers.csv:1: riga di intestazione più lunga di 65536 caratteri" in err
    assert ImportJob.objects.get().state == ImportJob.State.FAILED


def test_a_huge_line_is_read_in_bounded_memory(tmp_path):
    """64 MB on one line (no line end at all after it): the import's peak allocation stays a
    few MB. Reading the line whole, as csv did, costs at least its size."""
    feed = write_feed(tmp_path, customers=[person("C001"), person("C003")])
    size = 64 * 1024 * 1024
    with (feed / "customers.csv").open("a", encoding="utf-8") as f:
        f.write("C002,person,")
        block = "Nicolò," * (1024 * 1024 // 8)
        for _ in range(size // len(block)):
            f.write(block)

    tracemalloc.start()
    try:
        job = services.run_import(
            directory=feed, source=ImportJob.Source.COMMAND, stderr=io.StringIO()
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert job.state == ImportJob.State.DONE
    assert [str(row) for row in job.rows.all()] == [
        "customers.csv:4: riga più lunga di 65536 caratteri"
    ]
    assert Holder.objects.count() == 2
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1024 / 1024:.0f} MB"
