"""`manage.py import_feed DIR`: output and exit statuses (docs/feed.md)."""

import io

import pytest
from django.core.management import call_command

from customers.models import Holder
from feeds.models import ImportJob

from .feedfiles import CF_BAD_CHECK, contract, person, write_feed

pytestmark = pytest.mark.django_db


def import_feed(directory, *args):
    """Run the command; returns (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_feed", str(directory), *args, stdout=out, stderr=err)
    except SystemExit as exit:
        status = exit.code
    else:
        status = 0
    return status, out.getvalue(), err.getvalue()


def test_exit_0_when_every_row_is_applied(tmp_path):
    feed = write_feed(tmp_path, customers=[person("C001")], contracts=[contract("A001", "C001")])
    status, out, err = import_feed(feed)
    assert status == 0
    assert err == ""
    assert "customers.csv: 1 created, 0 updated, 0 unchanged, 0 errors" in out
    assert "contracts.csv: 1 created, 0 updated, 0 unchanged, 0 errors" in out
    assert "0 rows rejected" in out
    job = ImportJob.objects.get()
    assert (job.source, job.state, job.directory) == ("command", "done", str(feed))


def test_exit_1_when_some_rows_failed(tmp_path):
    feed = write_feed(
        tmp_path, customers=[person("C001"), person("C002", codice_fiscale=CF_BAD_CHECK)]
    )
    status, out, err = import_feed(feed)
    assert status == 1
    assert err.splitlines() == ["customers.csv:3: codice_fiscale: codice fiscale non valido"]
    assert "customers.csv: 1 created, 0 updated, 0 unchanged, 1 errors" in out
    assert Holder.objects.filter(customer_code="C001").exists()


def _not_utf8(directory):
    (directory / "customers.csv").write_bytes(
        "customer_code,kind,last_name\nC1,person,Nicolò\n".encode("cp1252")
    )


def _missing_column(directory):
    (directory / "customers.csv").write_text("customer_code,first_name\nC1,Mario\n")


def _only_other_files(directory):
    (directory / "notes.txt").write_text("nothing to import")


@pytest.mark.parametrize(
    ("prepare", "expected"),
    [
        (None, "non è una cartella"),
        (_only_other_files, "nessun file del flusso"),
        (_not_utf8, "customers.csv:2: non è UTF-8"),
        (_missing_column, "customers.csv:1: colonna obbligatoria mancante: kind"),
    ],
)
def test_exit_2_when_the_input_cannot_be_read(tmp_path, prepare, expected):
    directory = tmp_path / "feed"
    if prepare:
        directory.mkdir()
        prepare(directory)
    status, out, err = import_feed(directory)
    assert status == 2
    assert expected in err
    assert "nothing applied" in err
    assert ImportJob.objects.get().state == ImportJob.State.FAILED
    assert not Holder.objects.exists()


def test_exit_0_when_only_files_of_apps_not_installed_are_there(tmp_path, settings):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "readings"]
    (tmp_path / "readings.csv").write_text("serial,read_on,value,source\n")
    status, out, err = import_feed(tmp_path)
    assert status == 0
    assert err.splitlines() == ["readings.csv: non ancora gestito, saltato"]


def test_help_describes_the_exit_statuses(capsys):
    with pytest.raises(SystemExit):
        call_command("import_feed", "--help")
    text = " ".join(capsys.readouterr().out.split())
    assert "customers.csv then contracts.csv" in text
    assert "1 some rows failed, 2 the input could not be read" in text


def test_batch_size_must_be_positive(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="batch-size"):
        call_command("import_feed", str(tmp_path), "--batch-size", "0")
