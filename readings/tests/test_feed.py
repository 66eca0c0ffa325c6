"""meters.csv and readings.csv through import_feed, and readings.csv back through
export_feed: keys, meter changes, sources, checks, unchanged re-runs, the round trip."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import OutboxMessage
from customers.tests.factories import ContractFactory
from readings.models import Meter, Reading

pytestmark = pytest.mark.django_db

METER_HEADER = "serial,service_code,kind,digits,installed_on,removed_on\n"
READING_HEADER = "serial,read_on,value,source,status,reason\n"


def import_feed(directory):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_feed", str(directory), stdout=out, stderr=err)
    except SystemExit as exit:
        status = exit.code
    else:
        status = 0
    return status, out.getvalue(), err.getvalue()


def write(directory, meters=None, readings=None):
    directory.mkdir(exist_ok=True)
    if meters is not None:
        (directory / "meters.csv").write_text(METER_HEADER + "".join(m + "\n" for m in meters))
    if readings is not None:
        (directory / "readings.csv").write_text(
            READING_HEADER + "".join(r + "\n" for r in readings)
        )
    return directory


@pytest.fixture
def contracts():
    return {
        "water": ContractFactory(service_code="2002002008"),
        "waste": ContractFactory(service_code="3003003001", service="waste"),
    }


def test_meter_change_keeps_both_histories_and_sources_apart(tmp_path, contracts):
    feed = write(
        tmp_path / "f",
        meters=[
            "OLD1,2002002008,dial,4,2010-01-01,2025-06-30",
            "NEW1,2002002008,direct,,2025-06-30,",
        ],
        readings=[
            "OLD1,2025-01-10,9100,operator,,",
            "OLD1,2025-03-10,9150,estimated,,",
            "OLD1,2025-06-30,9190,operator,,",
            "NEW1,2025-06-30,0,operator,,",
            "NEW1,2025-09-01,40,customer,validated,",
            "NEW1,2025-09-01,41,operator,,",
        ],
    )
    status, out, err = import_feed(feed)
    assert status == 0, err
    assert "meters.csv: 2 created" in out
    assert "readings.csv: 6 created" in out
    old, new = Meter.objects.get(serial="OLD1"), Meter.objects.get(serial="NEW1")
    assert old.contract == new.contract == contracts["water"]
    assert (old.digits, new.digits, old.kind) == (4, 5, "dial")
    assert old.removed_on == date(2025, 6, 30) and new.removed_on is None
    assert old.readings.count() == 3 and new.readings.count() == 3
    sources = set(new.readings.values_list("source", "value"))
    assert sources == {("operator", 0), ("customer", 40), ("operator", 41)}
    assert old.readings.get(read_on=date(2025, 3, 10)).source == "estimated"


def test_unchanged_rerun_writes_nothing_and_a_change_updates_one_row(tmp_path, contracts):
    meters = ["M1,2002002008,direct,5,2020-01-01,"]
    readings = [f"M1,2025-{m:02d}-01,{100 + m},operator,," for m in range(1, 13)]
    feed = write(tmp_path / "f", meters=meters, readings=readings)
    assert import_feed(feed)[0] == 0
    with CaptureQueriesContext(connection) as queries:
        status, out, _ = import_feed(feed)
    assert status == 0
    assert "readings.csv: 0 created, 0 updated, 12 unchanged" in out
    assert "meters.csv: 0 created, 0 updated, 1 unchanged" in out
    writes = [q["sql"] for q in queries if "readings_reading" in q["sql"] and "INSERT" in q["sql"]]
    assert writes == []
    readings[3] = "M1,2025-04-01,999,operator,,"
    feed = write(tmp_path / "f", readings=readings)
    (feed / "meters.csv").unlink()
    _, out, _ = import_feed(feed)
    assert "readings.csv: 0 created, 1 updated, 11 unchanged" in out
    assert Reading.objects.get(read_on=date(2025, 4, 1)).value == 999


def test_bad_rows_are_reported_and_skipped(tmp_path, contracts):
    feed = write(
        tmp_path / "f",
        meters=[
            "M1,2002002008,direct,5,,",
            "M2,3003003001,direct,5,,",  # a waste contract
            "M3,9999,direct,5,,",
            "M4,2002002008,analog,12,2020-01-02,2020-01-01",
        ],
        readings=[
            "M1,2025-01-01,100000,operator,,",  # 6 digits on a 5-digit meter
            "M1,2025-01-02,12.5,operator,,",
            "M1,2025-01-03,10,visitor,,",
            "M1,2025-01-04,10,operator,rejected,",
            "M2,2025-01-05,10,operator,,",
            "M1,2025-01-06,10,customer,,",
            "M1,2025-01-06,11,customer,,",
        ],
    )
    status, out, err = import_feed(feed)
    assert status == 1
    assert "meters.csv:3: service_code 3003003001: non è un contratto del servizio idrico" in err
    assert "meters.csv:4: service_code 9999: contratto non presente" in err
    assert "meters.csv:5: kind: deve essere direct o dial" in err
    assert "digits: deve essere un numero da 1 a 9" in err
    assert "removed_on: precedente a installed_on" in err
    assert "readings.csv:2: value: più cifre di quelle del contatore (5)" in err
    assert "readings.csv:3: value: deve essere un numero intero di m³" in err
    assert "readings.csv:4: source: deve essere operator, customer o estimated" in err
    assert "readings.csv:5: status: solo un'autolettura" in err
    assert (
        "readings.csv:6: serial M2: contatore non presente (meters.csv:3 è stata scartata)" in err
    )
    assert "readings.csv:8: feed_key M1|2025-01-06|customer già presente alla riga 7" in err
    assert list(Reading.objects.values_list("value", "status")) == [(10, "validated")]


def test_export_then_the_billing_systems_verdict_round_trip(tmp_path, water, alice):
    from readings import services

    from .test_submit import submit

    reading = submit(alice, water["meter"], 1215)
    out = tmp_path / "out"
    call_command("export_feed", str(out), stdout=io.StringIO())
    rows = list(csv.reader((out / "readings.csv").open(encoding="utf-8")))
    assert rows[0] == [
        "reading_id", "serial", "service_code", "read_on", "value", "photo", "status", "reason",
        "received_at",
    ]  # fmt: skip
    assert rows[1][:7] == [
        str(reading.pk), "M2002002008", water["contract"].service_code,
        reading.read_on.isoformat(), "1215", "no", "received",
    ]  # fmt: skip
    assert rows[1][8].endswith("+00:00")
    # Twice, or with an overlapping --since: the same ids again.
    call_command("export_feed", str(out), "--since", "2000-01-01", stdout=io.StringIO())
    again = list(csv.reader((out / "readings.csv").open(encoding="utf-8")))
    assert [r[0] for r in again] == [r[0] for r in rows]
    reading.refresh_from_db()
    assert reading.exported_at is not None

    # The billing system sends back its verdict: the same reading, source customer, rejected.
    feed = write(
        tmp_path / "in",
        readings=[
            f"M2002002008,{reading.read_on.isoformat()},1215,customer,rejected,Lettura non coerente"
        ],
    )
    status, out_text, err = import_feed(feed)
    assert status == 0, err
    assert "readings.csv: 0 created, 1 updated" in out_text
    reading.refresh_from_db()
    assert (reading.status, reading.reason_text) == ("rejected", "Lettura non coerente")
    assert reading.user == alice and reading.receipt  # the portal's own data stays
    OutboxMessage.objects.all().delete()
    assert services.notify_feed_verdicts() == 1
    mail = OutboxMessage.objects.get()
    assert mail.to == alice.email and "Lettura non coerente" in mail.body_text
    assert services.notify_feed_verdicts() == 0  # told once


def test_readings_notify_and_housekeeping_tell_feed_rejections(alice, water):
    from core.signals import housekeeping

    from .test_submit import submit

    reading = submit(alice, water["meter"], 1215)
    Reading.objects.filter(pk=reading.pk).update(status="rejected", reason_text="Non coerente")
    OutboxMessage.objects.all().delete()
    housekeeping.send(sender=None, verbosity=0)
    assert OutboxMessage.objects.filter(kind="reading_rejected").count() == 1
    out = io.StringIO()
    call_command("readings_notify", stdout=out)
    assert out.getvalue().startswith("0 ")
