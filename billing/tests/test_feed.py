"""bills.csv and payments.csv through the feed engine: columns, checks, the PDF copied into
the private storage, an unchanged re-run that writes nothing."""

import io
from decimal import Decimal

import pytest

from billing.models import Bill, FeedPayment, bill_ref, number_of_ref
from billing.pagopa import check_digits
from core.uploads import private_storage
from customers.tests.factories import ContractFactory
from feeds import services
from feeds.models import ImportJob

from .factories import pdf_bytes

pytestmark = pytest.mark.django_db

BILL_HEADER = (
    "number,service_code,issued_on,due_on,period_start,period_end,amount,pdf,pagopa_notice\n"
)
PAY_HEADER = "bill_number,paid_on,amount,channel\n"


def notice(base="30212345678901"):
    prefix = (base + "0" * 16)[:16]
    return prefix + check_digits(prefix)


def run(directory):
    out, err = io.StringIO(), io.StringIO()
    job = services.run_import(
        directory=directory, source=ImportJob.Source.COMMAND, stdout=out, stderr=err
    )
    job.refresh_from_db()
    return job, err.getvalue().splitlines()


@pytest.fixture
def private(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    from django.core.files.storage import storages

    storages._storages.pop("private", None)
    yield tmp_path / "private"
    storages._storages.pop("private", None)


def write(feed, bills="", payments=None):
    feed.mkdir(exist_ok=True)
    (feed / "bills.csv").write_text(BILL_HEADER + bills)
    if payments is not None:
        (feed / "payments.csv").write_text(PAY_HEADER + payments)
    return feed


def test_bills_and_payments_are_loaded_with_their_pdf(tmp_path, private):
    contract = ContractFactory(service_code="2002002008")
    feed = tmp_path / "feed"
    (feed / "bills").mkdir(parents=True)
    (feed / "bills" / "a.pdf").write_bytes(pdf_bytes("A"))
    good_notice = notice()
    write(
        feed,
        f"2026/000001,2002002008,2026-01-10,2026-02-10,2025-10-01,2025-12-31,258.00,bills/a.pdf,{good_notice}\n"
        "2026/000002,2002002008,2026-03-10,2026-04-10,,,12.5,,\n",
        "2026/000001,2026-02-01,100.00,Bank\n",
    )
    job, err = run(feed)
    assert job.state == ImportJob.State.DONE, err
    assert job.counts["bills.csv"]["created"] == 2
    assert job.counts["payments.csv"]["created"] == 1
    bill = Bill.objects.get(number="2026/000001")
    assert bill.contract == contract
    assert number_of_ref(bill.ref) == "2026/000001" == bill.number
    assert bill_ref("2026/000001") == "MjAyNi8wMDAwMDE"
    assert bill.amount == Decimal("258.00")
    assert bill.pagopa_notice == good_notice
    assert bill.pdf.startswith("bills/") and bill.pdf.endswith(".pdf")
    with private_storage().open(bill.pdf) as f:
        assert f.read() == (feed / "bills" / "a.pdf").read_bytes()
    assert Bill.objects.get(number="2026/000002").pdf == ""
    assert FeedPayment.objects.get().channel == "bank"

    again, _ = run(feed)
    assert again.counts["bills.csv"] == {"created": 0, "updated": 0, "unchanged": 2, "error": 0}
    assert again.counts["payments.csv"]["unchanged"] == 1


def test_bad_rows_are_reported_and_skipped(tmp_path, private):
    ContractFactory(service_code="2002002008")
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "fake.pdf").write_text("not a pdf")
    wrong = notice()[:-1] + str((int(notice()[-1]) + 1) % 10)
    write(
        feed,
        "2026/1,9999999999,2026-01-10,2026-02-10,,,1.00,,\n"
        f"2026/2,2002002008,2026-01-10,2026-02-10,,,1.00,,{wrong}\n"
        "2026/3,2002002008,2026-01-10,2026-01-01,,,1.00,,\n"
        "2026/4,2002002008,2026-01-10,2026-02-10,,,1,00,,\n"
        "2026/5,2002002008,2026-01-10,2026-02-10,,,1.00,../secret.pdf,\n"
        "2026/6,2002002008,2026-01-10,2026-02-10,,,1.00,fake.pdf,\n"
        "2026/7,2002002008,2026-01-10,2026-02-10,,,1.00,missing.pdf,\n"
        "2026/8,2002002008,2026-01-10,2026-02-10,,,1.00,,\n",
        "2026/8,2026-01-11,-5.00,\n",
    )
    job, err = run(feed)
    assert list(Bill.objects.values_list("number", flat=True)) == ["2026/8"]
    text = "\n".join(err)
    assert "bills.csv:2: service_code 9999999999: utenza non presente" in text
    assert "bills.csv:3: pagopa_notice: cifre di controllo errate" in text
    assert "bills.csv:4: due_on: precedente a issued_on" in text
    assert "bills.csv:5: 10 campi" in text
    assert "bills.csv:6: pdf: percorso non ammesso" in text
    assert "bills.csv:7: pdf: non è un file PDF" in text
    assert "bills.csv:8: pdf: file non trovato" in text
    assert "payments.csv:2: amount: deve essere maggiore di zero" in text
    assert job.counts["bills.csv"]["error"] == 7


def test_a_changed_row_is_updated_and_portal_payments_survive(tmp_path, private):
    ContractFactory(service_code="2002002008")
    feed = write(tmp_path / "feed", "2026/1,2002002008,2026-01-10,2026-02-10,,,10.00,,\n")
    run(feed)
    Bill.objects.update(portal_paid=Decimal("4.00"))
    write(feed, "2026/1,2002002008,2026-01-10,2026-03-10,,,10.00,,\n")
    job, _ = run(feed)
    assert job.counts["bills.csv"]["updated"] == 1
    bill = Bill.objects.get()
    assert str(bill.due_on) == "2026-03-10"
    assert bill.portal_paid == Decimal("4.00")


def test_a_contract_with_bills_cannot_be_deleted():
    from django.db.models import ProtectedError

    from .factories import BillFactory

    bill = BillFactory()
    with pytest.raises(ProtectedError):
        bill.contract.delete()
