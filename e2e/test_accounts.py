"""Browser journeys over the accounts: the guide's registration (person and company), the
welcome e-mail received over SMTP, the password with its meter, login, recovery, "Il mio
profilo" (view, edit with e-mail change, delete), two-step verification and sessions.

Each runs at desktop and phone size; every page visited, including those showing validation
errors, is screenshotted into e2e/artifacts/ and checked with axe-core (WCAG 2.1 A/AA).
"""

import base64
import email
import email.policy
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import expect
from stdnum import luhn
from stdnum.it import codicefiscale

from .browser import console_of, next_totp_code, password_field, username_field

pytestmark = pytest.mark.e2e

# Mario Rossi, born 10/12/1985 in Asti (A562); omocodic: the last digit of the place code
# (2) becomes N, as when two people share a codice fiscale.
CF_MARIO = "RSSMRA85T10A56N" + codicefiscale.calc_check_digit("RSSMRA85T10A56N")
assert CF_MARIO == "RSSMRA85T10A56NH"
CF_MARIO_TYPO = CF_MARIO[:-1] + ("A" if CF_MARIO[-1] != "A" else "B")  # wrong check char
# A partita IVA: 7 digits, the provincial office (001-100), the Luhn check digit.
PIVA_ACME = "1234567" + "028" + luhn.calc_check_digit("1234567028")

WEAK_PASSWORD = "qwerty123"
STRONG_PASSWORD = "tramonto-vigna-bicicletta-42"
NEW_PASSWORD = "Lampione verde sul Brenta 1987"
FACTORY_PASSWORD = "Password-di-prova-2026"  # accounts.tests.factories.UserFactory's

REGISTERED_MESSAGE = (
    "Un messaggio di benvenuto con ulteriori informazioni è stato inviato al tuo indirizzo "
    "di posta elettronica."
)
GENERIC_LOGIN_ERROR = "Nome utente o password non corretti. Controlla i dati e riprova."
SOME_FIELDS_WRONG = "Alcuni campi non sono corretti"
# A form sent back with errors is answered 400 on some pages; Chromium logs that.
BAD_REQUEST_LINE = r"^Failed to load resource: the server responded with a status of 400 "


@pytest.fixture
def captcha_test_mode(settings, monkeypatch):
    """CAPTCHA_TEST_MODE on: the answer "PASSED" solves every CAPTCHA. django-simple-captcha
    copies the setting when it is imported, so its copy is switched too. The live server runs
    in this process, so both apply to it."""
    from captcha.conf import settings as captcha_settings

    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)


@pytest.fixture
def confirmed_user(transactional_db):
    """A customer who confirmed the address and chose FACTORY_PASSWORD."""
    from accounts.tests.factories import UserFactory

    return UserFactory(
        username="giulia.verdi",
        email="giulia.verdi@example.com",
        first_name="Giulia",
        last_name="Verdi",
        email_confirmed_at=timezone.now(),
    )


# --- small helpers ---------------------------------------------------------------------------
def field(page, label):
    """The control labelled exactly `label` (a required field's label ends with " *"; one
    required for one kind of profile starts with "* ", as the guide marks it)."""
    return page.get_by_label(re.compile(rf"^(\* )?{re.escape(label)}( \*)?$"))


def field_group(page, control):
    """The .sp-field block that holds a control, its label, its error and its help."""
    return page.locator(".sp-field").filter(has=control)


def captcha_answer(page):
    return page.get_by_label(re.compile("Che cosa è scritto nell'immagine"))


def header(page):
    return page.locator("header")


def h1(page):
    return page.get_by_role("heading", level=1)


def meter_level(page):
    return page.locator("#password-meter [data-level]")


def wait_for_meter(page):
    """The meter fetches zxcvbn.js (about 800 kB) on load; wait until it can estimate."""
    page.wait_for_function("typeof window.zxcvbn === 'function'")
    expect(page.locator("#password-meter")).to_be_visible()
    expect(page.get_by_text("Livello di sicurezza della password")).to_be_visible()


def wait_until_otp_allowed(page, device, timeout=5.0):
    """django-otp refuses any code for 1 s after a wrong one (2, 4, 8 s after more): a person
    retyping takes longer than that, a test does not. Wait for the device to accept again."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        device.refresh_from_db()
        if device.verify_is_allowed()[0]:
            return
        assert time.monotonic() < deadline, "the authenticator stayed throttled"
        page.wait_for_timeout(100)


def deliver_mail(smtp):
    """Run the worker once (the tasks that are due, such as a password-reset request, and
    the outbox deliveries they queue) and return the messages the SMTP server received in
    the meantime, parsed."""
    from django.core.management import call_command

    from core.outbox import deliver_due

    before = len(smtp.messages)
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    states = deliver_due()
    assert all(state == "sent" for state in states), states
    received = smtp.messages[before:]
    assert received, "no message was sent"
    return [
        email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        for envelope in received
    ]


def mail_to(messages, address):
    found = [m for m in messages if address in m["To"]]
    assert len(found) == 1, f"expected one message to {address}, got {[m['To'] for m in messages]}"
    return found[0]


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message):
    """The path of the portal link in the message's text part (the live server has its own
    address; the mail links to PUBLIC_URL)."""
    found = re.findall(re.escape(django_settings.PUBLIC_URL) + r"(/\S+)", text_of(message))
    assert found, f"no portal link in {message['Subject']!r}:\n{text_of(message)}"
    return found[0]


def log_out(page, check):
    header(page).get_by_role("button", name="Esci", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Sei uscito")
    expect(header(page).get_by_role("link", name="Accedi", exact=True)).to_be_visible()
    check(page)


def log_in_form(page, identifier, password, check):
    """From the header's "Accedi": the login form, filled as a person would."""
    header(page).get_by_role("link", name="Accedi", exact=True).click()
    expect(h1(page)).to_have_text("Accesso utente")
    check(page)
    username_field(page).fill(identifier)
    password_field(page).fill(password)
    page.get_by_role("button", name="Accedi", exact=True).click()


def choose_password(page, password, check):
    """On a page with "Password", "Conferma la password" and the meter: type a strong
    password, see the meter say so, "Salva"."""
    wait_for_meter(page)
    field(page, "Password").fill(password)
    expect(meter_level(page)).to_have_text(re.compile(r"^(buono|ottimo)$"))
    field(page, "Conferma la password").fill(password)
    check(page)
    page.get_by_role("button", name="Salva", exact=True).click()


def fill_person(page, *, codice_fiscale, expiry):
    field(page, "Nome utente").fill("mario.rossi")
    field(page, "Indirizzo e-mail").fill("mario.rossi@example.com")
    page.get_by_role("radio", name="Persona fisica").check()
    field(page, "Nome").fill("Mario")
    field(page, "Cognome").fill("Rossi")
    field(page, "Codice fiscale").fill(codice_fiscale)
    field(page, "Numero di telefono fisso").fill("049 123 4567")
    field(page, "Numero di cellulare").fill("347 123 4567")
    field(page, "Tipo di documento").select_option(label="Carta d'identità elettronica")
    field(page, "Numero del documento").fill("CA12345AB")
    field(page, "Data scadenza documento").fill(expiry)
    field(page, "Ente emittente documento").fill("Comune di Asti")
    page.get_by_role("checkbox", name=re.compile("^Ho preso visione dell'informativa")).check()
    captcha_answer(page).fill("PASSED")


# --- 1. A person: the whole guide, then "Il mio profilo" --------------------------------------
def test_person_registers_confirms_and_manages_the_profile(
    page, axe_check, smtp, captcha_test_mode, django_user_model
):
    from accounts.models import Consent

    expiry = (timezone.localdate() + timedelta(days=3 * 365)).strftime("%d/%m/%Y")

    # Guide step 1: "Servizi online", "Registrati".
    page.goto("/")
    axe_check(page)
    page.locator("main").get_by_role("link", name="Registrati", exact=True).click()
    expect(page).to_have_url(re.compile(r"/registrati/$"))
    expect(h1(page)).to_have_text("Registrazione utente")
    expect(page.locator("main")).to_contain_text('I campi contrassegnati da "*" sono obbligatori.')
    axe_check(page)

    # Steps 2-6, with one mistake: a codice fiscale whose check character is wrong.
    fill_person(page, codice_fiscale=CF_MARIO_TYPO, expiry=expiry)
    news = page.get_by_role("checkbox", name=re.compile("^Desidero ricevere notizie"))
    expect(news).not_to_be_checked()  # never pre-ticked, and left so
    page.get_by_role("button", name="Crea nuovo profilo").click()

    expect(page.get_by_role("alert").first).to_contain_text(SOME_FIELDS_WRONG)
    cf = field(page, "Codice fiscale")
    expect(cf).to_have_attribute("aria-invalid", "true")
    cf_error = field_group(page, cf).locator(".invalid-feedback")
    expect(cf_error).to_have_text(re.compile(r"codice fiscale non è valido"))
    expect(page.locator(".invalid-feedback")).to_have_count(1)  # only that field is wrong
    expect(cf).to_have_value(CF_MARIO_TYPO)
    for label, value in [
        ("Nome utente", "mario.rossi"),
        ("Indirizzo e-mail", "mario.rossi@example.com"),
        ("Nome", "Mario"),
        ("Cognome", "Rossi"),
        ("Numero di telefono fisso", "049 123 4567"),
        ("Numero di cellulare", "347 123 4567"),
        ("Tipo di documento", "carta_identita_elettronica"),
        ("Numero del documento", "CA12345AB"),
        ("Data scadenza documento", expiry),
        ("Ente emittente documento", "Comune di Asti"),
    ]:
        expect(field(page, label)).to_have_value(value)
    expect(page.get_by_role("radio", name="Persona fisica")).to_be_checked()
    expect(
        page.get_by_role("checkbox", name=re.compile("^Ho preso visione dell'informativa"))
    ).to_be_checked()
    expect(news).not_to_be_checked()
    axe_check(page)

    # Fixed; a new CAPTCHA image comes with the page, so type the characters again.
    cf.fill(CF_MARIO.lower())  # normalised to upper case by the server
    captcha_answer(page).fill("PASSED")
    # Step 7: "Crea nuovo profilo" and the guide's message.
    page.get_by_role("button", name="Crea nuovo profilo").click()
    expect(page.get_by_role("status")).to_have_text(REGISTERED_MESSAGE)
    axe_check(page)
    user = django_user_model.objects.get(username="mario.rossi")
    assert user.codice_fiscale == CF_MARIO
    assert not user.has_usable_password()
    consents = {c.kind: c.granted for c in Consent.objects.filter(user=user)}
    assert consents == {"privacy": True, "news": False}

    # Step 8: the worker sends the welcome e-mail; it arrives at the SMTP server.
    welcome = mail_to(deliver_mail(smtp), "mario.rossi@example.com")
    assert "Benvenuto" in welcome["Subject"]
    assert "mario.rossi" in text_of(welcome)

    # Step 9: its link, a page with "Accedi".
    page.goto(link_in(welcome))
    expect(h1(page)).to_have_text("Conferma della registrazione")
    axe_check(page)
    page.get_by_role("button", name="Accedi", exact=True).click()

    # Step 10: "Password", "Conferma la password", the meter; a weak password first.
    expect(page).to_have_url(re.compile(r"/benvenuto/password/$"))
    expect(page.locator("main")).to_contain_text("mario.rossi@example.com")
    wait_for_meter(page)
    field(page, "Password").fill(WEAK_PASSWORD)
    expect(meter_level(page)).to_have_text(re.compile(r"^(molto )?debole$"))
    field(page, "Conferma la password").fill(WEAK_PASSWORD)
    axe_check(page)  # the screenshot shows the meter saying "debole"
    page.get_by_role("button", name="Salva", exact=True).click()

    password = field(page, "Password")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(field_group(page, password).locator(".invalid-feedback")).to_contain_text(
        re.compile(r"password .*(debole|comune|semplice)", re.IGNORECASE)
    )
    axe_check(page)
    user.refresh_from_db()
    assert not user.has_usable_password()

    choose_password(page, STRONG_PASSWORD, axe_check)
    expect(page).to_have_url(re.compile(r"/benvenuto/$"))
    expect(page.get_by_role("status")).to_contain_text("Il tuo profilo per accedere all'area")
    expect(page.get_by_role("status")).to_contain_text("è stato creato")
    expect(header(page)).to_contain_text("Mario Rossi")
    axe_check(page)

    # Logout, and login with the e-mail address as "Nome utente".
    log_out(page, axe_check)
    log_in_form(page, "mario.rossi@example.com", STRONG_PASSWORD, axe_check)
    expect(h1(page)).to_have_text("Benvenuto, Mario Rossi")
    axe_check(page)
    log_out(page, axe_check)

    # "Richiedi nuova password": mail, link, new password, login with it.
    header(page).get_by_role("link", name="Accedi", exact=True).click()
    page.get_by_role("link", name="Richiedi nuova password").click()
    expect(h1(page)).to_have_text("Richiedi nuova password")
    axe_check(page)
    field(page, "Nome utente o indirizzo e-mail").fill("mario.rossi")
    page.get_by_role("button", name="Invia il link").click()
    expect(h1(page)).to_have_text("Richiesta ricevuta")
    axe_check(page)

    reset = mail_to(deliver_mail(smtp), "mario.rossi@example.com")
    page.goto(link_in(reset))
    expect(h1(page)).to_have_text("Scegli la nuova password")
    choose_password(page, NEW_PASSWORD, axe_check)
    expect(page).to_have_url(re.compile(r"/accedi/$"))
    expect(page.get_by_role("status")).to_contain_text("La nuova password è stata salvata")
    axe_check(page)
    notice = mail_to(deliver_mail(smtp), "mario.rossi@example.com")  # "password changed"
    assert "password" in notice["Subject"].lower()

    username_field(page).fill("mario.rossi")
    password_field(page).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Accedi", exact=True).click()
    expect(h1(page)).to_have_text("Benvenuto, Mario Rossi")

    # "Il mio profilo" > "Visualizza profilo": the codice fiscale partly masked.
    page.get_by_role("navigation", name="Area personale").get_by_role(
        "link", name="Il mio profilo"
    ).click()
    expect(h1(page)).to_have_text("Il mio profilo")
    expect(page.get_by_role("heading", name="Visualizza profilo")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text("mario.rossi@example.com")
    expect(main).to_contain_text(CF_MARIO[:3])
    expect(main).to_contain_text(CF_MARIO[-4:])
    assert CF_MARIO not in page.content()
    assert CF_MARIO.lower() not in page.content().lower()
    expect(main).to_contain_text("049 123 4567")
    axe_check(page)

    # "Modifica profilo web": a new e-mail address waits for its link.
    profile_nav = page.get_by_role("navigation", name="Il mio profilo")
    profile_nav.get_by_role("link", name="Modifica profilo web").click()
    expect(page.get_by_role("heading", name="Modifica profilo web")).to_be_visible()
    expect(
        page.get_by_role("checkbox", name=re.compile("^Desidero ricevere notizie"))
    ).not_to_be_checked()  # as left at registration
    axe_check(page)
    field(page, "Indirizzo e-mail").fill("mario.nuovo@example.com")
    page.get_by_role("button", name="Salva", exact=True).click()
    expect(page).to_have_url(re.compile(r"/profilo/$"))
    status = page.get_by_role("status")
    expect(status).to_contain_text("Il profilo web è stato aggiornato.")
    expect(status).to_contain_text("Ti abbiamo inviato un link al nuovo indirizzo e-mail")
    expect(main).to_contain_text("mario.rossi@example.com")  # not yet changed
    axe_check(page)

    messages = deliver_mail(smtp)
    confirm = mail_to(messages, "mario.nuovo@example.com")
    old_notice = mail_to(messages, "mario.rossi@example.com")
    assert "mario.nuovo@example.com" in text_of(old_notice)
    assert "/profilo/email/" not in text_of(old_notice)  # the link goes to the new address
    page.goto(link_in(confirm))
    expect(h1(page)).to_have_text("Conferma il nuovo indirizzo e-mail")
    axe_check(page)
    page.get_by_role("button", name="Conferma", exact=True).click()
    expect(page).to_have_url(re.compile(r"/profilo/$"))
    expect(page.get_by_role("status")).to_contain_text("Il nuovo indirizzo e-mail è confermato.")
    expect(main).to_contain_text("mario.nuovo@example.com")
    expect(main).not_to_contain_text("mario.rossi@example.com")
    axe_check(page)

    # "Elimina profilo": password and a clear confirmation (first forgotten).
    page.locator(".sp-danger-zone").get_by_role("link", name="Elimina profilo").click()
    expect(h1(page)).to_have_text("Elimina profilo")
    axe_check(page)
    field(page, "Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Elimina profilo").click()
    confirm_box = page.get_by_role("checkbox", name=re.compile("^Ho capito"))
    expect(confirm_box).to_have_attribute("aria-invalid", "true")
    expect(field_group(page, confirm_box).locator(".invalid-feedback")).to_have_text(
        "Spunta la casella per confermare l'eliminazione."
    )
    axe_check(page)
    field(page, "Password").fill(NEW_PASSWORD)
    confirm_box.check()
    page.get_by_role("button", name="Elimina profilo").click()
    expect(h1(page)).to_have_text("Profilo eliminato")
    expect(page.get_by_role("status")).to_contain_text("è stato eliminato")
    expect(header(page).get_by_role("link", name="Accedi", exact=True)).to_be_visible()
    axe_check(page)
    goodbye = mail_to(deliver_mail(smtp), "mario.nuovo@example.com")
    assert "eliminato" in goodbye["Subject"]
    assert not django_user_model.objects.filter(username="mario.rossi").exists()

    # The login no longer works, with the generic message.
    log_in_form(page, "mario.rossi", NEW_PASSWORD, axe_check)
    expect(page.get_by_role("alert")).to_contain_text(GENERIC_LOGIN_ERROR)
    expect(header(page).get_by_role("button", name="Esci")).to_have_count(0)
    axe_check(page)
    console_of(page).assert_clean()


# --- 2. A company ---------------------------------------------------------------------------
def test_company_registers_with_partita_iva(
    page, axe_check, smtp, captcha_test_mode, django_user_model
):
    expiry = (timezone.localdate() + timedelta(days=400)).strftime("%d/%m/%Y")
    page.goto("/")
    page.locator("main").get_by_role("link", name="Registrati", exact=True).click()
    expect(h1(page)).to_have_text("Registrazione utente")
    axe_check(page)

    field(page, "Nome utente").fill("acme_depurazioni")
    field(page, "Indirizzo e-mail").fill("amministrazione@acme.example")
    page.get_by_role("radio", name="Persona giuridica").check()
    field(page, "Ragione sociale").fill("Acme Depurazioni S.r.l.")
    expect(field(page, "Codice fiscale")).to_have_value("")  # optional for a company
    field(page, "Partita IVA").fill(PIVA_ACME)
    field(page, "Numero di telefono fisso").fill("049 123 4567")
    field(page, "Tipo di documento").select_option(label="Passaporto")
    field(page, "Numero del documento").fill("YA1234567")
    field(page, "Data scadenza documento").fill(expiry)
    field(page, "Ente emittente documento").fill("Questura di Padova")
    page.get_by_role("checkbox", name=re.compile("^Ho preso visione dell'informativa")).check()
    expect(
        page.get_by_role("checkbox", name=re.compile("^Desidero ricevere notizie"))
    ).not_to_be_checked()
    captcha_answer(page).fill("PASSED")
    page.get_by_role("button", name="Crea nuovo profilo").click()

    expect(page.get_by_role("status")).to_have_text(REGISTERED_MESSAGE)
    axe_check(page)
    company = django_user_model.objects.get(username="acme_depurazioni")
    assert (company.kind, company.partita_iva, company.codice_fiscale) == (
        "company",
        PIVA_ACME,
        "",
    )
    welcome = mail_to(deliver_mail(smtp), "amministrazione@acme.example")
    assert "Acme Depurazioni S.r.l." in text_of(welcome)
    assert "/registrati/conferma/" in link_in(welcome)
    console_of(page).assert_clean()


# --- 2b. The person/company switch and the error summary ----------------------------------
def test_registration_shows_one_kinds_names_and_links_each_error(page, axe_check, viewport):
    page.goto("/registrati/")
    person, company = field(page, "Nome"), field(page, "Ragione sociale")
    # "Persona fisica" is chosen at first: the company's name is hidden, the person's shown.
    expect(page.get_by_role("radio", name="Persona fisica")).to_be_checked()
    expect(person).to_be_visible()
    expect(field(page, "Cognome")).to_be_visible()
    expect(company).to_be_hidden()
    page.get_by_role("radio", name="Persona giuridica").check()
    expect(company).to_be_visible()
    expect(person).to_be_hidden()
    expect(field(page, "Cognome")).to_be_hidden()
    # Both identifiers stay, under the guide's note, for either kind.
    expect(page.locator("main")).to_contain_text(
        "È necessario fornire almeno uno dei seguenti campi: Codice Fiscale / Partita IVA"
    )
    expect(field(page, "Codice fiscale")).to_be_visible()
    expect(field(page, "Partita IVA")).to_be_visible()
    axe_check(page)

    # Sent nearly empty: the banner on top lists each field in error as a link to it.
    field(page, "Indirizzo e-mail").fill("non-un-indirizzo")
    page.get_by_role("button", name="Crea nuovo profilo").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(SOME_FIELDS_WRONG)
    expect(page.get_by_role("radio", name="Persona giuridica")).to_be_checked()
    expect(person).to_be_hidden()  # the choice holds after the round trip
    email_link = summary.get_by_role(
        "link", name="Indirizzo e-mail: Inserisci un indirizzo e-mail valido."
    )
    expect(email_link).to_be_visible()
    expect(
        summary.get_by_role(
            "link", name=re.compile("^Ragione sociale: Le persone giuridiche devono")
        )
    ).to_be_visible()
    axe_check(page)
    email_link.click()
    expect(field(page, "Indirizzo e-mail")).to_be_focused()

    # "Nuova immagine" swaps the CAPTCHA in place, keeping what was typed.
    image = page.locator("img.sp-captcha-image")
    before = image.get_attribute("src")
    field(page, "Nome utente").fill("acme_depurazioni")
    page.get_by_role("button", name="Nuova immagine").click()
    expect(image).not_to_have_attribute("src", before)
    expect(captcha_answer(page)).to_be_focused()
    expect(field(page, "Nome utente")).to_have_value("acme_depurazioni")
    if viewport == "phone":
        axe_check(page)
    console_of(page).assert_clean(allow=[BAD_REQUEST_LINE])


# --- 3. Two-step verification ---------------------------------------------------------------
def test_customer_turns_on_two_step_verification(page, axe_check, login, confirmed_user):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    login(page, "giulia.verdi", FACTORY_PASSWORD, check=axe_check)
    expect(h1(page)).to_have_text("Benvenuto, Giulia Verdi")
    page.get_by_role("navigation", name="Area personale").get_by_role(
        "link", name="Il mio profilo"
    ).click()
    expect(page.locator("main")).to_contain_text("non attiva")
    page.get_by_role("navigation", name="Il mio profilo").get_by_role(
        "link", name="Verifica in due passaggi"
    ).click()
    expect(page.get_by_role("heading", name="Verifica in due passaggi")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Codice QR"))).to_be_visible()
    axe_check(page)

    # What a person does with an app: type the manual key, read the code it shows.
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user=confirmed_user, confirmed=False)
    assert key == device.bin_key
    code = str(TOTP(key, step=30, digits=6).token()).zfill(6)

    field(page, "Codice di 6 cifre").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Attiva", exact=True).click()
    wrong = field(page, "Codice di 6 cifre")
    expect(wrong).to_have_attribute("aria-invalid", "true")
    expect(field_group(page, wrong)).to_contain_text("Il codice non è valido")
    axe_check(page)
    wait_until_otp_allowed(page, device)

    field(page, "Codice di 6 cifre").fill(next_totp_code(device))
    page.get_by_role("button", name="Attiva", exact=True).click()
    expect(h1(page)).to_have_text("Codici di recupero")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    axe_check(page)
    page.get_by_role("link", name="Ho salvato i codici").click()
    expect(page.locator("main")).to_contain_text("attiva")
    expect(page.locator("main")).not_to_contain_text("non attiva")

    log_out(page, axe_check)
    login(
        page,
        "giulia.verdi",
        FACTORY_PASSWORD,
        otp=lambda: next_totp_code(device),
        check=axe_check,
    )
    expect(h1(page)).to_have_text("Benvenuto, Giulia Verdi")
    expect(header(page).get_by_role("button", name="Esci")).to_be_visible()
    axe_check(page)
    console_of(page).assert_clean(allow=[BAD_REQUEST_LINE])


# --- 4. Sessions ------------------------------------------------------------------------------
def test_customer_closes_another_session(
    page, open_page, viewport, axe_check, login, confirmed_user
):
    other = open_page(viewport)  # a second browser (its own cookies)
    login(other, "giulia.verdi", FACTORY_PASSWORD)
    expect(header(other).get_by_role("button", name="Esci")).to_be_visible()
    login(page, "giulia.verdi", FACTORY_PASSWORD, check=axe_check)
    expect(header(page).get_by_role("button", name="Esci")).to_be_visible()

    page.get_by_role("navigation", name="Area personale").get_by_role(
        "link", name="Il mio profilo"
    ).click()
    page.get_by_role("navigation", name="Il mio profilo").get_by_role(
        "link", name="Attività e sessioni"
    ).click()
    expect(page.get_by_role("heading", name="Sessioni aperte")).to_be_visible()
    sessions = page.get_by_role("table", name="Sessioni aperte")
    expect(sessions.locator("tbody tr")).to_have_count(2)
    expect(sessions).to_contain_text("questa sessione")
    activity = page.get_by_role("table", name=re.compile("^Attività recenti"))
    expect(activity.locator("tbody tr")).not_to_have_count(0)
    axe_check(page)

    close = sessions.get_by_role("button", name=re.compile("^Chiudi"))
    expect(close).to_have_count(1)
    close.click()
    expect(page.get_by_role("status")).to_contain_text("La sessione è stata chiusa.")
    expect(sessions.locator("tbody tr")).to_have_count(1)
    axe_check(page)

    # The other browser is logged out at its next page.
    other.reload()
    expect(header(other).get_by_role("button", name="Esci")).to_have_count(0)
    expect(header(other).get_by_role("link", name="Accedi", exact=True)).to_be_visible()
    other.goto("/profilo/")
    expect(other).to_have_url(re.compile(r"/accedi/\?next=/profilo/$"))
    axe_check(other)

    # This one is still in.
    page.reload()
    expect(header(page).get_by_role("button", name="Esci")).to_be_visible()
    console_of(page).assert_clean()
    console_of(other).assert_clean()
