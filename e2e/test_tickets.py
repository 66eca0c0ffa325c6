"""Browser journeys over "Richieste e reclami" (issue 11).

1. A customer files a water complaint with an attachment (the RQSII block appears, a first
   try without its fields is refused next to each field) → protocol and due date on screen
   and by mail → the operator takes it, writes and publishes the answer → the customer gets
   the mail (no content), opens its link, reads the answer and adds a message.
2. A draft survives a session that expires while the customer writes.

Each runs at desktop and phone size; every page is screenshotted (e2e/artifacts/) and
checked with axe-core (WCAG 2.1 A/AA).
"""

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.personas import PERSONAS

from .browser import console_of, totp_code

pytestmark = pytest.mark.e2e

CUSTOMER_PASSWORD = "Password-di-prova-2026"  # accounts.tests.factories.UserFactory's
CHARLIE_PASSWORD = PERSONAS["charlie"]["password"]  # public demo data
SHOTS = Path("/tmp/shots/tickets")
# A form sent back with errors is answered 400 on some pages; Chromium logs that.
BAD_REQUEST_LINE = r"^Failed to load resource: the server responded with a status of 400 "

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def h1(page):
    return page.get_by_role("heading", level=1)


def field(page, label):
    """The control labelled exactly `label` (a required field's label ends with " *")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    viewport = "phone" if page.viewport_size["width"] < 576 else "desktop"
    page.screenshot(path=SHOTS / f"{name}-{viewport}.png", full_page=True)


@pytest.fixture
def customer(transactional_db):
    from accounts.tests.factories import UserFactory

    return UserFactory(
        username="lucia.bianchi",
        email="lucia.bianchi@example.com",
        first_name="Lucia",
        last_name="Bianchi",
        email_confirmed_at=timezone.now(),
    )


@pytest.fixture
def standards(transactional_db):
    """The response standards the data migration writes (a transactional test's flush
    removed them after the first run)."""
    import importlib

    from tickets.models import ResponseStandard

    defaults = importlib.import_module("tickets.migrations.0002_default_standards").DEFAULTS
    for area, kind, rule, days, base in defaults:
        ResponseStandard.objects.get_or_create(
            area=area, kind=kind,
            defaults={"rule": rule, "working_days": days, "indemnity_base": base},
        )  # fmt: skip


@pytest.fixture
def water(customer, standards):
    from customers.tests.factories import ContractFactory, HolderFactory, LinkFactory

    holder = HolderFactory(first_name="Lucia", last_name="Bianchi")
    contract = ContractFactory(holder=holder, supply_address="Via Roma 1")
    LinkFactory(user=customer, contract=contract)
    return contract


@pytest.fixture
def charlie_device(charlie):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=charlie, name="app", confirmed=True)


@pytest.fixture
def private_dir(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }
    yield
    shutil.rmtree(tmp_path / "private", ignore_errors=True)


def test_complaint_answered_and_followed_up(
    page, axe_check, login, customer, water, charlie_device, private_dir
):
    from core.models import OutboxMessage
    from tickets.models import Ticket

    main = page.locator("main")
    header = page.locator("header")
    login(page, "lucia.bianchi", CUSTOMER_PASSWORD, check=axe_check)

    # The menu entry and the empty list.
    nav = page.get_by_role("navigation", name="Area personale")
    nav.get_by_role("link", name="Richieste e reclami", exact=True).click()
    expect(h1(page)).to_have_text("Richieste e reclami")
    expect(main).to_contain_text("Non hai ancora inviato richieste.")
    axe_check(page)

    # "Nuova richiesta": the RQSII block shows for a water complaint only.
    main.get_by_role("link", name="Nuova richiesta").click()
    expect(h1(page)).to_have_text("Nuova richiesta")
    rqsii = page.get_by_role("group", name="Dati del reclamo per il servizio idrico")
    page.get_by_role("radio", name="Ambiente").check()
    page.get_by_role("radio", name="Richiesta di informazioni").check()
    expect(rqsii).to_be_hidden()
    page.get_by_role("radio", name="Acqua").check()
    page.get_by_role("radio", name="Reclamo").check()
    expect(rqsii).to_be_visible()
    expect(rqsii).to_contain_text("costa 50,00 €")
    axe_check(page)
    shot(page, "1-new")

    # Without the RQSII fields: refused, each message next to its field, the text kept.
    field(page, "Utenza").select_option(value=str(water.pk))
    field(page, "Oggetto").fill("Consumi anomali in bolletta")
    field(page, "Testo").fill("La bolletta di ottobre riporta 900 m³: impossibile.")
    page.get_by_role("button", name="Invia", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_contain_text("Alcuni campi non sono corretti")
    expect(field(page, "Indirizzo di fornitura")).to_have_attribute("aria-invalid", "true")
    expect(main).to_contain_text("Indica l'indirizzo di fornitura.")
    expect(field(page, "Testo")).to_have_value(
        "La bolletta di ottobre riporta 900 m³: impossibile."
    )
    axe_check(page)
    shot(page, "2-errors")

    field(page, "Nome e cognome dell'intestatario").fill("Lucia Bianchi")
    field(page, "Codice cliente").fill(water.holder.customer_code)
    field(page, "Indirizzo di fornitura").fill("Via Roma 1, Villa del Conte")
    field(page, "Indirizzo postale o e-mail per la risposta").fill("lucia.bianchi@example.com")
    page.get_by_role("checkbox", name=re.compile("^Il reclamo riguarda il contatore")).check()
    page.get_by_role("checkbox", name=re.compile("^Chiedo la verifica del contatore")).check()
    field(page, "Allegati").set_input_files(
        {"name": "bolletta.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Invia", exact=True).click()
    page.wait_for_load_state()

    # Protocol and due date at once, on screen and by mail.
    ticket = Ticket.objects.get()
    expect(h1(page)).to_have_text(f"Richiesta {ticket.protocol}")
    due = ticket.due_on.strftime("%d/%m/%Y")
    expect(page.get_by_role("status")).to_contain_text(ticket.protocol)
    expect(main).to_contain_text(f"Risposta prevista entro il {due}")
    expect(main).to_contain_text("30 giorni lavorativi dal ricevimento (RQSII")
    expect(main.get_by_role("link", name=f"{ticket.protocol}-allegato-1.pdf")).to_be_visible()
    expect(main).to_contain_text("Inviata")
    axe_check(page)
    shot(page, "3-filed")
    received = OutboxMessage.objects.get(kind="ticket_received")
    assert ticket.protocol in received.subject and due in received.body_text
    assert ticket.meter_check and ticket.holder_name == "Lucia Bianchi"
    nav.get_by_role("link", name="Richieste e reclami", exact=True).click()
    listed = page.locator("tbody tr").filter(has_text=ticket.protocol)
    for text in ("Acqua", "Reclamo", "Consumi anomali in bolletta", "Inviata", due):
        expect(listed).to_contain_text(text)
    axe_check(page)
    shot(page, "3-list")
    # The contract's page lists it too.
    page.goto(f"/servizi/{customer.contract_links.get().uid}/")
    section = page.get_by_role("region", name="Richieste e reclami")
    expect(section).to_contain_text(ticket.protocol)
    expect(section.get_by_role("link", name=re.compile("^Nuova richiesta"))).to_be_visible()
    axe_check(page)
    header.get_by_role("button", name="Esci").click()

    # The operator: queue (an older request, overdue, comes first), the request with the
    # customer's contracts beside it, take, note, answer.
    from datetime import timedelta

    from tickets.tests.factories import TicketFactory

    late = TicketFactory(
        user=customer,
        area="waste",
        subject="Ritiro ingombranti mai avvenuto",
        received_at=timezone.now() - timedelta(days=60),
        due_on=timezone.localdate() - timedelta(days=5),
    )
    login(page, "charlie", CHARLIE_PASSWORD, otp=lambda: totp_code(charlie_device), check=axe_check)
    header.get_by_role("link", name="Back-office").click()
    main.get_by_role("link", name="Richieste e reclami").click()
    expect(h1(page)).to_have_text("Richieste e reclami")
    expect(main).to_contain_text("1 richiesta scaduta senza risposta.")
    expect(page.locator("tbody tr").first).to_contain_text(late.protocol)
    expect(page.locator("tbody tr").first).to_contain_text("(scaduta)")
    row = page.locator("tbody tr").filter(has_text=ticket.protocol)
    expect(row).to_contain_text("Reclamo")
    expect(row).to_contain_text(due)
    axe_check(page)
    shot(page, "4-queue")
    row.get_by_role("link", name=ticket.protocol).click()
    expect(h1(page)).to_have_text(f"Richiesta {ticket.protocol}")
    customer_box = page.get_by_role("region", name="Cliente", exact=True)
    expect(customer_box).to_contain_text(water.service_code)
    expect(main).to_contain_text("verifica richiesta (50,00 €)")
    axe_check(page)
    page.get_by_role("button", name="Prendi in carico").click()
    expect(page.get_by_role("status")).to_contain_text("Richiesta presa in carico.")
    expect(main).to_contain_text("Presa in carico")
    field(page, "Nota interna").fill("Chiesta lettura di verifica al tecnico.")
    page.get_by_role("button", name="Aggiungi la nota").click()
    expect(page.get_by_role("status")).to_contain_text("Nota interna aggiunta.")
    answer = "Gentile cliente, la lettura era errata: emetteremo una bolletta di rettifica."
    field(page, "Risposta al cliente").fill(answer)
    page.get_by_role("button", name="Pubblica la risposta").click()
    expect(page.get_by_role("status")).to_contain_text("Risposta pubblicata")
    expect(main).to_contain_text(answer)
    axe_check(page)
    shot(page, "5-answered-staff")
    main.get_by_role("link", name="Richieste e reclami").first.click()
    page.get_by_role("link", name="Statistiche delle richieste").first.click()
    expect(h1(page)).to_have_text("Statistiche delle richieste")
    expect(page.locator("tbody tr").filter(has_text="Acqua")).to_contain_text("1")
    axe_check(page)
    header.get_by_role("button", name="Esci").click()

    # The mail says only that an answer is there, with the link.
    mail = OutboxMessage.objects.get(kind="ticket_answered")
    assert answer not in mail.body_text and "rettifica" not in mail.body_html
    link = re.search(r"https?://\S+", mail.body_text).group(0)
    path = urlsplit(link).path
    page.goto(path)
    login_url = page.url
    assert "/accedi/" in login_url
    from .browser import password_field, username_field

    username_field(page).fill("lucia.bianchi")
    password_field(page).fill(CUSTOMER_PASSWORD)
    page.get_by_role("button", name="Accedi", exact=True).click()
    page.wait_for_load_state()
    expect(h1(page)).to_have_text(f"Richiesta {ticket.protocol}")
    expect(main).to_contain_text(answer)
    expect(main).to_contain_text("Risposta pubblicata")
    expect(main).not_to_contain_text("Chiesta lettura di verifica")  # the internal note
    axe_check(page)

    # A further message: the request goes back to the operator.
    field(page, "Il tuo messaggio").fill("Grazie. Quando arriverà la bolletta di rettifica?")
    page.get_by_role("button", name="Invia il messaggio").click()
    expect(page.get_by_role("status")).to_contain_text("Messaggio inviato.")
    expect(main).to_contain_text("Quando arriverà la bolletta di rettifica?")
    expect(main).to_contain_text("Presa in carico")
    axe_check(page)
    shot(page, "6-conversation")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TAKEN
    console_of(page).assert_clean(allow=[BAD_REQUEST_LINE])


def test_draft_survives_an_expired_session(page, axe_check, login, customer, water):
    from tickets.models import Ticket

    login(page, "lucia.bianchi", CUSTOMER_PASSWORD)
    page.goto("/richieste/nuova/")
    page.get_by_role("radio", name="Ambiente").check()
    page.get_by_role("radio", name="Segnalazione").check()
    field(page, "Oggetto").fill("Cassonetto rotto")
    field(page, "Testo").fill("In via Roma il cassonetto dell'umido ha il coperchio rotto.")
    # The session ends (as after the idle timeout) while the page is open; then it is sent.
    page.context.clear_cookies(name=re.compile("sessionid"))
    page.get_by_role("button", name="Invia", exact=True).click()
    page.wait_for_load_state()
    assert "/accedi/" in page.url
    assert not Ticket.objects.exists()
    from .browser import password_field, username_field

    username_field(page).fill("lucia.bianchi")
    password_field(page).fill(CUSTOMER_PASSWORD)
    page.get_by_role("button", name="Accedi", exact=True).click()
    page.wait_for_load_state()
    if not page.url.endswith("/richieste/nuova/"):
        page.goto("/richieste/nuova/")
    expect(field(page, "Oggetto")).to_have_value("Cassonetto rotto")
    expect(field(page, "Testo")).to_have_value(
        "In via Roma il cassonetto dell'umido ha il coperchio rotto."
    )
    expect(page.get_by_role("radio", name="Segnalazione")).to_be_checked()
    expect(page.locator("main")).to_contain_text("Stiamo conservando una bozza")
    axe_check(page)
    page.get_by_role("button", name="Invia", exact=True).click()
    page.wait_for_load_state()
    ticket = Ticket.objects.get()
    expect(h1(page)).to_have_text(f"Richiesta {ticket.protocol}")
    # Filed: the draft is gone.
    page.goto("/richieste/nuova/")
    expect(field(page, "Oggetto")).to_have_value("")
    console_of(page).assert_clean()


def test_files_too_large_together_are_reported_before_sending(
    page, axe_check, login, customer, tmp_path
):
    """Two files of 26 MB are more than one submission may carry (five files of 10 MB): the
    page says so next to the field instead of sending (and the draft keeps the text)."""
    from tickets.models import Ticket

    login(page, "lucia.bianchi", CUSTOMER_PASSWORD)
    page.goto("/richieste/nuova/")
    page.get_by_role("radio", name="Ambiente").check()
    page.get_by_role("radio", name="Segnalazione").check()
    field(page, "Oggetto").fill("Foto del cassonetto")
    field(page, "Testo").fill("Allego due foto.")
    big = PDF[:-7] + b"0" * (26 * 1024 * 1024) + b"\n%%EOF\n"
    files = [tmp_path / f"foto-{i}.pdf" for i in (1, 2)]
    for path in files:
        path.write_bytes(big)
    page.get_by_label(re.compile(r"^Allegati")).set_input_files(files)
    page.get_by_role("button", name="Invia", exact=True).click()
    error = page.locator("#files-size-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Gli allegati insieme superano 51 MB")
    expect(field(page, "Oggetto")).to_have_value("Foto del cassonetto")
    assert page.url.endswith("/richieste/nuova/")
    shot(page, "7-files-too-large")
    axe_check(page)
    assert not Ticket.objects.exists()
    # One file only goes through.
    page.get_by_label(re.compile(r"^Allegati")).set_input_files(
        [{"name": "foto.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Invia", exact=True).click()
    page.wait_for_load_state()
    expect(h1(page)).to_have_text(f"Richiesta {Ticket.objects.get().protocol}")
    console_of(page).assert_clean()
