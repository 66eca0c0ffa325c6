"""Browser journeys over the contracts (issue 4): the guide's "Aggancio servizi" and "I miei
servizi" (link a domestic contract with the codice fiscale, a non-domestic one with the
partita IVA, fail once with a wrong code, open one, unlink one, a terminated one listed as
cessato), a customer with 60 contracts (pages, search, filter), and the back-office (find a
contract, remove a web user's link with a reason, upload a feed zip and read its report).

Each runs at desktop and phone size; every page visited, including those showing errors, is
screenshotted into e2e/artifacts/ and checked with axe-core (WCAG 2.1 A/AA).
"""

import io
import re
import zipfile
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.identifiers import mask_codice_fiscale
from demo.personas import PERSONAS

from .browser import HTTP_ERROR_LINE, console_of, totp_code

pytestmark = pytest.mark.e2e

CUSTOMER_PASSWORD = "Password-di-prova-2026"  # accounts.tests.factories.UserFactory's
CHARLIE_PASSWORD = PERSONAS["charlie"]["password"]  # public demo data
DIANA_PASSWORD = PERSONAS["diana"]["password"]

GENERIC_LINK_ERROR = (
    "I dati inseriti non corrispondono a un servizio. Controlla Codice cliente, Codice "
    "servizio e Codice fiscale o Partita IVA sulla bolletta e riprova."
)
# (the "/" escaped: Playwright writes the pattern into a selector between slashes)
DECLARATION = re.compile(
    r"^Sono consapevole delle sanzioni penali stabilite dal d\.p\.r\. 445\/2000"
)
# A form sent back with errors is answered 400 on some pages; Chromium logs that.
BAD_REQUEST_LINE = r"^Failed to load resource: the server responded with a status of 400 "


# --- small helpers ---------------------------------------------------------------------------
def h1(page):
    return page.get_by_role("heading", level=1)


def field(page, label):
    """The control labelled exactly `label` (a required field's label ends with " *")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def field_group(page, control):
    """The .sp-field block that holds a control, its label, its error and its help."""
    return page.locator(".sp-field").filter(has=control)


def status(page):
    return page.get_by_role("status")


def holder_block(page, name):
    """A holder's section in "I miei servizi" (labelled by its heading, the holder's name)."""
    return page.get_by_role("region", name=name, exact=True)


def service_rows(page):
    return page.locator("table.sp-services tbody tr")


def contract_row(page, contract):
    return service_rows(page).filter(has_text=contract.service_code)


def open_services(page):
    """ "I miei servizi" from the personal area's navigation."""
    nav = page.get_by_role("navigation", name="Area personale")
    nav.get_by_role("link", name="I miei servizi", exact=True).click()
    expect(h1(page)).to_have_text("I miei servizi")
    expect(nav.get_by_role("link", name="I miei servizi")).to_have_attribute("aria-current", "page")


def fill_link_form(page, *, customer_code, service_code, codice_fiscale="", partita_iva=""):
    field(page, "Codice cliente").fill(customer_code)
    field(page, "Codice servizio").fill(service_code)
    field(page, "Codice fiscale").fill(codice_fiscale)
    field(page, "Partita IVA").fill(partita_iva)
    page.get_by_role("checkbox", name=DECLARATION).check()


def validate_and_insert(page):
    page.get_by_role("button", name="Valida e inserisci", exact=True).click()
    page.wait_for_load_state()


class Soft:
    """Checks that record their failure and let the journey go on, so one run reports every
    problem it meets; `assert_all()` at the end of the test fails on any of them."""

    def __init__(self):
        self.failures = []

    def expect(self, what, check):
        try:
            check()
        except AssertionError as exc:
            self.failures.append(f"{what}: {str(exc).splitlines()[0]}")

    def assert_all(self):
        assert not self.failures, "failed checks:\n" + "\n".join(f"  - {f}" for f in self.failures)


# --- fixtures --------------------------------------------------------------------------------
@pytest.fixture
def customer(transactional_db):
    """A web user who confirmed the address and chose CUSTOMER_PASSWORD."""
    from accounts.tests.factories import UserFactory

    return UserFactory(
        username="lucia.bianchi",
        email="lucia.bianchi@example.com",
        first_name="Lucia",
        last_name="Bianchi",
        email_confirmed_at=timezone.now(),
    )


@pytest.fixture
def bills(transactional_db):
    """What the customer finds on her bills: a person with a domestic water contract and a
    terminated waste contract, and a company with a non-domestic contract."""
    from customers.models import Contract
    from customers.tests.factories import CompanyFactory, ContractFactory, HolderFactory

    person = HolderFactory(
        first_name="Lucia",
        last_name="Bianchi",
        address="Via Roma 1, 35010 Villa del Conte (PD)",
    )
    company = CompanyFactory(
        company_name="Trattoria Al Ponte S.r.l.",
        address="Borgo Treviso 12, 35013 Cittadella (PD)",
    )
    water = ContractFactory(
        holder=person,
        service=Contract.Service.WATER,
        use=Contract.Use.DOMESTIC,
        supply_address="Via Roma 1",
        municipality="Villa del Conte",
        tariff="Concessioni Domestiche Residenti",
        start_date=date(2012, 4, 1),
    )
    waste = ContractFactory(
        holder=person,
        service=Contract.Service.WASTE,
        use=Contract.Use.DOMESTIC,
        supply_address="Via Cavour 14",
        municipality="Cittadella",
        status=Contract.Status.TERMINATED,
        tariff="Tariffa rifiuti domestica - 3 componenti",
        start_date=date(2005, 9, 15),
        end_date=date(2019, 6, 30),
    )
    business = ContractFactory(
        holder=company,
        service=Contract.Service.WATER,
        use=Contract.Use.NON_DOMESTIC,
        supply_address="Borgo Treviso 12",
        municipality="Cittadella",
        tariff="Uso Commerciale e Artigianale",
        direct_debit=True,
        start_date=date(2015, 1, 1),
    )
    return {
        "person": person,
        "company": company,
        "water": water,
        "waste": waste,
        "business": business,
    }


# --- 1. Aggancio servizi and I miei servizi -------------------------------------------------
def test_customer_links_opens_and_unlinks_contracts(page, axe_check, login, customer, bills):
    from customers.models import ContractLink

    person, company = bills["person"], bills["company"]
    water, waste, business = bills["water"], bills["waste"], bills["business"]
    soft = Soft()

    login(page, "lucia.bianchi", CUSTOMER_PASSWORD, check=axe_check)
    expect(page.locator("header").get_by_role("button", name="Esci")).to_be_visible()
    axe_check(page)

    # Empty "I miei servizi".
    open_services(page)
    expect(page.locator("main")).to_contain_text("Non hai ancora collegato nessun servizio")
    expect(service_rows(page)).to_have_count(0)
    axe_check(page)

    # "Aggancio servizi": the form, the help and the sample bill.
    page.locator("main").get_by_role("link", name="Aggancio servizi", exact=True).click()
    expect(h1(page)).to_have_text("Aggancio servizi")
    for label in ("Codice cliente", "Codice servizio", "Codice fiscale", "Partita IVA"):
        expect(field(page, label)).to_be_visible()
    declaration = page.get_by_role("checkbox", name=DECLARATION)
    expect(declaration).not_to_be_checked()
    expect(page.locator("main")).to_contain_text(
        "di essere il titolare del servizio in oggetto o di essere autorizzato dal titolare "
        "alla sua gestione."
    )
    help_box = page.get_by_role("complementary", name="Aiuto: dove trovo i codici?")
    expect(help_box).to_contain_text("Troverai Codice cliente e Codice servizio nell'intestazione")
    expect(help_box).to_contain_text(
        "Nel caso di UTENZA DOMESTICA sono richiesti: il Codice cliente, il Codice servizio e "
        "il Codice fiscale."
    )
    expect(help_box).to_contain_text("(lasciare vuoto il campo Codice fiscale)")
    bill = help_box.get_by_role("img", name=re.compile("Esempio di intestazione della bolletta"))
    expect(bill).to_be_visible()
    assert bill.evaluate("img => img.complete && img.naturalWidth > 0"), "the bill did not load"
    # On a phone the help and the sample come before the button, and the sample is its own
    # narrow drawing, shown at least as wide as its text was drawn (legible).
    button = page.get_by_role("button", name="Valida e inserisci")
    help_bottom = help_box.bounding_box()["y"] + help_box.bounding_box()["height"]
    if page.viewport_size["width"] < 576:
        assert help_bottom <= button.bounding_box()["y"], "the help must precede the button"
    # The narrow drawing (large text) on a phone and in the desktop's side column.
    assert "bolletta-esempio-mobile.svg" in bill.evaluate("img => img.currentSrc")
    assert bill.bounding_box()["width"] >= 300
    axe_check(page)

    # A wrong Codice servizio: one generic message, the values kept, the declaration again.
    wrong_code = "9" + water.service_code[1:]
    fill_link_form(
        page,
        customer_code=person.customer_code,
        service_code=wrong_code,
        codice_fiscale=person.codice_fiscale,
    )
    validate_and_insert(page)
    expect(h1(page)).to_have_text("Aggancio servizi")
    expect(page.get_by_role("alert")).to_have_text(GENERIC_LINK_ERROR)
    expect(field(page, "Codice cliente")).to_have_value(person.customer_code)
    expect(field(page, "Codice servizio")).to_have_value(wrong_code)
    expect(field(page, "Codice fiscale")).to_have_value(person.codice_fiscale)
    soft.expect(
        "after a failed attempt the DPR 445/2000 declaration must be ticked again",
        lambda: expect(declaration).not_to_be_checked(timeout=1_000),
    )
    axe_check(page)
    assert not ContractLink.objects.filter(user=customer).exists()

    # The domestic water contract: Codice cliente, Codice servizio, Codice fiscale.
    fill_link_form(
        page,
        customer_code=person.customer_code,
        service_code=water.service_code,
        codice_fiscale=person.codice_fiscale.lower(),  # as typed from a bill, any case
    )
    validate_and_insert(page)
    expect(h1(page)).to_have_text("I miei servizi")
    expect(status(page)).to_contain_text(
        f"Il servizio {water.service_code} è stato collegato al tuo profilo."
    )
    person_block = holder_block(page, "Lucia Bianchi")
    expect(person_block).to_be_visible()
    expect(person_block).to_contain_text("Nome e cognome")
    # The codice fiscale masked, as everywhere a customer sees it (core.identifiers).
    expect(person_block).to_contain_text(mask_codice_fiscale(person.codice_fiscale))
    expect(person_block).not_to_contain_text(person.codice_fiscale)
    expect(person_block).to_contain_text("Cod. Cliente")
    expect(person_block).to_contain_text(person.customer_code)
    expect(person_block).to_contain_text("Via Roma 1, 35010 Villa del Conte (PD)")
    row = contract_row(page, water)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("ACQUA")
    expect(row).to_contain_text("UTENZA Domestica")
    expect(row).to_contain_text("VIA ROMA 1 - VILLA DEL CONTE")
    expect(row.locator(".sp-status")).to_have_text("Attivo")
    expect(row.get_by_role("link", name=re.compile(r"^Apri\b"))).to_be_visible()
    expect(service_rows(page)).to_have_count(1)
    axe_check(page)

    # The non-domestic contract: the partita IVA, with the codice fiscale left empty.
    page.locator("main").get_by_role("link", name="Aggancio servizi", exact=True).click()
    expect(h1(page)).to_have_text("Aggancio servizi")
    fill_link_form(
        page,
        customer_code=company.customer_code,
        service_code=business.service_code,
        partita_iva=company.partita_iva,
    )
    axe_check(page)
    validate_and_insert(page)
    expect(h1(page)).to_have_text("I miei servizi")
    expect(status(page)).to_contain_text(
        f"Il servizio {business.service_code} è stato collegato al tuo profilo."
    )
    expect(page.locator("section.sp-holder")).to_have_count(2)
    company_block = holder_block(page, "Trattoria Al Ponte S.r.l.")
    expect(company_block).to_contain_text("Ragione sociale")
    expect(company_block).to_contain_text(company.partita_iva)
    expect(company_block).to_contain_text(company.customer_code)
    row = contract_row(page, business)
    expect(row).to_contain_text("ACQUA")
    expect(row).to_contain_text("UTENZA Non domestica")
    expect(row).to_contain_text("BORGO TREVISO 12 - CITTADELLA")
    expect(row.locator(".sp-status")).to_have_text("Attivo")
    expect(holder_block(page, "Lucia Bianchi").locator("tbody tr")).to_have_count(1)
    expect(company_block.locator("tbody tr")).to_have_count(1)
    axe_check(page)

    # "Apri": the contract's page with "Informazioni servizio".
    row.get_by_role("link", name=re.compile(r"^Apri\b")).click()
    expect(h1(page)).to_contain_text(business.service_code)
    expect(h1(page)).to_contain_text("ACQUA")
    info = page.get_by_role("region", name="Informazioni servizio")
    # The tariff labelled as the guide's screen labels it.
    expect(info.get_by_text("CONCESSIONI", exact=True)).to_be_visible()
    expect(info).to_contain_text("Uso Commerciale e Artigianale")
    expect(info).to_contain_text("01/01/2015")
    expect(info).to_contain_text("Domiciliazione bancaria")
    expect(info).to_contain_text("attiva")
    expect(page.locator("main")).to_contain_text("BORGO TREVISO 12 - CITTADELLA")
    axe_check(page)

    # "Scollega": back to the list, without it.
    page.get_by_role("button", name="Scollega", exact=True).click()
    expect(h1(page)).to_have_text("I miei servizi")
    expect(status(page)).to_contain_text(
        f"Il servizio {business.service_code} non è più collegato al tuo profilo."
    )
    expect(contract_row(page, business)).to_have_count(0)
    expect(holder_block(page, "Trattoria Al Ponte S.r.l.")).to_have_count(0)
    expect(contract_row(page, water)).to_have_count(1)
    axe_check(page)
    assert not ContractLink.objects.filter(user=customer, contract=business).exists()

    # A terminated contract is listed too, as cessato.
    page.locator("main").get_by_role("link", name="Aggancio servizi", exact=True).click()
    fill_link_form(
        page,
        customer_code=person.customer_code,
        service_code=waste.service_code,
        codice_fiscale=person.codice_fiscale,
    )
    validate_and_insert(page)
    expect(status(page)).to_contain_text(
        f"Il servizio {waste.service_code} è stato collegato al tuo profilo."
    )
    row = contract_row(page, waste)
    expect(row).to_contain_text("RIFIUTI")
    expect(row).to_contain_text("UTENZA Domestica")
    expect(row).to_contain_text("VIA CAVOUR 14 - CITTADELLA")
    expect(row.locator(".sp-status")).to_have_text("Cessato")
    expect(holder_block(page, "Lucia Bianchi").locator("tbody tr")).to_have_count(2)
    axe_check(page)
    row.get_by_role("link", name=re.compile(r"^Apri\b")).click()
    expect(page.locator("main")).to_contain_text("Cessato")
    info = page.get_by_role("region", name="Informazioni servizio")
    expect(info).to_contain_text("Data di cessazione")
    expect(info).to_contain_text("30/06/2019")
    axe_check(page)

    assert set(
        ContractLink.objects.filter(user=customer).values_list("contract__service_code", flat=True)
    ) == {water.service_code, waste.service_code}
    console_of(page).assert_clean()
    soft.assert_all()


# --- 2. Many contracts: pages, search, filter ------------------------------------------------
MUNICIPALITIES = ["Cittadella", "Camposampiero", "Piazzola sul Brenta", "Villa del Conte"]


@pytest.fixture
def administrator(customer):
    """The customer administers condominiums: 60 contracts of three holders linked, 40
    water and 20 waste, in four municipalities (15 each)."""
    from customers.models import Contract
    from customers.tests.factories import CompanyFactory, ContractFactory, LinkFactory

    holders = [
        CompanyFactory(company_name=f"Condominio {name}")
        for name in ("Aurora", "Belvedere", "Cedri")
    ]
    for n in range(60):
        contract = ContractFactory(
            holder=holders[n // 20],
            service=Contract.Service.WASTE if n % 3 == 2 else Contract.Service.WATER,
            use=Contract.Use.NON_DOMESTIC if n % 5 == 0 else Contract.Use.DOMESTIC,
            supply_address=f"Via Garibaldi {n + 1}",
            municipality=MUNICIPALITIES[n % 4],
            status=Contract.Status.TERMINATED if n % 10 == 9 else Contract.Status.ACTIVE,
        )
        LinkFactory(user=customer, contract=contract)
    return customer


def pager(page):
    return page.get_by_role("navigation", name="Pagine")


def test_customer_with_many_contracts_pages_searches_and_filters(
    page, axe_check, login, administrator
):
    login(page, "lucia.bianchi", CUSTOMER_PASSWORD, check=axe_check)
    open_services(page)
    expect(service_rows(page)).to_have_count(25)
    expect(pager(page)).to_contain_text("Pagina 1 di 3 (60 servizi)")
    expect(pager(page).get_by_role("link", name="Precedente")).to_have_count(0)
    expect(page.get_by_role("search", name="Filtra i servizi")).to_be_visible()
    axe_check(page)

    pager(page).get_by_role("link", name="Successiva").click()
    expect(pager(page)).to_contain_text("Pagina 2 di 3 (60 servizi)")
    expect(service_rows(page)).to_have_count(25)
    axe_check(page)
    pager(page).get_by_role("link", name="Successiva").click()
    expect(pager(page)).to_contain_text("Pagina 3 di 3 (60 servizi)")
    expect(service_rows(page)).to_have_count(10)
    expect(pager(page).get_by_role("link", name="Successiva")).to_have_count(0)
    first_on_3 = service_rows(page).first.locator("th").inner_text()
    axe_check(page)

    # Search by municipality: 15 of them, in one page.
    field(page, "Cerca").fill("piazzola")
    page.get_by_role("button", name="Filtra", exact=True).click()
    expect(field(page, "Cerca")).to_have_value("piazzola")
    expect(service_rows(page)).to_have_count(15)
    expect(pager(page)).to_have_count(0)
    for text in service_rows(page).all_inner_texts():
        assert "PIAZZOLA SUL BRENTA" in text, text
    axe_check(page)

    # The service filter on top: waste in Piazzola.
    field(page, "Servizio").select_option(label="RIFIUTI")
    page.get_by_role("button", name="Filtra", exact=True).click()
    expect(field(page, "Servizio")).to_have_value("waste")
    rows = service_rows(page)
    expect(rows.first).to_be_visible()
    texts = rows.all_inner_texts()
    assert 0 < len(texts) < 15, texts
    for text in texts:
        assert text.startswith("RIFIUTI") and "PIAZZOLA SUL BRENTA" in text, text
    axe_check(page)

    # Only the service filter: 20 waste contracts, one page; then water only, 40 in two pages
    # (the filter stays on the next page).
    field(page, "Cerca").fill("")
    page.get_by_role("button", name="Filtra", exact=True).click()
    expect(service_rows(page)).to_have_count(20)
    expect(pager(page)).to_have_count(0)
    field(page, "Servizio").select_option(label="ACQUA")
    page.get_by_role("button", name="Filtra", exact=True).click()
    expect(service_rows(page)).to_have_count(25)
    expect(pager(page)).to_contain_text("Pagina 1 di 2 (40 servizi)")
    pager(page).get_by_role("link", name="Successiva").click()
    expect(pager(page)).to_contain_text("Pagina 2 di 2 (40 servizi)")
    expect(service_rows(page)).to_have_count(15)
    expect(field(page, "Servizio")).to_have_value("water")
    for text in service_rows(page).all_inner_texts():
        assert text.startswith("ACQUA"), text
    assert first_on_3 not in service_rows(page).all_inner_texts()
    axe_check(page)

    # The status filter: the terminated ones, all "Cessato".
    field(page, "Servizio").select_option(label="Tutti")
    field(page, "Stato").select_option(label="Cessato")
    page.get_by_role("button", name="Filtra", exact=True).click()
    expect(service_rows(page)).to_have_count(6)
    expect(page.locator("table.sp-services .sp-status")).to_have_text(["Cessato"] * 6)
    axe_check(page)

    # Nothing found: a message and the way back.
    field(page, "Stato").select_option(label="Tutti")
    field(page, "Cerca").fill("Via che non esiste")
    page.get_by_role("button", name="Filtra", exact=True).click()
    expect(service_rows(page)).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Nessun servizio corrisponde ai filtri.")
    axe_check(page)
    page.get_by_role("link", name="Mostra tutti").click()
    expect(service_rows(page)).to_have_count(25)
    expect(pager(page)).to_contain_text("Pagina 1 di 3 (60 servizi)")
    axe_check(page)
    console_of(page).assert_clean()


# --- 3. Back-office --------------------------------------------------------------------------
@pytest.fixture
def charlie_device(charlie):
    """The operator charlie (core.personas) with an authenticator app set up."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=charlie, name="app", confirmed=True)


@pytest.fixture
def diana_device(diana):
    """The administrator diana (core.personas) with an authenticator app set up."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=diana, name="app", confirmed=True)


@pytest.fixture
def linked(customer, bills):
    """The customer's link to the domestic water contract, made with the bill's codes."""
    from customers.tests.factories import LinkFactory

    return LinkFactory(user=customer, contract=bills["water"], ip="192.0.2.10")


CUSTOMERS_CSV = (
    "customer_code,kind,first_name,last_name,company_name,codice_fiscale,partita_iva,email,"
    "phone,address\n"
    "900001,person,Anna,Verdi,,{cf},,anna.verdi@example.com,,"
    '"Via Dante 3, 35013 Cittadella (PD)"\n'
    "900002,person,Bruno,Neri,,NOTACODICEFISCAL,,,,\n"
    "900003,company,,,Panificio Brenta S.n.c.,,{piva},,,"
    '"Via Marconi 5, 35016 Piazzola sul Brenta (PD)"\n'
)
CONTRACTS_CSV = (
    "service_code,customer_code,service,use,supply_address,municipality,status,tariff,"
    "direct_debit,start_date,end_date\n"
    "5005005001,900001,water,domestic,Via Dante 3,Cittadella,active,"
    "Concessioni Domestiche Residenti,no,2020-01-01,\n"
    "5005005002,900003,waste,non_domestic,Via Marconi 5,Piazzola sul Brenta,active,"
    "Tariffa rifiuti non domestica,yes,2018-03-01,\n"
)


def feed_zip():
    """A small feed: customers.csv with one bad row (line 3, an invalid codice fiscale)."""
    from customers.tests.factories import valid_cf, valid_piva

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "customers.csv", CUSTOMERS_CSV.format(cf=valid_cf(901), piva=valid_piva(903))
        )
        archive.writestr("contracts.csv", CONTRACTS_CSV)
    return buffer.getvalue()


def upload(page, name, mime, content):
    page.get_by_label(re.compile(r"^Archivio zip del flusso")).set_input_files(
        {"name": name, "mimeType": mime, "buffer": content}
    )
    page.get_by_role("button", name="Carica e importa", exact=True).click()
    page.wait_for_load_state()


def test_operator_unlinks_a_web_user_and_the_administrator_uploads_a_feed(
    page,
    axe_check,
    login,
    charlie_device,
    diana_device,
    customer,
    bills,
    linked,
    settings,
    tmp_path,
):
    from core.models import AuditEvent
    from customers.models import ContractLink, Holder
    from feeds.models import ImportJob
    from feeds.services import execute_job

    settings.MEDIA_ROOT = tmp_path  # the upload is extracted under MEDIA_ROOT/feeds/
    water = bills["water"]
    main = page.locator("main")

    login(
        page,
        "charlie",
        CHARLIE_PASSWORD,
        otp=lambda: totp_code(charlie_device),
        check=axe_check,
    )
    header = page.locator("header")
    expect(header.get_by_role("button", name="Esci")).to_be_visible()
    header.get_by_role("link", name="Back-office").click()
    expect(h1(page)).to_have_text("Back-office")
    axe_check(page)

    # Find the holder by codice cliente, open the contract.
    main.get_by_role("link", name="Intestatari e utenze").click()
    expect(h1(page)).to_have_text("Intestatari e utenze")
    axe_check(page)
    page.get_by_label(re.compile(r"^Cerca intestatari e utenze")).fill(
        f" {bills['person'].customer_code} "
    )
    page.get_by_role("button", name="Cerca", exact=True).click()
    found = page.get_by_role("region", name="Lucia Bianchi")
    expect(page.locator("section.sp-holder")).to_have_count(1)
    expect(found).to_contain_text(bills["person"].customer_code)
    expect(found).to_contain_text(bills["person"].codice_fiscale)
    expect(found.get_by_role("listitem")).to_have_count(2)
    axe_check(page)
    found.get_by_role("link", name=f"ACQUA {water.service_code}").click()
    expect(h1(page)).to_have_text(f"ACQUA {water.service_code}")
    expect(main).to_contain_text("Concessioni Domestiche Residenti")
    links_table = page.get_by_role("table", name="Profili web che vedono questa utenza")
    user_row = links_table.get_by_role("row").filter(has_text="lucia.bianchi")
    expect(user_row).to_have_count(1)
    expect(user_row).to_contain_text("Lucia Bianchi")
    expect(user_row).to_contain_text(timezone.localtime(linked.created_at).strftime("%d/%m/%Y"))
    expect(user_row).to_contain_text("versione 2026-11, 192.0.2.10")
    axe_check(page)

    # Remove the link: first without a reason.
    user_row.get_by_role("button", name="Rimuovi il collegamento di lucia.bianchi").click()
    reason = field(page, "Motivo (lucia.bianchi)")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(field_group(page, reason)).to_contain_text(
        "Scrivi il motivo: resta nel registro di audit."
    )
    expect(links_table.get_by_role("row").filter(has_text="lucia.bianchi")).to_have_count(1)
    axe_check(page)
    assert ContractLink.objects.filter(pk=linked.pk).exists()
    field(page, "Motivo (lucia.bianchi)").fill("Richiesta dell'intestataria al numero verde")
    page.get_by_role("button", name="Rimuovi il collegamento di lucia.bianchi").click()
    expect(status(page)).to_contain_text("Collegamento rimosso.")
    expect(main).to_contain_text("Nessun profilo web è collegato a questa utenza.")
    expect(page.get_by_role("table", name="Profili web che vedono questa utenza")).to_have_count(0)
    axe_check(page)
    assert not ContractLink.objects.filter(pk=linked.pk).exists()
    event = AuditEvent.objects.get(action="customers.staff_unlink")
    assert event.actor == charlie_device.user
    assert event.detail["reason"] == "Richiesta dell'intestataria al numero verde"

    # Feeds are for administrators: the operator sees no such section, and its URL is a 404.
    header.get_by_role("link", name="Back-office").click()
    expect(main.get_by_role("link", name="Flussi del sistema di fatturazione")).to_have_count(0)
    assert page.goto("/backoffice/flussi/").status == 404
    header.get_by_role("button", name="Esci").click()
    expect(header.get_by_role("link", name="Accedi", exact=True)).to_be_visible()

    # The billing-system feed: the administrator uploads a zip.
    login(page, "diana", DIANA_PASSWORD, otp=lambda: totp_code(diana_device), check=axe_check)
    header.get_by_role("link", name="Back-office").click()
    main.get_by_role("link", name="Flussi del sistema di fatturazione").click()
    expect(h1(page)).to_have_text("Flussi del sistema di fatturazione")
    expect(main).to_contain_text("Nessuna importazione.")
    axe_check(page)
    upload(page, "flusso.zip", "application/zip", feed_zip())
    expect(h1(page)).to_contain_text("Importazione del")
    expect(status(page).first).to_contain_text("Flusso caricato: l'importazione è in coda.")
    job_state = main.get_by_role("heading", name=re.compile(r"^Stato:"))
    expect(job_state).to_contain_text("in coda")
    expect(main).to_contain_text("La pagina si aggiorna da sola")
    expect(main.get_by_role("link", name="Aggiorna lo stato")).to_have_count(0)  # JS: no link
    axe_check(page)
    job_uid = re.search(r"/flussi/([0-9a-f-]{36})/$", page.url).group(1)
    assert ImportJob.objects.get(uid=job_uid).state == ImportJob.State.PENDING

    # What the worker does; the page notices by itself (static/js/feed-job.js), then the report.
    job = execute_job(job_uid=job_uid)
    assert job is not None and job.state == ImportJob.State.DONE, job and job.message
    expect(job_state).to_contain_text("completato", timeout=10_000)
    expect(main).not_to_contain_text("La pagina si aggiorna da sola")
    if getattr(job, "rows_total", None) is not None:
        expect(main).to_contain_text(f"Righe lette {job.rows_done} di {job.rows_total}")
        expect(main.locator("progress")).to_have_attribute("value", str(job.rows_done))
    summary = page.get_by_role("table", name="Riepilogo per file")
    expect(summary.get_by_role("row").filter(has_text="customers.csv").locator("td")).to_have_text(
        ["2", "0", "0", "1"]
    )
    expect(summary.get_by_role("row").filter(has_text="contracts.csv").locator("td")).to_have_text(
        ["2", "0", "0", "0"]
    )
    report = page.locator(".sp-report li")
    expect(report).to_have_count(1)
    expect(report).to_contain_text("customers.csv:3")
    expect(report).to_contain_text("codice_fiscale")
    axe_check(page)
    assert Holder.objects.filter(customer_code__in=["900001", "900003"]).count() == 2
    assert not Holder.objects.filter(customer_code="900002").exists()

    # The jobs list shows it; a file that is not a zip is refused next to the field.
    main.get_by_role("link", name="Flussi del sistema di fatturazione").click()
    jobs = page.get_by_role("table", name="Importazioni, dalla più recente")
    expect(jobs.locator("tbody tr")).to_have_count(1)
    expect(jobs.locator("tbody tr")).to_contain_text("Completato")
    expect(jobs.locator("tbody tr")).to_contain_text("diana")
    axe_check(page)
    archive = page.get_by_label(re.compile(r"^Archivio zip del flusso"))
    upload(page, "customers.csv", "text/csv", CUSTOMERS_CSV.encode())
    expect(h1(page)).to_have_text("Flussi del sistema di fatturazione")
    expect(archive).to_have_attribute("aria-invalid", "true")
    expect(field_group(page, archive)).to_contain_text("Il file deve essere un archivio .zip.")
    axe_check(page)
    # Named .zip, but not one.
    upload(page, "flusso.zip", "application/zip", b"customer_code,kind\n")
    expect(field_group(page, archive)).to_contain_text("Il file caricato non è un file zip valido.")
    axe_check(page)
    assert ImportJob.objects.count() == 1
    console_of(page).assert_clean(allow=[BAD_REQUEST_LINE, HTTP_ERROR_LINE])
