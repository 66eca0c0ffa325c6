"""Browser journeys over the portal's shell: public pages, error pages, login and logout,
keyboard access and the development mailbox. Each runs at desktop and phone size, and every
page visited is screenshotted and checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from .browser import HTTP_ERROR_LINE, console_of, password_field, totp_code, username_field

pytestmark = pytest.mark.e2e

UTILITY_NAME = "Acque e Ambiente del Brenta"
PASSWORD = "Alice-demo-2026!"


@pytest.fixture
def alice_user(transactional_db, django_user_model):
    return django_user_model.objects.create_user(
        username="alice",
        password=PASSWORD,
        first_name="Alice",
        last_name="Rossi",
        email="alice@example.com",
    )


STAFF_PASSWORD = "Operatore-demo-2026!"


@pytest.fixture
def staff_user(transactional_db, django_user_model):
    """An operator with an authenticator app already set up (two-step verification is
    mandatory for staff); `staff_user.otp_device` gives the codes."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = django_user_model.objects.create_user(
        username="operatore",
        password=STAFF_PASSWORD,
        first_name="Carlo",
        last_name="Bianchi",
        email="operatore@example.com",
        is_staff=True,
    )
    from accounts.staff import ROLE_CUSTOMER_SERVICE, ensure_roles

    user.groups.add(ensure_roles()[ROLE_CUSTOMER_SERVICE])
    user.otp_device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user


def header(page):
    return page.locator("header")


def expect_anonymous_header(page):
    expect(header(page)).to_contain_text(UTILITY_NAME)
    expect(header(page).get_by_role("link", name="Accedi", exact=True)).to_be_visible()
    expect(header(page).get_by_role("button", name="Esci")).to_have_count(0)


# --- Anonymous visitor -----------------------------------------------------------------------
FOOTER_PAGES = [
    ("Contatti", "/contatti/"),
    ("Informativa privacy", "/privacy/"),
    ("Cookie policy", "/cookie/"),
    ("Dichiarazione di accessibilità", "/accessibilita/"),
]


def test_anonymous_home_and_footer_pages(page, axe_check):
    response = page.goto("/")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("Servizi online")
    expect_anonymous_header(page)
    axe_check(page)

    for label, path in FOOTER_PAGES:
        page.goto("/")
        footer = page.locator("footer")
        with page.expect_navigation():
            footer.get_by_role("link", name=label, exact=True).click()
        assert page.url.endswith(path), f"{label} led to {page.url}"
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page).to_have_title(re.compile(UTILITY_NAME))
        expect_anonymous_header(page)
        axe_check(page)

    console_of(page).assert_clean()


@pytest.mark.parametrize("viewport_name", ["desktop", "phone"])
def test_public_pages_respect_the_csp(open_page, viewport_name):
    """Under the site's real Content-Security-Policy (no bypass), the home page, the footer
    pages and the login page log nothing at all: no CSP violation, no failed load, no JS error."""
    page = open_page(viewport_name, bypass_csp=False)
    for path in ["/", *(path for _label, path in FOOTER_PAGES), "/accedi/"]:
        response = page.goto(path)
        assert response.status == 200, path
        csp = response.headers.get("content-security-policy", "")
        assert "default-src 'none'" in csp, f"{path} has no strict CSP: {csp!r}"
        page.wait_for_load_state("networkidle")
    console_of(page).assert_clean()


# --- Error pages -----------------------------------------------------------------------------
def test_missing_page_shows_italian_404(page, axe_check):
    response = page.goto("/questa-pagina-non-esiste/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagina non trovata")
    expect(page.get_by_role("link", name="Torna alla pagina iniziale")).to_be_visible()
    expect_anonymous_header(page)
    axe_check(page)
    console_of(page).assert_clean(allow=[HTTP_ERROR_LINE])


@pytest.mark.urls("e2e.urls")
def test_server_error_shows_italian_500_without_details(page, axe_check):
    response = page.goto("/_boom/")
    assert response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Servizio momentaneamente non disponibile"
    )
    content = page.content()
    for leak in ("Traceback", "BoomError", "deliberate failure", "e2e/urls.py"):
        assert leak not in content, f"the 500 page shows {leak!r}"
    expect(page.get_by_role("link", name="Torna alla pagina iniziale")).to_be_visible()
    axe_check(page)
    console_of(page).assert_clean(allow=[HTTP_ERROR_LINE])


# --- Login and logout ------------------------------------------------------------------------
def test_login_and_logout(page, axe_check, login, alice_user):
    page.goto("/")
    page.locator("header").get_by_role("link", name="Accedi", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accedi/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Accesso utente")
    axe_check(page)

    login(page, "alice", PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(header(page)).to_contain_text("Alice Rossi")
    logout = header(page).get_by_role("button", name="Esci", exact=True)
    expect(logout).to_be_visible()
    expect(header(page).get_by_role("link", name="Accedi", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alice Rossi")
    axe_check(page)

    logout.click()
    expect(header(page).get_by_role("link", name="Accedi", exact=True)).to_be_visible()
    expect(header(page)).not_to_contain_text("Alice Rossi")
    expect(page.get_by_role("status")).to_contain_text("Sei uscito")
    axe_check(page)
    console_of(page).assert_clean()


def test_wrong_password_shows_generic_error(page, axe_check, login, alice_user):
    login(page, "alice", "not-her-password")
    expect(page).to_have_url(re.compile(r"/accedi/$"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Nome utente o password non corretti. Controlla i dati e riprova."
    )
    expect(username_field(page)).to_have_value("alice")
    expect(password_field(page)).to_have_value("")
    expect(header(page).get_by_role("button", name="Esci")).to_have_count(0)
    axe_check(page)
    console_of(page).assert_clean()


# --- Keyboard --------------------------------------------------------------------------------
def test_skip_link_is_first_and_moves_focus_to_main(page, axe_check):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Vai al contenuto principale")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    box = skip.bounding_box()
    viewport = page.viewport_size
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
    axe_check(page)  # the screenshot shows the skip link as a keyboard user sees it

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()
    console_of(page).assert_clean()


# --- Development mailbox ---------------------------------------------------------------------
def test_staff_reads_the_development_mailbox(page, axe_check, login, staff_user, settings):
    from core.mail import send_test_message
    from core.outbox import deliver_due

    settings.EMAIL_URL = ""  # keep the message on this machine, whatever the environment says
    message = send_test_message(to="x@example.com")
    assert deliver_due() == ["sent"]

    login(
        page,
        "operatore",
        STAFF_PASSWORD,
        otp=lambda: totp_code(staff_user.otp_device),
        check=axe_check,
    )
    expect(header(page).get_by_role("button", name="Esci")).to_be_visible()
    page.goto("/posta/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Posta inviata dal portale")
    row = page.get_by_role("row").filter(has_text="x@example.com")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("inviato")
    axe_check(page)

    row.get_by_role("link", name=message.subject).click()
    expect(page).to_have_url(re.compile(rf"/posta/{message.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(message.subject)
    expect(page.locator(".sp-mail-body")).to_contain_text(
        "questo è un messaggio di prova dei servizi online"
    )
    expect(page.locator("main")).to_contain_text("x@example.com")
    axe_check(page)
    console_of(page).assert_clean()


def test_mailbox_is_hidden_from_anonymous_visitors(page, axe_check, settings):
    """Like every staff page, the mailbox sends an anonymous visitor to the login page and
    shows nothing of the mail."""
    from core.mail import send_test_message

    settings.DEBUG = False
    send_test_message(to="x@example.com")
    response = page.goto("/posta/")
    assert response.status == 200
    assert "/accedi/" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Accesso utente")
    expect(page.locator("body")).not_to_contain_text("x@example.com")
    axe_check(page)
    console_of(page).assert_clean()
