"""A run killed half-way keeps whole batches only; the same feed run again completes it."""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest
from django.conf import settings

from customers.models import Contract, Holder
from feeds import importer, services
from feeds.models import ImportJob

from .feedfiles import generated_feed

State = ImportJob.State


class Killed(BaseException):
    """Stands for SIGKILL / Ctrl-C: not an Exception, nothing of ours may swallow it."""


@pytest.fixture
def killed_at_batch(monkeypatch):
    """The process dies inside the writer of the N-th batch of contracts, after half of the
    batch went to the database (inside the batch's transaction)."""

    def arm(number):
        make_writer = importer.make_writer
        calls = {"n": 0}

        def dying_writer(spec, method="auto"):
            writer = make_writer(spec, method)
            if spec.name != "contracts.csv":
                return writer
            write = writer.write

            def write_then_die(rows, created=0):
                calls["n"] += 1
                if calls["n"] == number:
                    half = len(rows) // 2
                    write(rows[:half], created=min(created, half))
                    raise Killed
                write(rows, created=created)

            writer.write = write_then_die
            return writer

        monkeypatch.setattr(importer, "make_writer", dying_writer)

    return arm


# transaction=True: each batch really commits, as in production.
@pytest.mark.django_db(transaction=True)
def test_an_interrupted_import_is_completed_by_running_it_again(
    tmp_path, killed_at_batch, monkeypatch
):
    feed = generated_feed(tmp_path, holders=30, contracts=50, seed=11)
    killed_at_batch(3)

    with pytest.raises(Killed):
        services.run_import(directory=feed, source=ImportJob.Source.COMMAND, batch_size=10)

    interrupted = ImportJob.objects.get()
    assert interrupted.state == State.INTERRUPTED
    assert interrupted.message == "interrotta: Killed: "
    assert interrupted.finished_at is not None
    # Holders all applied; contracts: batches 1 and 2 whole, nothing of batch 3.
    assert Holder.objects.count() == 30
    assert Contract.objects.count() == 20
    assert interrupted.counts["contracts.csv"]["created"] == 20

    monkeypatch.undo()  # the next run is not killed
    job = services.run_import(directory=feed, source=ImportJob.Source.COMMAND, batch_size=10)

    assert job.state == State.DONE
    assert job.counts == {
        "customers.csv": {"created": 0, "updated": 0, "unchanged": 30, "error": 0},
        "contracts.csv": {"created": 30, "updated": 0, "unchanged": 20, "error": 0},
    }
    assert Contract.objects.count() == 50
    assert Contract.objects.values("service_code").distinct().count() == 50

    # And the result is exactly what an uninterrupted run gives.
    expected = sorted(
        Contract.objects.values_list("service_code", "holder__customer_code", "status", "checksum")
    )
    Contract.objects.all().delete()
    Holder.objects.all().delete()
    services.run_import(directory=feed, source=ImportJob.Source.COMMAND)
    assert (
        sorted(
            Contract.objects.values_list(
                "service_code", "holder__customer_code", "status", "checksum"
            )
        )
        == expected
    )


def _manage(env, *args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _count(database, table):
    with closing(sqlite3.connect(database, timeout=10)) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "status", "recorded_state"),
    [
        # SIGKILL leaves no chance to record the end: the killed job still says "running"
        # (its counts show how far it got) until the next import's sweep finds its process
        # gone and marks it interrupted.
        (signal.SIGKILL, -signal.SIGKILL, "running"),
        # SIGTERM (systemd stop, kill): the batch in progress is rolled back, the job
        # interrupted.
        (signal.SIGTERM, 128 + signal.SIGTERM, "interrupted"),
    ],
)
def test_a_killed_import_is_completed_by_running_it_again(tmp_path, signum, status, recorded_state):
    """The real thing: the command in its own process (SQLite file), killed half-way through
    contracts.csv, then the same command again (not refused as "another import is running":
    the killed one is over)."""
    feed = generated_feed(tmp_path / "feed", holders=20_000, contracts=32_000, seed=5)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_ADDOPTS")}
    env.update(SPORTELLO_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="sportello.settings")
    database = tmp_path / "var" / "sportello.sqlite3"
    migrate = _manage(env, "migrate", "--noinput", "-v0")
    assert migrate.wait(timeout=120) == 0, migrate.stderr.read()

    batch = 500
    first = _manage(env, "import_feed", str(feed), "--batch-size", str(batch))
    deadline = time.monotonic() + 120
    contracts = 0
    while time.monotonic() < deadline and first.poll() is None:
        with contextlib.suppress(sqlite3.OperationalError):  # table not there yet, or locked
            contracts = _count(database, "customers_contract")
        if contracts >= 4 * batch:
            first.send_signal(signum)
            break
        time.sleep(0.01)
    assert first.wait(timeout=30) == status, first.stderr.read()

    contracts = _count(database, "customers_contract")
    assert 0 < contracts < 32_000
    assert contracts % batch == 0  # whole batches only
    assert _count(database, "customers_holder") == 20_000
    with closing(sqlite3.connect(database)) as db:
        (state,) = db.execute("SELECT state FROM feeds_importjob").fetchone()
    assert state == recorded_state

    again = _manage(env, "import_feed", str(feed))
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert "customers.csv: 0 created, 0 updated, 20000 unchanged, 0 errors" in out
    assert f"contracts.csv: {32_000 - contracts} created, 0 updated, {contracts} unchanged" in out
    assert _count(database, "customers_contract") == 32_000
    with closing(sqlite3.connect(database)) as db:
        distinct = db.execute("SELECT count(DISTINCT service_code) FROM customers_contract")
        assert distinct.fetchone()[0] == 32_000
        states = db.execute("SELECT state FROM feeds_importjob ORDER BY created_at").fetchall()
    assert [s for (s,) in states] == ["interrupted", "done"]
