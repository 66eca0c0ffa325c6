"""Browser journeys of "Le mie pratiche" (issue 12): a change of address (a draft first, an
error next to a field, then sent with its receipt); a voltura with an attachment that the
operator sends back for one more document, then accepts; a direct debit with a wrong IBAN,
then a right one; bills by e-mail switched on from the contract's page.

Each runs at desktop and phone size; every page visited, including those with errors, is
screenshotted into e2e/artifacts/ and checked with axe-core (WCAG 2.1 A/AA).
"""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .browser import console_of, totp_code

pytestmark = pytest.mark.e2e

PASSWORD = "Password-di-prova-2026"  # accounts.tests.factories.UserFactory's
CF_LUCIA = "BNCLCU80A41G224W"
DECLARATION = re.compile(r"^Dichiaro, ai sensi degli articoli 46 e 47 del d\.p\.r\. 445\/2000")
BAD_REQUEST_LINE = r"^Failed to load resource: the server responded with a status of 400 "


def h1(page):
    return page.get_by_role("heading", level=1)


def field(page, label):
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def field_group(page, control):
    return page.locator(".sp-field").filter(has=control)


def open_pratiche(page):
    nav = page.get_by_role("navigation", name="Area personale")
    nav.get_by_role("link", name="Le mie pratiche", exact=True).click()
    expect(h1(page)).to_have_text("Le mie pratiche")


@pytest.fixture
def customer(transactional_db):
    from accounts.tests.factories import UserFactory

    return UserFactory(
        username="lucia.bianchi",
        email="lucia.bianchi@example.com",
        first_name="Lucia",
        last_name="Bianchi",
        codice_fiscale=CF_LUCIA,
        email_confirmed_at=timezone.now(),
    )


@pytest.fixture
def link(customer):
    from customers.tests.factories import ContractFactory, HolderFactory, LinkFactory

    holder = HolderFactory(
        first_name="Lucia", last_name="Bianchi", codice_fiscale=CF_LUCIA,
        address="Via Roma 1, 35010 Villa del Conte (PD)",
    )  # fmt: skip
    contract = ContractFactory(holder=holder, start_date=date(2012, 4, 1))
    return LinkFactory(user=customer, contract=contract)


@pytest.fixture
def operator(transactional_db):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.staff import ROLE_PRATICHE
    from accounts.tests.factories import staff_member

    user = staff_member(
        ROLE_PRATICHE, username="paola.neri", first_name="Paola", last_name="Neri",
        password=PASSWORD,
    )  # fmt: skip
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user, device


@pytest.fixture
def files(tmp_path):
    from PIL import Image

    pdf = tmp_path / "carta-identita.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    consent = tmp_path / "consenso.pdf"
    consent.write_bytes(b"%PDF-1.4\n% consenso firmato\n%%EOF\n")
    act = tmp_path / "atto-successione.png"
    Image.new("RGB", (60, 40), "white").save(act, format="PNG")
    return {"id": pdf, "consent": consent, "act": act}


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


# --- 1. A change of address -----------------------------------------------------------------
def test_change_of_address(page, axe_check, login, customer, link):
    from pratiche.models import Pratica

    login(page, "lucia.bianchi", PASSWORD, check=axe_check)
    open_pratiche(page)
    expect(page.locator("main")).to_contain_text("Non hai ancora pratiche.")
    axe_check(page)

    page.locator("main").get_by_role("link", name="Nuova pratica").click()
    expect(h1(page)).to_have_text("Nuova pratica")
    axe_check(page)
    page.get_by_role("link", name="Variazione dati anagrafici e indirizzo di recapito").click()
    expect(h1(page)).to_have_text("Variazione dati anagrafici e indirizzo di recapito")
    # Filled in from the profile and the contract.
    expect(field(page, "Cognome")).to_have_value("Bianchi")
    expect(field(page, "Indirizzo e-mail")).to_have_value("lucia.bianchi@example.com")
    expect(field(page, "Servizio")).to_have_value(str(link.uid))
    expect(page.get_by_label("Indirizzo di recapito delle bollette")).to_be_checked()
    axe_check(page)

    # A draft, with the street only.
    field(page, "Nuovo recapito: via e numero civico").fill("Via Garibaldi 7")
    page.get_by_role("button", name="Salva bozza").click()
    expect(page.get_by_role("status")).to_contain_text("Bozza salvata")
    expect(field(page, "Nuovo recapito: via e numero civico")).to_have_value("Via Garibaldi 7")
    axe_check(page)

    # Sent without the CAP: the message next to the field, the rest kept.
    field(page, "Nuovo recapito: comune e provincia").fill("Cittadella (PD)")
    field(page, "Nuovo recapito: CAP").fill("350")
    page.get_by_role("checkbox", name=DECLARATION).check()
    page.get_by_role("button", name="Invia la pratica").click()
    cap = field(page, "Nuovo recapito: CAP")
    expect(field_group(page, cap)).to_contain_text("Il CAP ha 5 cifre.")
    expect(cap).to_have_value("350")
    expect(field(page, "Nuovo recapito: comune e provincia")).to_have_value("Cittadella (PD)")
    axe_check(page)

    cap.fill("35013")
    page.get_by_role("checkbox", name=DECLARATION).check()
    page.get_by_role("button", name="Invia la pratica").click()
    pratica = Pratica.objects.get()
    expect(h1(page)).to_have_text("Variazione dati anagrafici e indirizzo di recapito")
    expect(page.get_by_role("status")).to_contain_text(pratica.protocol)
    expect(page.locator("main")).to_contain_text("Inviata")
    expect(page.locator("main")).to_contain_text("Via Garibaldi 7")
    expect(page.locator("main")).to_contain_text("Da eseguire entro il")
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Scarica la ricevuta (PDF)").click()
    assert download.value.suggested_filename == f"ricevuta-{pratica.protocol}.pdf"

    open_pratiche(page)
    expect(page.locator("main table")).to_contain_text(pratica.protocol)
    axe_check(page)
    console_of(page).assert_clean(allow=[BAD_REQUEST_LINE])


# --- 2. A voltura sent back for one more document, then accepted ---------------------------
def test_voltura_integration_and_acceptance(
    page, open_page, viewport, axe_check, login, customer, link, operator, files
):
    from pratiche.models import Pratica

    staff, device = operator
    login(page, "lucia.bianchi", PASSWORD)
    page.goto("/pratiche/nuova/")
    page.get_by_role("link", name="Voltura", exact=True).click()
    expect(h1(page)).to_have_text("Voltura")
    axe_check(page)
    field(page, "Codice servizio della fornitura").fill("2002000999")
    field(page, "Intestatario uscente").fill("Mario Rossi")
    field(page, "Codice fiscale dell'intestatario uscente").fill("RSSMRA85T10A562S")
    field(page, "Motivo della voltura").select_option("successione")
    field(page, "Lettura del contatore alla data della voltura (m³)").fill("1234")
    field(page, "Data della lettura").fill(date.today().isoformat())
    field(page, "Titolo sull'immobile").select_option("proprietario")
    field(page, "Documento d'identità").set_input_files(files["id"])
    page.get_by_label(re.compile("^Consenso firmato dall'intestatario uscente")).set_input_files(
        files["consent"]
    )
    page.get_by_role("checkbox", name=DECLARATION).check()
    page.get_by_role("button", name="Invia la pratica").click()
    pratica = Pratica.objects.get()
    expect(page.get_by_role("status")).to_contain_text(pratica.protocol)
    expect(page.locator("main")).to_contain_text("carta-identita.pdf")
    axe_check(page)

    # The operator, in the back-office.
    bo = open_page(viewport)
    login(bo, "paola.neri", PASSWORD, otp=lambda: totp_code(device))
    bo.locator("header").get_by_role("link", name="Back-office").click()
    bo.get_by_role("navigation", name="Menu del back-office").get_by_role(
        "link", name="Pratiche"
    ).click()
    expect(h1(bo)).to_have_text("Pratiche")
    axe_check(bo)
    bo.get_by_role("link", name=pratica.protocol).click()
    expect(bo.locator("main")).to_contain_text("Mario Rossi")
    axe_check(bo)
    bo.get_by_role("link", name="Documento d'identità").click()
    expect(h1(bo)).to_have_text("Documento d'identità")
    axe_check(bo)
    bo.get_by_role("link", name=f"Torna alla pratica {pratica.protocol}").click()
    bo.get_by_role("button", name="Prendi in carico").click()
    expect(bo.get_by_role("status")).to_contain_text("In lavorazione")

    # Documents asked for: first without saying which (refused), then with the note.
    ask = bo.locator("form.sp-action").filter(has_text="Chiedi documenti")
    ask.get_by_role("button", name="Chiedi documenti").click()
    expect(bo.locator("main")).to_contain_text("Scrivi la motivazione: il cliente la legge.")
    axe_check(bo)
    ask = bo.locator("form.sp-action").filter(has_text="Chiedi documenti")
    ask.get_by_label(re.compile("^Messaggio per il cliente")).fill(
        "Serve anche la dichiarazione di successione."
    )
    ask.get_by_role("button", name="Chiedi documenti").click()
    expect(bo.get_by_role("status")).to_contain_text("Richiesta integrazione")

    # The customer uploads it from the pratica.
    page.reload()
    expect(page.locator("main")).to_contain_text("Serve anche la dichiarazione di successione.")
    axe_check(page)
    field(page, "Documento richiesto").set_input_files(files["act"])
    page.get_by_role("button", name="Invia i documenti").click()
    expect(page.get_by_role("status")).to_contain_text("Documenti inviati")
    expect(page.locator("main")).to_contain_text("Integrata")
    axe_check(page)

    # Back in the queue; the operator sees it and accepts.
    bo.reload()
    expect(bo.locator("main")).to_contain_text("Integrata")
    bo.get_by_role("link", name="Documento integrativo").click()
    expect(bo.get_by_role("img", name="Documento integrativo")).to_be_visible()
    axe_check(bo)
    bo.get_by_role("link", name=f"Torna alla pratica {pratica.protocol}").click()
    bo.get_by_role("button", name="Accogli").click()
    expect(bo.get_by_role("status")).to_contain_text("Accolta")
    axe_check(bo)

    page.reload()
    expect(page.locator("main")).to_contain_text("Accolta")
    pratica.refresh_from_db()
    assert pratica.state == "accepted"
    assert pratica.attachments.count() == 3


# --- 3. A direct debit: a wrong IBAN, then a right one --------------------------------------
def test_direct_debit_wrong_then_right_iban(page, axe_check, login, customer, link):
    from pratiche.models import Mandate

    login(page, "lucia.bianchi", PASSWORD)
    page.goto(f"/servizi/{link.uid}/")
    page.get_by_role("link", name="Attiva la domiciliazione bancaria").click()
    expect(h1(page)).to_have_text("Domiciliazione bancaria (addebito diretto SEPA)")
    expect(field(page, "Intestatario del conto")).to_have_value("Lucia Bianchi")
    expect(page.locator("#mandate-text")).to_contain_text("8 settimane")
    axe_check(page)

    iban = field(page, "IBAN")
    iban.fill("IT60 X054 2811 1010 0000 0123 457")
    page.get_by_role("checkbox", name="Ho letto il testo del mandato e lo sottoscrivo.").check()
    page.get_by_role("button", name="Invia la pratica").click()
    iban = field(page, "IBAN")
    expect(field_group(page, iban)).to_contain_text(
        "L'IBAN non è valido: controlla le cifre, una è sbagliata o scambiata."
    )
    expect(iban).to_have_value("IT60 X054 2811 1010 0000 0123 457")
    expect(iban).to_have_attribute("aria-invalid", "true")
    axe_check(page)

    iban.fill("IT60 X054 2811 1010 0000 0123 456")
    page.get_by_role("checkbox", name="Ho letto il testo del mandato e lo sottoscrivo.").check()
    page.get_by_role("button", name="Invia la pratica").click()
    expect(page.get_by_role("status")).to_contain_text("Pratica inviata")
    expect(page.locator("main")).to_contain_text("IT60 X054 2811 1010 0000 0123 456")
    axe_check(page)
    mandate = Mandate.objects.get()
    assert mandate.iban == "IT60X0542811101000000123456"

    page.goto(f"/servizi/{link.uid}/")
    expect(page.locator(".sp-pratiche-section")).to_contain_text(mandate.mandate_id)
    axe_check(page)


# --- 4. Bills by e-mail ------------------------------------------------------------------------
def test_bills_by_email_on(page, axe_check, login, customer, link):
    login(page, "lucia.bianchi", PASSWORD)
    page.goto(f"/servizi/{link.uid}/")
    page.get_by_role(
        "link", name="Modifica le Impostazioni invio documenti e autorizzazioni"
    ).click()
    expect(h1(page)).to_have_text("Impostazioni invio documenti e autorizzazioni")
    axe_check(page)
    block = page.locator(f"#servizio-{link.uid}")
    block.get_by_label("Bolletta via e-mail").check()
    block.get_by_label("L'indirizzo del profilo: lucia.bianchi@example.com").check()
    block.get_by_role("button", name=re.compile("^Salva")).click()
    block = page.locator(f"#servizio-{link.uid}")
    expect(block).to_contain_text("Per ricevere le bollette via e-mail serve il consenso.")
    axe_check(page)
    block.get_by_label(re.compile("^Ho letto l'informativa privacy")).check()
    block.get_by_role("button", name=re.compile("^Salva")).click()
    expect(page.get_by_role("status")).to_contain_text("Bolletta via e-mail attiva")
    expect(page.locator(f"#servizio-{link.uid}")).to_contain_text(
        "bolletta via e-mail a lucia.bianchi@example.com"
    )
    axe_check(page)
    page.goto(f"/servizi/{link.uid}/")
    expect(page.locator(".sp-pratiche-section")).to_contain_text(
        "via e-mail a lucia.bianchi@example.com"
    )


def test_bills_to_another_address_confirmed_by_its_link(
    page, open_page, viewport, axe_check, login, customer, link
):
    from core.models import OutboxMessage

    login(page, "lucia.bianchi", PASSWORD)
    page.goto("/pratiche/invio-documenti/")
    block = page.locator(f"#servizio-{link.uid}")
    block.get_by_label("Bolletta via e-mail").check()
    block.get_by_label("Un altro indirizzo").check()
    block.get_by_label(re.compile("^Altro indirizzo e-mail")).fill("studio.verdi@example.com")
    block.get_by_label(re.compile("^Ho letto l'informativa privacy")).check()
    block.get_by_role("button", name=re.compile("^Salva")).click()
    expect(page.get_by_role("status")).to_contain_text("Ti abbiamo mandato un link")
    expect(page.locator(f"#servizio-{link.uid}")).to_contain_text("In attesa di conferma")
    axe_check(page)

    body = OutboxMessage.objects.get(kind="delivery_confirm").body_text
    path = re.search(r"https?://[^/\s]+(/pratiche/invio-documenti/conferma/\S+/)", body).group(1)
    other = open_page(viewport)  # the accountant's browser, not logged in
    other.goto(path)
    expect(h1(other)).to_have_text("Conferma l'indirizzo per le bollette")
    axe_check(other)
    other.get_by_role("button", name="Confermo").click()
    expect(other.locator("main")).to_contain_text("arriveranno a studio.verdi@example.com")
    axe_check(other)

    page.reload()
    expect(page.locator(f"#servizio-{link.uid}")).to_contain_text(
        "bolletta via e-mail a studio.verdi@example.com"
    )
