"""Bollette online: the contract's section, "vedi tutto" with its filters, one bill, its PDF;
everything of another customer is a 404."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Bill
from billing.pagopa import check_digits
from core.uploads import private_storage
from customers.models import ContractLink

from .factories import BillFactory, FeedPaymentFactory, linked_contract, pdf_bytes

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def contract(alice):
    return linked_contract(alice, service_code="2002002008")


def link_of(user, contract):
    return ContractLink.objects.get(user=user, contract=contract)


def test_the_contract_page_shows_the_latest_bill(client, alice, contract):
    BillFactory(contract=contract, number="2026/000001", issued_on=days(-70), amount=Decimal("10"))
    BillFactory(
        contract=contract, number="2026/000002", issued_on=days(-10), due_on=days(20),
        amount=Decimal("258.00"),
    )  # fmt: skip
    client.force_login(alice)
    page = client.get(reverse("customers:contract", args=[link_of(alice, contract).uid]))
    text = page.content.decode()
    assert "Bollette online" in text
    assert "vedi tutto" in text
    assert "DOCUMENTO <strong>2026/000002</strong>" in text
    for label in ("IMPORTO TOTALE DOVUTO", "IMPORTO TOTALE PAGATO", "SCADENZA", "DOWNLOAD"):
        assert label in text
    assert "258,00\u00a0€" in text
    assert days(20).strftime("%d/%m/%Y") in text
    assert ">pagamento<" in text
    assert "2 bollette da pagare" in text


def test_no_pagamento_with_direct_debit(client, alice):
    contract = linked_contract(alice, direct_debit=True)
    bill = BillFactory(contract=contract)
    client.force_login(alice)
    text = client.get(reverse("billing:list", args=[link_of(alice, contract).uid])).content.decode()
    assert "in domiciliazione" in text
    assert reverse("payments:pay", args=[bill.number]) not in text
    assert ">pagamento<" not in text


def test_list_filters_by_year_and_status(client, alice, contract):
    this_year = BillFactory(contract=contract, number="A/1", issued_on=days(-5), due_on=days(10))
    paid = BillFactory(contract=contract, number="A/2", issued_on=days(-40), amount=Decimal("5"))
    FeedPaymentFactory(bill_number=paid.number, amount=Decimal("5"))
    partial = BillFactory(contract=contract, number="A/3", issued_on=days(-50), due_on=days(-20))
    FeedPaymentFactory(bill_number=partial.number, amount=Decimal("1"))
    overdue = BillFactory(contract=contract, number="A/4", issued_on=days(-60), due_on=days(-30))
    old = BillFactory(contract=contract, number="A/5", issued_on=days(-365 * 3))
    url = reverse("billing:list", args=[link_of(alice, contract).uid])
    client.force_login(alice)
    text = client.get(url).content.decode()
    for bill in (this_year, paid, partial, overdue):
        assert f">{bill.number}</a>" in text
    assert old.number not in text
    assert "pagata" in text and "parzialmente pagata" in text and "scaduta" in text
    text = client.get(url, {"stato": "scaduta"}).content.decode()
    assert ">A/4</a>" in text and ">A/1</a>" not in text
    text = client.get(url, {"anno": str(TODAY.year - 2)}).content.decode()
    assert "Nessuna bolletta corrisponde ai filtri." in text
    text = client.get(url, {"anno": str(TODAY.year), "stato": "domiciliata"}).content.decode()
    assert "Nessuna bolletta corrisponde ai filtri." in text
    # A value that is not on offer is ignored, never a 500.
    assert client.get(url, {"anno": "abc", "stato": "<x>"}).status_code == 200


@pytest.mark.parametrize("count", [1, 24])
def test_list_takes_three_queries_whatever_the_bills(
    client, alice, contract, count, django_assert_max_num_queries
):
    for n in range(count):
        BillFactory(contract=contract, issued_on=days(-n * 30 % 700))
    url = reverse("billing:list", args=[link_of(alice, contract).uid])
    client.force_login(alice)
    client.get(url)  # the session's first request records the session's activity
    # The session, the user, the page's one query (the link, its contract, its bills).
    with django_assert_max_num_queries(3):
        page = client.get(url)
    assert page.content.decode().count("sp-status sp-bill-") == count


def test_bill_detail_with_pagopa_notice(client, alice, contract, settings):
    settings.PAGOPA_CREDITOR_FISCAL_CODE = "01234560025"
    prefix = "3021234567890123"
    bill = BillFactory(contract=contract, pagopa_notice=prefix + check_digits(prefix))
    client.force_login(alice)
    text = client.get(reverse("billing:bill", args=[bill.number])).content.decode()
    assert "3021 2345 6789 0123" in text
    assert "01234560025" in text
    assert "<svg" in text


def test_pdf_download(client, alice, contract):
    name = private_storage().save("bills/test/prova.pdf", __import__("io").BytesIO(pdf_bytes()))
    bill = BillFactory(contract=contract, number="2026/000123", pdf=name)
    client.force_login(alice)
    response = client.get(reverse("billing:pdf", args=[bill.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="bolletta-2026-000123.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.streaming
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    private_storage().delete(name)


def test_another_customers_bills_are_404(client, alice, bob, contract):
    bill = BillFactory(contract=contract, pdf="bills/x.pdf")
    link = link_of(alice, contract)
    client.force_login(bob)
    for url in (
        reverse("billing:list", args=[link.uid]),
        reverse("billing:bill", args=[bill.number]),
        reverse("billing:pdf", args=[bill.number]),
        reverse("payments:pay", args=[bill.number]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("payments:pay", args=[bill.number])).status_code == 404
    assert not Bill.objects.get().payments.exists()


def test_anonymous_visitors_go_to_login(client, contract):
    bill = BillFactory(contract=contract)
    response = client.get(reverse("billing:pdf", args=[bill.number]))
    assert response.status_code == 302
    assert "/accedi/" in response["Location"]


def test_the_kept_shape_of_the_list_follows_the_data(client, alice, contract):
    """ "vedi tutto" is drawn once per rows and filters (core.shapes): a payment that arrives
    later shows at once, and the list is alice's with her name and a fresh token."""
    bill = BillFactory(contract=contract, number="S/1", issued_on=days(-5), amount=Decimal("9"))
    url = reverse("billing:list", args=[link_of(alice, contract).uid])
    client.force_login(alice)
    first = client.get(url).content.decode()
    assert client.get(url).content.decode().count("S/1") == first.count("S/1")
    assert ">pagamento<" in first
    FeedPaymentFactory(bill_number=bill.number, amount=Decimal("9"))
    after = client.get(url).content.decode()
    assert ">pagamento<" not in after and after.count("pagata") > first.count("pagata")
    assert alice.display_name in after and "\x00" not in after


def test_the_bills_list_through_its_shape_is_the_list_rendered_as_usual(
    client, alice, contract, monkeypatch
):
    from core.tests.shapes import both_ways

    BillFactory(contract=contract, number="S/1", issued_on=days(-40), amount=Decimal("9"))
    BillFactory(contract=contract, number="S/2", issued_on=days(-5), due_on=days(20))
    client.force_login(alice)
    url = reverse("billing:list", args=[link_of(alice, contract).uid])
    kept, usual = both_ways(client, url, monkeypatch)
    assert kept == usual
    assert "S/1" in kept and "S/2" in kept and alice.display_name in kept
