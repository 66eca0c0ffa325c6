"""Browser journeys over bills and online payment (issue 10): "Apri" -> "Bollette online" ->
"vedi tutto" -> DOWNLOAD (a real PDF) -> "pagamento" -> the sandbox gateway -> approve ->
back on the portal "Verifica in corso", then paid once the gateway's notification arrives; a
declined card and "Torna al sito dell'esercente" leave the bill unpaid with a clear message;
a direct-debit contract shows no "pagamento".

Each runs at desktop and phone size; every page visited is screenshotted into e2e/artifacts/
and checked with axe-core (WCAG 2.1 A/AA).
"""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

CUSTOMER_PASSWORD = "Password-di-prova-2026"  # accounts.tests.factories.UserFactory's
TODAY = date.today()
NOTICE = "302123456789012356"  # 3021234567890123 % 93 == 56


def h1(page):
    return page.get_by_role("heading", level=1)


def bill_row(page, number):
    return page.locator("table.sp-bills tbody tr").filter(has_text=number)


@pytest.fixture
def journey(transactional_db, live_server, settings):
    """A customer with a water contract (three bills: paid, overdue, due) and a direct-debit
    one; the gateway calls the live server back."""
    from accounts.tests.factories import UserFactory
    from billing.tests.factories import BillFactory, FeedPaymentFactory, pdf_bytes
    from core.uploads import private_storage
    from customers.tests.factories import ContractFactory, LinkFactory

    settings.PUBLIC_URL = live_server.url
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYMENT_SANDBOX_NOTIFY_DELAY = 0
    user = UserFactory(
        username="lucia.bianchi",
        email="lucia.bianchi@example.com",
        first_name="Lucia",
        last_name="Bianchi",
        email_confirmed_at=timezone.now(),
    )
    water = ContractFactory(service_code="2002002008")
    debit = ContractFactory(service_code="2002002010", direct_debit=True)
    LinkFactory(user=user, contract=water)
    LinkFactory(user=user, contract=debit)
    pdf = private_storage().save("bills/e2e/bolletta.pdf", io.BytesIO(pdf_bytes("2026/000003")))
    paid = BillFactory(
        contract=water, number="2026/000001", issued_on=TODAY - timedelta(days=120),
        due_on=TODAY - timedelta(days=90), amount=Decimal("120.00"), pdf=pdf,
    )  # fmt: skip
    FeedPaymentFactory(bill_number=paid.number, amount=Decimal("120.00"))
    overdue = BillFactory(
        contract=water, number="2026/000002", issued_on=TODAY - timedelta(days=60),
        due_on=TODAY - timedelta(days=30), amount=Decimal("75.50"), pdf=pdf,
        pagopa_notice=NOTICE,
    )  # fmt: skip
    due = BillFactory(
        contract=water, number="2026/000003", issued_on=TODAY - timedelta(days=5),
        due_on=TODAY + timedelta(days=25), amount=Decimal("258.00"), pdf=pdf,
    )  # fmt: skip
    BillFactory(contract=debit, number="2026/000010", issued_on=TODAY - timedelta(days=5))
    yield {"paid": paid, "overdue": overdue, "due": due}
    private_storage().delete(pdf)


def open_contract(page, code):
    nav = page.get_by_role("navigation", name="Area personale")
    nav.get_by_role("link", name="I miei servizi", exact=True).click()
    row = page.locator("table.sp-services tbody tr").filter(has_text=code)
    row.get_by_role("link", name=re.compile("^Apri")).click()
    expect(h1(page)).to_contain_text(code)


def to_gateway(page, number, axe_check):
    """From "vedi tutto", "pagamento" on bill `number` up to the sandbox's page."""
    bill_row(page, number).get_by_role("link", name=re.compile("^pagamento")).click()
    expect(h1(page)).to_contain_text("Pagamento Online Documento")
    axe_check(page)
    page.get_by_role("button", name="Procedi al pagamento").click()
    expect(page.get_by_role("heading", name="Riassunto ordine")).to_be_visible()


def test_view_download_and_pay_a_bill(page, axe_check, login, journey):
    from accounts.tests.helpers import run_tasks
    from billing.models import Bill
    from payments.models import Payment

    login(page, "lucia.bianchi", CUSTOMER_PASSWORD, check=axe_check)
    open_contract(page, "2002002008")
    section = page.get_by_role("region", name="Bollette online")
    expect(section).to_contain_text("DOCUMENTO 2026/000003")
    for label in ("IMPORTO TOTALE DOVUTO", "IMPORTO TOTALE PAGATO", "SCADENZA", "DOWNLOAD"):
        expect(section).to_contain_text(label)
    expect(section).to_contain_text("258,00 €")
    expect(section).to_contain_text((TODAY + timedelta(days=25)).strftime("%d/%m/%Y"))
    axe_check(page)

    # "vedi tutto": the two years, newest first, with their statuses.
    section.get_by_role("link", name=re.compile("^vedi tutto")).click()
    expect(h1(page)).to_contain_text("Bollette online")
    expect(bill_row(page, "2026/000001")).to_contain_text("pagata")
    expect(bill_row(page, "2026/000002")).to_contain_text("scaduta")
    expect(bill_row(page, "2026/000003")).to_contain_text("da pagare")
    expect(
        bill_row(page, "2026/000001").get_by_role("link", name=re.compile("^pagamento"))
    ).to_have_count(0)
    axe_check(page)

    # Filter by status.
    page.get_by_label("Stato").select_option("scaduta")
    page.get_by_role("button", name="Filtra").click()
    expect(page.locator("table.sp-bills tbody tr")).to_have_count(1)
    axe_check(page)
    page.get_by_label("Stato").select_option("")
    page.get_by_role("button", name="Filtra").click()

    # DOWNLOAD: a real PDF, under a name the server made.
    with page.expect_download() as info:
        bill_row(page, "2026/000003").get_by_role("link", name=re.compile("^PDF")).click()
    download = info.value
    assert download.suggested_filename == "bolletta-2026-000003.pdf"
    with open(download.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"

    # "pagamento" -> the sandbox gateway, as the guide shows it.
    to_gateway(page, "2026/000003", axe_check)
    main = page.locator("main")
    for text in ("Esercente", "Paese", "ITA", "Numero d'ordine", "Valuta", "EUR", "258,00 €"):
        expect(main).to_contain_text(text)
    expect(main).to_contain_text("Seleziona il metodo di pagamento")
    expect(page.get_by_role("button", name="Torna al sito dell'esercente")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name=re.compile("^Paga ")).click()

    # Back on the portal: the gateway has not notified yet.
    expect(h1(page)).to_have_text("Esito del pagamento")
    expect(page.locator("main")).to_contain_text("Verifica in corso")
    assert Payment.objects.get().state == Payment.State.PENDING
    axe_check(page)

    run_tasks()  # the sandbox's worker posts the signed outcome to urlpost
    expect(page.locator("main")).to_contain_text("Pagamento riuscito", timeout=15_000)
    axe_check(page)
    assert Bill.objects.get(number="2026/000003").portal_paid == Decimal("258.00")

    page.get_by_role("link", name=re.compile("^Torna al documento")).click()
    expect(page.locator("main")).to_contain_text("pagata")
    expect(page.get_by_role("link", name=re.compile("^pagamento"))).to_have_count(0)
    axe_check(page)


def test_declined_and_cancelled_payments_leave_the_bill_unpaid(page, axe_check, login, journey):
    from accounts.tests.helpers import run_tasks
    from payments.models import Payment

    login(page, "lucia.bianchi", CUSTOMER_PASSWORD)
    overdue = journey["overdue"]
    page.goto(reverse("billing:bill", args=[overdue.number]))
    pagopa = page.get_by_role("region", name="Paga con pagoPA")
    expect(pagopa).to_contain_text("3021 2345 6789 0123 56")
    expect(pagopa.get_by_role("img", name=re.compile("^Codice QR pagoPA"))).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Bollette online").click()

    # A declined card (codiceEsito 103).
    to_gateway(page, "2026/000002", axe_check)
    page.get_by_label(re.compile("rifiutata \\(103\\)")).check()
    page.get_by_role("button", name=re.compile("^Paga ")).click()
    expect(page.locator("main")).to_contain_text("non è riuscito")
    run_tasks()
    expect(page.locator("main")).to_contain_text("Pagamento non riuscito", timeout=15_000)
    axe_check(page)
    assert Payment.objects.get().state == Payment.State.FAILED

    # "Torna al sito dell'esercente".
    page.goto(f"/bollette/{_link_uid(overdue)}/")
    to_gateway(page, "2026/000002", axe_check)
    page.get_by_role("button", name="Torna al sito dell'esercente").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Pagamento annullato: la bolletta resta da pagare."
    )
    axe_check(page)
    page.get_by_role("link", name=re.compile("^Torna al documento")).click()
    expect(page.locator("main")).to_contain_text("scaduta")
    expect(page.get_by_role("link", name=re.compile("^pagamento"))).to_be_visible()


def test_direct_debit_contract_has_no_pagamento(page, axe_check, login, journey):
    login(page, "lucia.bianchi", CUSTOMER_PASSWORD)
    open_contract(page, "2002002010")
    section = page.get_by_role("region", name="Bollette online")
    expect(section).to_contain_text("in domiciliazione")
    expect(section).to_contain_text("La domiciliazione bancaria è attiva")
    expect(section.get_by_role("link", name=re.compile("^pagamento"))).to_have_count(0)
    axe_check(page)


def _link_uid(bill):
    from customers.models import ContractLink

    return ContractLink.objects.get(contract=bill.contract).uid


@pytest.fixture
def diana_device(diana):
    """The administrator diana (demo personas) with an authenticator app set up."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=diana, name="app", confirmed=True)


def test_administrator_finds_a_payment_and_marks_the_refund(
    page, axe_check, login, journey, diana_device
):
    from core.models import AuditEvent
    from demo.personas import PERSONAS
    from payments.models import Payment
    from payments.services import set_payment_state, start_payment

    from .browser import totp_code

    due = journey["due"]
    owner = due.contract.links.get().user
    payment = start_payment(user=owner, bill=due)
    set_payment_state(payment=payment, state=Payment.State.CONFIRMED, reference="A1B2C3")

    login(page, "diana", PERSONAS["diana"]["password"], otp=lambda: totp_code(diana_device))
    page.goto("/backoffice/")
    page.get_by_role("navigation", name="Menu del back-office").get_by_role(
        "link", name="Pagamenti"
    ).click()
    expect(h1(page)).to_have_text("Pagamenti")
    page.get_by_label("Cerca un pagamento", exact=True).fill(due.number)
    page.get_by_role("button", name="Cerca", exact=True).click()
    expect(page.locator("main table tbody tr")).to_have_count(1)
    axe_check(page)
    page.get_by_role("link", name=f"Apri la bolletta {due.number}").click()
    expect(h1(page)).to_contain_text(due.number)
    expect(page.locator("main")).to_contain_text("pagata")
    axe_check(page)
    page.get_by_role("link", name=payment.code).click()
    expect(page.locator("main")).to_contain_text("A1B2C3")
    axe_check(page)
    marked = page.get_by_role("region", name="Segna come rimborsato")
    marked.get_by_label("Motivo").fill("Pagata anche in banca")
    marked.get_by_role("button", name="Segna come rimborsato").click()
    expect(page.get_by_role("status")).to_contain_text("segnato come rimborsato")
    expect(page.locator("main")).to_contain_text("rimborsato")
    axe_check(page)
    assert AuditEvent.objects.filter(action="payments.refunded").exists()


def test_administrator_refunds_a_payment_through_the_gateway(
    page, axe_check, login, journey, diana_device
):
    """ "Rimborsa": the sandbox gateway first refuses (it never saw the transaction), the
    payment stays confirmed with the gateway's reason; once the gateway knows it, the refund
    goes through over HTTP and the payment is refunded."""
    from core.models import AuditEvent
    from demo.personas import PERSONAS
    from payments.conf import SANDBOX_ALIAS
    from payments.models import Payment, SandboxTransaction
    from payments.services import set_payment_state, start_payment

    from .browser import totp_code

    due = journey["due"]
    owner = due.contract.links.get().user
    payment = start_payment(user=owner, bill=due)
    set_payment_state(payment=payment, state=Payment.State.CONFIRMED, reference="A1B2C3")

    login(page, "diana", PERSONAS["diana"]["password"], otp=lambda: totp_code(diana_device))
    page.goto(reverse("payments:staff_detail", args=[payment.uid]))
    refund = page.get_by_role("region", name="Rimborsa", exact=True)
    expect(refund).to_contain_text("258,00")
    axe_check(page)
    refund.get_by_label("Motivo del rimborso").fill("Bolletta pagata due volte")
    refund.get_by_role("button", name="Rimborsa", exact=True).click()
    expect(page.locator("main")).to_contain_text("Conferma il rimborso")
    expect(page.get_by_label("Motivo del rimborso")).to_have_value("Bolletta pagata due volte")
    axe_check(page)
    page.get_by_label(re.compile("^Confermo il rimborso")).check()
    page.get_by_role("button", name="Rimborsa", exact=True).click()
    expect(page.locator("main")).to_contain_text(
        "ha rifiutato il rimborso: Transazione non presente (codice 20)"
    )
    axe_check(page)
    payment.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED

    # The gateway approved it (as when the customer pays on the sandbox's page).
    SandboxTransaction.objects.create(
        code=payment.code, alias=SANDBOX_ALIAS, amount_cents=25800, esito="OK"
    )
    refund = page.get_by_role("region", name="Rimborsa", exact=True)
    refund.get_by_label("Motivo del rimborso").fill("Bolletta pagata due volte")
    refund.get_by_label(re.compile("^Confermo il rimborso")).check()
    refund.get_by_role("button", name="Rimborsa", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Rimborso eseguito dal gestore")
    expect(page.locator("main")).to_contain_text("rimborsato")
    expect(page.get_by_role("button", name="Rimborsa", exact=True)).to_have_count(0)
    axe_check(page)
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED and payment.refund_operation
    assert AuditEvent.objects.filter(action="payments.refund_failed").count() == 1
    assert AuditEvent.objects.filter(action="payments.refunded").exists()
