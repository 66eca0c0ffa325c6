"""The feed in: row outcomes, reasons and line numbers, file-level problems, idempotency."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Contract, Holder
from feeds import services
from feeds.models import ImportJob, ImportRow

from .feedfiles import (
    CF_BAD_CHECK,
    CF_GIULIA,
    CF_MARIO,
    CF_MARIO_OMOCODIC,
    PIVA_ACME,
    PIVA_OTHER,
    company,
    contract,
    generated_feed,
    person,
    write_feed,
)

pytestmark = pytest.mark.django_db

State = ImportJob.State


def run(directory, **options):
    out, err = io.StringIO(), io.StringIO()
    job = services.run_import(
        directory=directory,
        source=ImportJob.Source.COMMAND,
        stdout=out,
        stderr=err,
        **options,
    )
    job.refresh_from_db()
    return job, out.getvalue(), err.getvalue().splitlines()


def stored_errors(job):
    return [(r.file, r.line, r.key, r.reason) for r in job.rows.order_by("pk")]


def test_a_feed_is_applied_and_counted(tmp_path):
    feed = write_feed(
        tmp_path,
        customers=[
            person("C001"),
            company("C002"),
            person("C003", first_name="Giulia", last_name="Zanon", codice_fiscale=CF_GIULIA),
        ],
        contracts=[
            contract("A001", "C001"),
            contract("R001", "C001", service="waste", tariff="TARIP Domestica - 2 componenti"),
            contract("A002", "C002", use="non_domestic", direct_debit="no", status="suspended"),
            contract("R002", "C003", service="waste", status="terminated", end_date="2024-06-30"),
        ],
    )
    job, out, err = run(feed)

    assert job.state == State.DONE
    assert err == []
    assert job.counts == {
        "customers.csv": {"created": 3, "updated": 0, "unchanged": 0, "error": 0},
        "contracts.csv": {"created": 4, "updated": 0, "unchanged": 0, "error": 0},
    }
    assert job.finished_at and job.started_at <= job.finished_at
    assert "customers.csv: 3 created, 0 updated, 0 unchanged, 0 errors" in out
    assert "contracts.csv: 4 created, 0 updated, 0 unchanged, 0 errors" in out

    mario = Holder.objects.get(customer_code="C001")
    assert (mario.kind, mario.name, mario.codice_fiscale) == ("person", "Mario Rossi", CF_MARIO)
    assert mario.checksum and len(mario.checksum) == 32
    acme = Holder.objects.get(customer_code="C002")
    assert (acme.kind, acme.name, acme.partita_iva) == (
        "company",
        "Acme Depurazioni S.r.l.",
        PIVA_ACME,
    )
    water = Contract.objects.get(service_code="A001")
    assert water.holder == mario
    assert (water.service, water.use, water.status) == ("water", "domestic", "active")
    assert water.direct_debit is True
    assert water.start_date == date(2015, 3, 1) and water.end_date is None
    assert water.location == "VIA ROMA 1 - VILLA DEL CONTE"
    business = Contract.objects.get(service_code="A002")
    assert (business.use, business.status, business.direct_debit) == (
        "non_domestic",
        "suspended",
        False,
    )
    ended = Contract.objects.get(service_code="R002")
    assert (ended.status, ended.end_date) == ("terminated", date(2024, 6, 30))


def test_values_are_normalised(tmp_path):
    feed = write_feed(
        tmp_path,
        customers=[
            person(
                " C001 ",
                kind=" Person ",
                codice_fiscale=f" {CF_MARIO.lower()} ",
                first_name=" Mario ",
            ),
            company("C002", partita_iva=f"IT {PIVA_ACME}", codice_fiscale=""),
        ],
        contracts=[
            contract(" A001 ", "C001", service="WATER", status="Active", direct_debit="YES")
        ],
    )
    job, _, err = run(feed)

    assert err == []
    mario = Holder.objects.get(customer_code="C001")
    assert (mario.kind, mario.first_name, mario.codice_fiscale) == ("person", "Mario", CF_MARIO)
    assert Holder.objects.get(customer_code="C002").partita_iva == PIVA_ACME
    water = Contract.objects.get(service_code="A001")
    assert (water.service, water.status, water.direct_debit) == ("water", "active", True)


def test_omocodic_codice_fiscale_and_company_codes_are_accepted(tmp_path):
    feed = write_feed(
        tmp_path,
        customers=[
            person("C001", codice_fiscale=CF_MARIO_OMOCODIC),
            company("C002", codice_fiscale=PIVA_ACME),  # 11-digit codice fiscale
            company("C003", partita_iva=PIVA_OTHER, codice_fiscale=CF_GIULIA),  # sole trader
            person("C004", codice_fiscale=CF_GIULIA, partita_iva=PIVA_OTHER),
        ],
    )
    job, _, err = run(feed)
    assert err == []
    assert job.counts["customers.csv"]["created"] == 4
    assert Holder.objects.get(customer_code="C001").codice_fiscale == CF_MARIO_OMOCODIC


def test_bad_rows_are_reported_with_line_and_reason_and_skipped(tmp_path):
    feed = write_feed(
        tmp_path,
        customers=[
            person("C001"),  # line 2
            person("C002", codice_fiscale=CF_BAD_CHECK),  # 3
            person("C003", codice_fiscale=""),  # 4
            person("C004", codice_fiscale="RSSMRA85T10"),  # 5
            company("C005", partita_iva=""),  # 6
            company("C006", partita_iva="12345678901"),  # 7
            person("C007", kind="ente"),  # 8
            person("", first_name="Senza"),  # 9
            person("C001", first_name="Doppio"),  # 10
            person("C008", email="non-una-mail"),  # 11
            person("C009", last_name="X" * 151),  # 12
            company("C010", codice_fiscale="123"),  # 13
            company("C011"),  # 14, good
        ],
        contracts=[
            contract("A001", "C001"),  # 2
            contract("A002", "C999"),  # 3 unknown customer
            contract("A003", "C002"),  # 4 its customer was rejected
            contract("A004", "C001", service="gas", use="", status="closed"),  # 5
            contract("A005", "C001", direct_debit="forse"),  # 6
            contract("A006", "C001", start_date="01/02/2020", end_date="2020-02-30"),  # 7
            contract("A007", "C001", start_date="2020-05-01", end_date="2020-04-30"),  # 8
            contract("A001", "C011"),  # 9 duplicate
            contract("A008", "C011", use="non_domestic"),  # 10, good
        ],
    )
    job, out, err = run(feed)

    assert job.state == State.DONE
    assert job.counts == {
        "customers.csv": {"created": 2, "updated": 0, "unchanged": 0, "error": 11},
        "contracts.csv": {"created": 2, "updated": 0, "unchanged": 0, "error": 7},
    }
    assert err == [
        "customers.csv:3: codice_fiscale: codice fiscale non valido",
        "customers.csv:4: codice_fiscale: mancante (obbligatorio per una persona fisica)",
        "customers.csv:5: codice_fiscale: lunghezza errata (attesi 16 caratteri)",
        "customers.csv:6: partita_iva: mancante (obbligatoria per una persona giuridica)",
        "customers.csv:7: partita_iva: partita IVA non valida",
        "customers.csv:8: kind: deve essere person o company",
        "customers.csv:9: customer_code: mancante",
        "customers.csv:10: customer_code C001 già presente alla riga 2",
        "customers.csv:11: email: indirizzo e-mail non valido",
        "customers.csv:12: last_name: più lungo di 150 caratteri",
        "customers.csv:13: codice_fiscale: lunghezza errata (attesi 11 cifre o 16 caratteri)",
        "contracts.csv:3: customer_code C999: cliente non presente",
        "contracts.csv:4: customer_code C002: cliente non presente "
        "(customers.csv:3 è stata scartata)",
        "contracts.csv:5: service: deve essere water o waste; use: mancante; "
        "status: deve essere active, suspended o terminated",
        "contracts.csv:6: direct_debit: deve essere yes o no",
        "contracts.csv:7: start_date: non è una data YYYY-MM-DD; "
        "end_date: non è una data YYYY-MM-DD",
        "contracts.csv:8: end_date: precedente a start_date",
        "contracts.csv:9: service_code A001 già presente alla riga 2",
    ]
    assert [f"{f}:{line}: {reason}" for f, line, _, reason in stored_errors(job)] == err
    assert stored_errors(job)[0][:3] == ("customers.csv", 3, "C002")
    assert job.error_count == 18
    assert set(Holder.objects.values_list("customer_code", flat=True)) == {"C001", "C011"}
    assert set(Contract.objects.values_list("service_code", flat=True)) == {"A001", "A008"}
    assert Holder.objects.get(customer_code="C001").first_name == "Mario"  # the first one won
    assert Contract.objects.get(service_code="A001").holder.customer_code == "C001"


def test_a_contract_may_refer_to_a_holder_already_in_the_database(tmp_path):
    run(write_feed(tmp_path / "one", customers=[person("C001")]))
    job, _, err = run(write_feed(tmp_path / "two", contracts=[contract("A001", "C001")]))
    assert err == []
    assert job.counts == {"contracts.csv": {"created": 1, "updated": 0, "unchanged": 0, "error": 0}}
    assert Contract.objects.get().holder.customer_code == "C001"


def test_line_numbers_are_physical_lines_with_quoted_newlines_and_commas(tmp_path):
    (tmp_path / "customers.csv").write_text(
        "customer_code,kind,first_name,last_name,codice_fiscale,address\r\n"
        f'C001,person,Mario,Rossi,{CF_MARIO},"Via Roma, 1\r\nScala B, interno 4"\r\n'
        f'C002,person,"Anna ""Nina""",Bianchi,{CF_BAD_CHECK},Via Po 2\r\n'
        "\r\n"
        f'C003,person,Giulia,Zanon,{CF_GIULIA},"Piazza\nGaribaldi"\n'
        "C004,person,Luca\n",
        encoding="utf-8",
    )
    job, _, err = run(tmp_path)
    assert err == [
        "customers.csv:4: codice_fiscale: codice fiscale non valido",
        "customers.csv:8: 3 campi, l'intestazione ne ha 6",
    ]
    assert Holder.objects.get(customer_code="C001").address == "Via Roma, 1\r\nScala B, interno 4"
    assert Holder.objects.get(customer_code="C003").address == "Piazza\nGaribaldi"


def test_utf8_bom_and_accents_are_read(tmp_path):
    write_feed(
        tmp_path,
        customers=[
            person("C001", first_name="Nicolò", last_name="Dall'Igna", address="Via Ca' Nove")
        ],
    )
    path = tmp_path / "customers.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    job, _, err = run(tmp_path)
    assert err == []
    assert job.state == State.DONE
    assert Holder.objects.get(customer_code="C001").name == "Nicolò Dall'Igna"


def test_unknown_column_is_reported_once_and_ignored(tmp_path):
    columns = ["customer_code", "kind", "first_name", "last_name", "codice_fiscale", "fax"]
    feed = write_feed(
        tmp_path,
        customers=[
            person("C001", fax="049 000"),
            person("C002", fax="049 111", codice_fiscale=CF_GIULIA),
        ],
        customer_columns=columns,
    )
    job, _, err = run(feed)
    assert err == ['customers.csv:1: colonna sconosciuta "fax" ignorata']
    assert job.state == State.DONE
    assert job.error_count == 0
    assert job.counts["customers.csv"]["created"] == 2
    assert 'colonna sconosciuta "fax"' in job.message
    # Columns left out of the header are read as empty.
    assert Holder.objects.get(customer_code="C001").email == ""


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["customer_code", "first_name"], "customers.csv:1: colonna obbligatoria mancante: kind"),
        (
            ["customer_code", "kind", "Kind"],
            "customers.csv:1: colonna ripetuta nell'intestazione: kind",
        ),
    ],
)
def test_a_bad_header_makes_the_input_unreadable_and_nothing_is_applied(tmp_path, columns, message):
    feed = write_feed(
        tmp_path, customers=[person("C001")], contracts=[contract()], customer_columns=columns
    )
    job, _, err = run(feed)
    assert job.state == State.FAILED
    assert err[-1] == message
    assert message in job.message
    assert not Holder.objects.exists()
    assert not Contract.objects.exists()


def test_a_file_that_is_not_utf8_makes_the_input_unreadable(tmp_path):
    feed = write_feed(tmp_path, customers=[person("C001")])
    write_feed(
        tmp_path,
        contracts=[contract("A001"), contract("A002", municipality="Ponte San Nicolò")],
    )
    path = tmp_path / "contracts.csv"
    path.write_bytes(path.read_bytes().decode("utf-8").encode("latin-1"))
    job, _, err = run(feed)
    assert job.state == State.FAILED
    assert err == ["contracts.csv:3: non è UTF-8 (byte 0xf2): salva il file in UTF-8"]
    # customers.csv was fine, but nothing is applied when part of the input is unreadable.
    assert not Holder.objects.exists()


@pytest.mark.parametrize(
    ("empty_customers", "subdirectory", "message"),
    [
        (False, "missing", "missing: non è una cartella"),
        (False, "", "nessun file del flusso (attesi customers.csv, contracts.csv"),
        (True, "", "customers.csv:1: manca la riga di intestazione (il file è vuoto)"),
    ],
)
def test_nothing_to_read(tmp_path, empty_customers, subdirectory, message):
    (tmp_path / "readme.txt").write_text("hello")
    if empty_customers:
        (tmp_path / "customers.csv").write_bytes(b"")
    job, _, err = run(tmp_path / subdirectory)
    assert job.state == State.FAILED
    assert message in err[-1]
    assert job.message.endswith(err[-1])


def test_files_of_apps_not_installed_are_skipped_once(tmp_path, settings):
    gone = ("readings", "billing", "payments", "pratiche")
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app not in gone]
    feed = write_feed(tmp_path, customers=[person("C001")])
    (tmp_path / "bills.csv").write_text("number,service_code\n1,A001\n")
    (tmp_path / "meters.csv").write_text("serial,service_code,kind\n")
    job, _, err = run(feed)
    assert err == [
        "bills.csv: non ancora gestito, saltato",
        "meters.csv: non ancora gestito, saltato",
    ]
    assert job.state == State.DONE
    assert set(job.counts) == {"customers.csv"}


def test_rerunning_the_same_feed_changes_nothing(tmp_path):
    feed = generated_feed(tmp_path, holders=40, contracts=64)
    first, _, _ = run(feed, batch_size=7)
    assert first.counts["customers.csv"]["created"] == 40
    assert first.counts["contracts.csv"]["created"] == 64
    before = {
        "holders": list(Holder.objects.order_by("pk").values()),
        "contracts": list(Contract.objects.order_by("pk").values()),
    }

    with CaptureQueriesContext(connection) as queries:
        second, _, err = run(feed, batch_size=7)

    assert err == []
    assert second.counts == {
        "customers.csv": {"created": 0, "updated": 0, "unchanged": 40, "error": 0},
        "contracts.csv": {"created": 0, "updated": 0, "unchanged": 64, "error": 0},
    }
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COPY"))
        and ("customers_holder" in q["sql"] or "customers_contract" in q["sql"])
    ]
    assert writes == []
    # One query per table for the checksums, one for the holders' ids (the checksums are
    # streamed: a server-side cursor, DECLARE … CURSOR FOR SELECT, on PostgreSQL).
    reads = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith(("SELECT", "DECLARE"))
    ]
    assert sum('FROM "customers_holder"' in sql for sql in reads) == 2
    assert sum('FROM "customers_contract"' in sql for sql in reads) == 1
    assert before == {
        "holders": list(Holder.objects.order_by("pk").values()),
        "contracts": list(Contract.objects.order_by("pk").values()),
    }


def test_a_later_feed_updates_what_changed(tmp_path):
    customers = [person("C001"), company("C002")]
    contracts = [
        contract("A001", "C001"),
        contract("R001", "C001", service="waste"),
        contract("A002", "C002"),
    ]
    run(write_feed(tmp_path / "monday", customers=customers, contracts=contracts))
    linked = Contract.objects.get(service_code="A001")
    untouched = Holder.objects.get(customer_code="C002").updated_at

    customers[0] = person("C001", email="mario@example.org")
    contracts[0] = contract("A001", "C001", status="terminated", end_date="2026-10-31")
    contracts.append(contract("A003", "C002", use="non_domestic"))
    job, out, err = run(write_feed(tmp_path / "tuesday", customers=customers, contracts=contracts))

    assert err == []
    assert job.counts == {
        "customers.csv": {"created": 0, "updated": 1, "unchanged": 1, "error": 0},
        "contracts.csv": {"created": 1, "updated": 1, "unchanged": 2, "error": 0},
    }
    ended = Contract.objects.get(service_code="A001")
    assert ended.pk == linked.pk  # the same row: links to it stay
    assert (ended.status, ended.end_date) == ("terminated", date(2026, 10, 31))
    assert ended.get_status_display() == "Cessato"
    assert ended.updated_at > linked.updated_at
    assert Holder.objects.get(customer_code="C001").email == "mario@example.org"
    assert Holder.objects.get(customer_code="C002").updated_at == untouched
    assert Contract.objects.count() == 4


def test_a_contract_can_move_to_another_holder(tmp_path):
    run(
        write_feed(
            tmp_path / "one",
            customers=[person("C001"), company("C002")],
            contracts=[contract("A001", "C001")],
        )
    )
    job, _, _ = run(write_feed(tmp_path / "two", contracts=[contract("A001", "C002")]))
    assert job.counts["contracts.csv"]["updated"] == 1
    assert Contract.objects.get().holder.customer_code == "C002"


def test_the_orm_writer_gives_the_same_result(tmp_path):
    feed = generated_feed(tmp_path / "feed", holders=30, contracts=50, seed=3)
    job, _, _ = run(feed, writer="orm", batch_size=8)
    assert job.counts["contracts.csv"]["created"] == 50
    orm_rows = sorted(
        Contract.objects.values_list(
            "service_code", "holder__customer_code", "status", "start_date"
        )
    )
    again, _, _ = run(feed)  # the default writer finds nothing to change
    assert again.counts["customers.csv"]["unchanged"] == 30
    assert again.counts["contracts.csv"]["unchanged"] == 50
    assert (
        sorted(
            Contract.objects.values_list(
                "service_code", "holder__customer_code", "status", "start_date"
            )
        )
        == orm_rows
    )


def test_error_rows_are_stored_in_batches_with_the_job(tmp_path):
    rows = [
        person(f"C{i:03d}", codice_fiscale=CF_BAD_CHECK if i % 3 == 0 else CF_MARIO)
        for i in range(30)
    ]
    job, _, err = run(write_feed(tmp_path, customers=rows), batch_size=4)
    assert job.counts["customers.csv"] == {"created": 20, "updated": 0, "unchanged": 0, "error": 10}
    assert ImportRow.objects.filter(job=job).count() == 10 == len(err)
    assert [r.line for r in job.rows.all()] == [2 + i for i in range(0, 30, 3)]
