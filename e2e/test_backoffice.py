"""Browser journeys in the back-office: an operator with two-step verification finds a
customer by codice fiscale, opens the profile, blocks it with a reason and unblocks it; an
administrator creates a staff member and gives them a role.

At desktop and phone size; every page visited, including the one with the form's error, is
screenshotted into e2e/artifacts/ and checked with axe-core (WCAG 2.1 A/AA).
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from stdnum.it import codicefiscale

from demo.personas import PERSONAS

from .browser import console_of, totp_code

pytestmark = pytest.mark.e2e

CHARLIE_PASSWORD = PERSONAS["charlie"]["password"]  # public demo data
DIANA_PASSWORD = PERSONAS["diana"]["password"]
CF_LUCIA = "BNCLCU80A41G224" + codicefiscale.calc_check_digit("BNCLCU80A41G224")


@pytest.fixture
def charlie_device(charlie):
    """The operator charlie (core.personas) with an authenticator app set up."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=charlie, name="app", confirmed=True)


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


def h1(page):
    return page.get_by_role("heading", level=1)


def reason_field(page):
    return page.get_by_label(re.compile(r"^Motivo( \*)?$"))


def test_operator_finds_blocks_and_unblocks_a_customer(
    page, axe_check, login, charlie_device, customer
):
    from core.models import AuditEvent

    login(
        page,
        "charlie",
        CHARLIE_PASSWORD,
        otp=lambda: totp_code(charlie_device),
        check=axe_check,
    )
    header = page.locator("header")
    expect(header.get_by_role("button", name="Esci")).to_be_visible()
    axe_check(page)

    header.get_by_role("link", name="Back-office").click()
    expect(h1(page)).to_have_text("Back-office")
    axe_check(page)
    page.locator("main").get_by_role("link", name="Profili web").click()
    expect(h1(page)).to_have_text("Profili web")
    axe_check(page)

    # As read from a document: lower case, spaced.
    typed = " ".join(CF_LUCIA[i : i + 4] for i in range(0, 16, 4)).lower()
    page.get_by_label(re.compile(r"^Cerca un profilo web")).fill(typed)
    page.get_by_role("button", name="Cerca", exact=True).click()
    results = page.get_by_role("table", name=re.compile("profilo trovato"))
    expect(results).to_contain_text("1 profilo trovato")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("lucia.bianchi@example.com")
    expect(results).to_contain_text("attivo")
    axe_check(page)

    results.get_by_role("link", name="lucia.bianchi").click()
    expect(h1(page)).to_contain_text("Lucia Bianchi")
    main = page.locator("main")
    expect(main).to_contain_text(CF_LUCIA)
    expect(main).to_contain_text("Stato: attivo")
    expect(page.get_by_role("heading", name="Blocca il profilo")).to_be_visible()
    axe_check(page)

    # Block, first without a reason.
    page.get_by_role("button", name="Blocca", exact=True).click()
    reason = reason_field(page)
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".sp-field").filter(has=reason)).to_contain_text(
        "Scrivi il motivo: resta nel registro di audit."
    )
    expect(main).to_contain_text("Stato: attivo")
    axe_check(page)
    reason_field(page).fill("Segnalazione di accesso sospetto al numero verde")
    page.get_by_role("button", name="Blocca", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Profilo bloccato.")
    expect(main).to_contain_text("Stato: bloccato")
    expect(main).to_contain_text("Segnalazione di accesso sospetto al numero verde")
    expect(page.get_by_role("heading", name="Sblocca il profilo")).to_be_visible()
    axe_check(page)
    customer.refresh_from_db()
    assert not customer.is_active

    # Unblock.
    reason_field(page).fill("Verificata l'identità al telefono")
    page.get_by_role("button", name="Sblocca", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Profilo sbloccato.")
    expect(main).to_contain_text("Stato: attivo")
    expect(page.get_by_role("heading", name="Blocca il profilo")).to_be_visible()
    axe_check(page)
    customer.refresh_from_db()
    assert customer.is_active

    actions = list(
        AuditEvent.objects.filter(actor=charlie_device.user).values_list("action", flat=True)
    )
    for action in ("backoffice.search_users", "backoffice.view_user"):
        assert action in actions
    assert actions.count("accounts.block") == 1
    assert actions.count("accounts.unblock") == 1
    # The form sent back without a reason is answered 400, which Chromium logs.
    console_of(page).assert_clean(allow=[r"the server responded with a status of 400 "])


@pytest.fixture
def diana_device(diana):
    """The administrator diana (core.personas) with an authenticator app set up."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=diana, name="app", confirmed=True)


def field(page, label):
    return page.get_by_label(re.compile(rf"^{label}( \*)?$"))


def test_administrator_creates_a_staff_member_and_gives_a_role(
    page, axe_check, login, diana_device
):
    from django.contrib.auth import get_user_model

    from core.models import AuditEvent, OutboxMessage

    login(page, "diana", DIANA_PASSWORD, otp=lambda: totp_code(diana_device), check=axe_check)
    page.locator("header").get_by_role("link", name="Back-office").click()
    expect(h1(page)).to_have_text("Back-office")
    axe_check(page)
    page.locator("main").get_by_role("link", name="Personale e ruoli").click()
    expect(h1(page)).to_have_text("Personale e ruoli")
    expect(page.get_by_role("table")).to_contain_text("diana")
    axe_check(page)

    page.get_by_role("link", name="Nuovo membro del personale").click()
    expect(h1(page)).to_have_text("Nuovo membro del personale")
    axe_check(page)
    field(page, "Nome utente").fill("giulia.neri")
    field(page, "Nome").fill("Giulia")
    field(page, "Cognome").fill("Neri")
    field(page, "Indirizzo e-mail").fill("giulia.neri@example.com")
    page.get_by_role("checkbox", name="Operatore pratiche").check()
    page.get_by_role("button", name="Crea e invia il link").click()
    expect(page.get_by_role("status")).to_contain_text(
        "giulia.neri@example.com riceverà il link per scegliere la password"
    )
    expect(h1(page)).to_have_text("Giulia Neri")
    main = page.locator("main")
    expect(main).to_contain_text("in attesa della password")
    expect(page.get_by_role("checkbox", name="Operatore pratiche")).to_be_checked()
    axe_check(page)

    page.get_by_role("checkbox", name="Operatore servizio clienti").check()
    page.get_by_role("button", name="Salva i ruoli").click()
    expect(page.get_by_role("status")).to_contain_text("Ruoli aggiornati.")
    expect(main).to_contain_text("Operatore pratiche, Operatore servizio clienti")
    axe_check(page)

    member = get_user_model().objects.get(username="giulia.neri")
    assert member.is_staff and not member.has_usable_password()
    assert set(member.groups.values_list("name", flat=True)) == {
        "Operatore pratiche",
        "Operatore servizio clienti",
    }
    assert OutboxMessage.objects.filter(kind="staff_invitation", to=member.email).count() == 1
    actions = list(
        AuditEvent.objects.filter(actor=diana_device.user).values_list("action", flat=True)
    )
    assert actions.count("accounts.staff_create") == 1
    assert actions.count("accounts.staff_roles") == 1
    console_of(page).assert_clean()


def test_staff_land_in_a_back_office_of_its_own(page, axe_check, login, charlie_device, customer):
    """After login an operator lands in the back-office: its own header (name, "Esci"), its
    menu with what the role may use, its footer; the customer's menu and footer are absent.
    Its tables stay readable on a phone: stacked rows, nothing cut at the right edge."""
    from accounts.models import AccountEvent
    from customers.tests.factories import ContractFactory, HolderFactory, LinkFactory

    contract = ContractFactory(
        holder=HolderFactory(first_name="Lucia", last_name="Bianchi", codice_fiscale=CF_LUCIA),
        supply_address="Via dei Carraresi 118, scala B, interno 14",
        municipality="San Giorgio in Bosco",
    )
    LinkFactory(user=customer, contract=contract)
    AccountEvent.objects.create(
        user=customer,
        kind=AccountEvent.Kind.LOGIN,
        ip="2001:db8:85a3:8d3:1319:8a2e:370:7348",
        device="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0",
    )
    login(
        page,
        "charlie",
        CHARLIE_PASSWORD,
        otp=lambda: totp_code(charlie_device),
        check=axe_check,
    )
    expect(h1(page)).to_have_text("Back-office")
    assert page.url.endswith("/backoffice/")
    header = page.locator("header")
    expect(header.get_by_role("button", name="Esci")).to_be_visible()
    expect(header).to_contain_text(charlie_device.user.display_name)
    menu = page.get_by_role("navigation", name="Menu del back-office")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Inizio")).to_have_attribute("aria-current", "page")
    expect(menu.get_by_role("link", name="Profili web")).to_be_visible()
    expect(menu.get_by_role("link", name="Intestatari e utenze")).to_be_visible()
    # What an operator's role may not use is not offered.
    expect(menu.get_by_role("link", name="Personale e ruoli")).to_have_count(0)
    expect(menu.get_by_role("link", name="Registro di audit")).to_have_count(0)
    # The customer's menu and footer are not there.
    expect(page.get_by_role("navigation", name="Area personale")).to_have_count(0)
    expect(page.get_by_role("link", name="I miei servizi")).to_have_count(0)
    expect(page.get_by_role("link", name="Il mio profilo")).to_have_count(0)
    footer = page.get_by_role("contentinfo")
    expect(footer).to_contain_text("Back-office, riservato al personale")
    expect(footer).not_to_contain_text("Numero verde")
    # The skip link still leads to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Vai al contenuto principale")).to_be_focused()
    axe_check(page)

    menu.get_by_role("link", name="Profili web").click()
    expect(h1(page)).to_have_text("Profili web")
    expect(menu.get_by_role("link", name="Profili web")).to_have_attribute("aria-current", "page")
    page.get_by_label(re.compile(r"^Cerca un profilo web")).fill("bianchi")
    page.get_by_role("button", name="Cerca", exact=True).click()
    expect(page.get_by_role("table", name=re.compile("profilo trovato"))).to_be_visible()
    axe_check(page)
    fits(page)
    page.get_by_role("link", name="lucia.bianchi").click()
    expect(h1(page)).to_contain_text("Lucia Bianchi")
    linked = page.get_by_role("table", name="Servizi collegati al profilo, dal più recente")
    expect(linked).to_contain_text("VIA DEI CARRARESI 118, SCALA B, INTERNO 14")
    linked.get_by_role("link", name=re.compile(contract.service_code)).wait_for()
    axe_check(page)
    fits(page)


def fits(page):
    """Nothing wider than the viewport (375 px on the phone): tables stack their rows."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"
