import html
import re
from datetime import date, timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.models import AccountEvent, Consent, EmailToken, UserSession

from .helpers import (
    CF_ALICE,
    CF_ALICE_MASKED,
    OTHER_STRONG_PASSWORD,
    STRONG_PASSWORD,
    is_logged_in,
    link_in,
    logged_in_client,
    mails,
    the_mail,
)

ALICE_PASSWORD = "Alice-demo-2026!"
EXPIRY = date.today() + timedelta(days=900)


def text_of(response):
    return html.unescape(response.content.decode())


def error_next_to(response, field):
    found = re.search(rf'id="id_{field}_error">(.*?)</div>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


@pytest.fixture
def alice(alice):
    """Alice with the identity data that registration asks for."""
    alice.codice_fiscale = CF_ALICE
    alice.phone_landline = "+390491234567"
    alice.phone_mobile = "+393471234567"
    alice.document_type = "patente"
    alice.document_number = "PD1234567X"
    alice.document_expiry = EXPIRY
    alice.document_issuer = "Motorizzazione di Padova"
    alice.email_confirmed_at = timezone.now()
    alice.save()
    return alice


@pytest.fixture
def browser(alice):
    return logged_in_client(alice, ALICE_PASSWORD)


def profile_data(**overrides):
    data = {
        "email": "alice.rossi@example.com",
        "kind": "person",
        "first_name": "Alice",
        "last_name": "Rossi",
        "company_name": "",
        "codice_fiscale": CF_ALICE,
        "partita_iva": "",
        "phone_landline": "049 123 4567",
        "phone_mobile": "347 123 4567",
        "document_type": "patente",
        "document_number": "PD1234567X",
        "document_expiry": EXPIRY.strftime("%d/%m/%Y"),
        "document_issuer": "Motorizzazione di Padova",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Visualizza profilo ----------------------------------------------------------------------


def test_the_profile_shows_the_data_with_the_codice_fiscale_masked(browser, alice):
    page = text_of(browser.get("/profilo/"))
    assert "Visualizza profilo" in page
    assert CF_ALICE_MASKED in page
    assert CF_ALICE not in page
    for shown in ("alice.rossi@example.com", "049 123 4567", "347 123 4567", "Patente di guida"):
        assert shown in page
    assert EXPIRY.strftime("%d/%m/%Y") in page
    assert "Motorizzazione di Padova" in page


@pytest.mark.parametrize(
    "path", ["/profilo/", "/profilo/attivita/", "/profilo/credenziali/", "/profilo/elimina/"]
)
def test_no_profile_page_shows_the_whole_codice_fiscale(browser, path):
    assert CF_ALICE not in browser.get(path).content.decode()


# --- Modifica profilo web --------------------------------------------------------------------


def test_the_edit_form_starts_from_the_current_data(browser):
    page = text_of(browser.get("/profilo/modifica/"))
    assert "Modifica profilo web" in page
    for value in ("alice.rossi@example.com", "Alice", "Rossi", CF_ALICE, "PD1234567X"):
        assert f'value="{value}"' in page
    assert f'value="{EXPIRY.strftime("%d/%m/%Y")}"' in page


def test_an_edit_changes_what_was_changed_and_keeps_the_rest(browser, alice):
    response = browser.post(
        "/profilo/modifica/",
        profile_data(phone_mobile="+39 333 765 4321", document_issuer="Comune di Padova"),
        follow=True,
    )
    assert response.redirect_chain == [("/profilo/", 302)]
    assert "Il profilo web è stato aggiornato." in text_of(response)
    alice.refresh_from_db()
    assert alice.phone_mobile == "+393337654321"
    assert alice.document_issuer == "Comune di Padova"
    assert alice.codice_fiscale == CF_ALICE
    assert alice.phone_landline == "+390491234567"
    assert alice.document_expiry == EXPIRY
    assert alice.email == "alice.rossi@example.com"
    assert AccountEvent.objects.filter(user=alice, kind=AccountEvent.Kind.PROFILE_CHANGED).exists()
    assert mails() == [], "no e-mail change, no mail"


@pytest.mark.parametrize(
    ("field", "change", "message"),
    [
        ("codice_fiscale", {"codice_fiscale": CF_ALICE[:-1] + "A"}, "non è valido"),
        ("codice_fiscale", {"codice_fiscale": ""}, "devono indicare il codice fiscale"),
        ("phone_mobile", {"phone_mobile": "049 123 4567"}, "cellulare valido"),
        ("document_expiry", {"document_expiry": "01/01/2021"}, "scaduto"),
        ("email", {"email": "non-un-indirizzo"}, "indirizzo e-mail valido"),
        ("partita_iva", {"kind": "company", "company_name": "Rossi S.r.l."}, "partita IVA"),
    ],
)
def test_an_edit_is_checked_like_a_registration(browser, alice, field, change, message):
    response = browser.post("/profilo/modifica/", profile_data(document_issuer="Nuovo", **change))
    assert response.status_code == 200
    assert message in error_next_to(response, field)
    assert 'value="Nuovo"' in response.content.decode(), "the other values are kept"
    alice.refresh_from_db()
    assert alice.document_issuer == "Motorizzazione di Padova", "nothing saved"
    assert alice.kind == "person"


def test_news_consent_changes_are_appended(browser, alice):
    browser.post("/profilo/modifica/", profile_data(news_consent="on"))
    browser.post("/profilo/modifica/", profile_data(news_consent="on"))  # no change, no row
    browser.post("/profilo/modifica/", profile_data())
    history = list(
        Consent.objects.filter(user=alice, kind=Consent.Kind.NEWS)
        .order_by("at")
        .values_list("granted", flat=True)
    )
    assert history == [True, False]
    assert "no" in text_of(browser.get("/profilo/"))


# --- e-mail change ---------------------------------------------------------------------------


def test_a_new_address_counts_only_after_its_link(browser, alice):
    response = browser.post(
        "/profilo/modifica/", profile_data(email="alice@nuovo.example"), follow=True
    )
    assert "il cambio vale dopo che lo avrai aperto" in text_of(response)

    confirmation = the_mail("email_change_confirm", to="alice@nuovo.example")
    notice = the_mail("email_change_notice", to="alice.rossi@example.com")
    assert "alice@nuovo.example" in notice.body_text
    alice.refresh_from_db()
    assert alice.email == "alice.rossi@example.com"

    link = link_in(confirmation)
    assert browser.get(link).status_code == 200
    alice.refresh_from_db()
    assert alice.email == "alice.rossi@example.com", "opening the link changes nothing"

    response = browser.post(link, follow=True)
    assert "Il nuovo indirizzo e-mail è confermato." in text_of(response)
    alice.refresh_from_db()
    assert alice.email == "alice@nuovo.example"
    assert AccountEvent.objects.filter(user=alice, kind=AccountEvent.Kind.EMAIL_CHANGED).exists()
    assert browser.post(link).status_code == 410, "once only"


def test_the_email_change_link_expires(browser, alice):
    browser.post("/profilo/modifica/", profile_data(email="alice@nuovo.example"))
    EmailToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = browser.post(link_in(the_mail("email_change_confirm")))
    assert response.status_code == 410
    alice.refresh_from_db()
    assert alice.email == "alice.rossi@example.com"


def test_an_address_already_in_use_is_not_revealed(browser, alice, bob):
    response = browser.post(
        "/profilo/modifica/", profile_data(email=bob.email.upper()), follow=True
    )
    assert "il cambio vale dopo che lo avrai aperto" in text_of(response)
    assert mails("email_change_confirm") == []
    assert the_mail("email_change_taken", to=bob.email.upper())
    assert the_mail("email_change_notice", to=alice.email)
    alice.refresh_from_db()
    assert alice.email == "alice.rossi@example.com"


# --- Modifica credenziali di accesso ---------------------------------------------------------


def change_password(browser, current, new=STRONG_PASSWORD, repeat=None):
    return browser.post(
        "/profilo/credenziali/",
        {"current_password": current, "password1": new, "password2": repeat or new},
    )


def test_changing_the_password_needs_the_current_one(browser, alice):
    response = change_password(browser, "sbagliata")
    assert response.status_code == 200
    assert "La password attuale non è corretta." in error_next_to(response, "current_password")
    alice.refresh_from_db()
    assert alice.check_password(ALICE_PASSWORD)
    assert mails() == []


def test_guessing_the_current_password_is_throttled_like_the_login(browser, alice):
    """The current password is a login in disguise: a stolen session must not become a way
    to guess it. Ten failures lock it for the cool-off (django-axes' numbers) with a clear
    message and 429; the session stays open."""
    for _ in range(9):
        assert change_password(browser, "sbagliata").status_code == 200
    response = change_password(browser, "sbagliata")
    assert response.status_code == 429, "the tenth locks"
    assert "Troppi tentativi" in error_next_to(response, "current_password")
    assert "riprova tra 15 minuti" in error_next_to(response, "current_password")

    response = change_password(browser, ALICE_PASSWORD, OTHER_STRONG_PASSWORD)
    assert response.status_code == 429, "even the right password waits"
    assert "riprova tra 15 minuti" in error_next_to(response, "current_password")
    assert "Nuova password" in text_of(response), "the form is still there"
    alice.refresh_from_db()
    assert alice.check_password(ALICE_PASSWORD)
    assert is_logged_in(browser), "the owner is not logged out"
    assert mails("password_changed") == []


def test_the_current_password_shares_the_logins_counter(browser, alice):
    same_address = Client()
    for _ in range(5):
        change_password(browser, "sbagliata")
    for _ in range(5):
        same_address.post("/accedi/", {"username": "alice", "password": "sbagliata"})
    assert change_password(browser, ALICE_PASSWORD).status_code == 429
    response = same_address.post("/accedi/", {"username": "alice", "password": ALICE_PASSWORD})
    assert response.status_code == 429


def test_the_new_passwords_are_not_kept_with_the_failed_attempt(browser, alice):
    change_password(browser, "sbagliata", OTHER_STRONG_PASSWORD)
    attempt = AccessAttempt.objects.get()
    assert OTHER_STRONG_PASSWORD not in attempt.post_data
    assert "sbagliata" not in attempt.post_data


@pytest.mark.parametrize("new", ["password", "alice.rossi", "12345678901", "corta"])
def test_the_new_password_follows_the_rules(browser, alice, new):
    response = change_password(browser, ALICE_PASSWORD, new)
    assert response.status_code == 200
    assert "password" in error_next_to(response, "password1")
    alice.refresh_from_db()
    assert alice.check_password(ALICE_PASSWORD)


def test_changing_the_password_ends_the_other_sessions_and_tells_the_customer(browser, alice):
    phone = logged_in_client(alice, ALICE_PASSWORD, HTTP_USER_AGENT="Mozilla/5.0 (Android)")
    phone_key = phone.session.session_key

    response = change_password(browser, ALICE_PASSWORD)

    assert response.url == "/profilo/"
    assert is_logged_in(browser), "this session goes on"
    assert not is_logged_in(phone)
    assert not Session.objects.filter(session_key=phone_key).exists()
    alice.refresh_from_db()
    assert alice.check_password(STRONG_PASSWORD)
    assert the_mail("password_changed", to=alice.email)
    assert AccountEvent.objects.filter(user=alice, kind=AccountEvent.Kind.PASSWORD_CHANGED).exists()


def test_after_a_password_change_the_session_is_still_listed_as_this_one(browser, alice):
    change_password(browser, ALICE_PASSWORD)
    key = browser.session.session_key
    assert list(UserSession.objects.filter(user=alice).values_list("session_key", flat=True)) == [
        key
    ]
    assert "questa sessione" in text_of(browser.get("/profilo/attivita/"))


# --- Attività --------------------------------------------------------------------------------


def test_activity_lists_logins_and_failed_attempts(alice):
    Client(REMOTE_ADDR="203.0.113.5").post(
        "/accedi/", {"username": "alice", "password": "sbagliata"}
    )
    browser = logged_in_client(alice, ALICE_PASSWORD, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux)")
    page = text_of(browser.get("/profilo/attivita/"))
    assert "Tentativo di accesso non riuscito" in page
    assert "Accesso" in page
    assert "Sessioni aperte" in page
    assert "questa sessione" in page


def test_the_customer_can_end_another_session(browser, alice):
    phone = logged_in_client(alice, ALICE_PASSWORD, HTTP_USER_AGENT="Mozilla/5.0 (Android)")
    phone_key = phone.session.session_key
    phone_row = UserSession.objects.get(session_key=phone_key)
    page = browser.get("/profilo/attivita/").content.decode()
    assert f'name="session" value="{phone_row.pk}"' in page
    # session keys are as good as login cookies: the page never shows them
    assert phone_key not in page
    assert browser.session.session_key not in page

    response = browser.post("/profilo/attivita/chiudi/", {"session": phone_row.pk}, follow=True)

    assert "La sessione è stata chiusa." in text_of(response)
    assert not is_logged_in(phone)
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert is_logged_in(browser)
    assert AccountEvent.objects.filter(user=alice, kind=AccountEvent.Kind.SESSION_ENDED).exists()


def test_the_customer_can_end_every_other_session(browser, alice):
    others = [logged_in_client(alice, ALICE_PASSWORD) for _ in range(2)]
    response = browser.post("/profilo/attivita/chiudi-altre/", follow=True)
    assert "Sessioni chiuse: 2." in text_of(response)
    assert not any(is_logged_in(other) for other in others)
    assert is_logged_in(browser)


def test_nobody_can_end_someone_elses_session(browser, bob):
    bobs = logged_in_client(bob, "Roberto-demo-2026!")
    bobs_row = UserSession.objects.get(session_key=bobs.session.session_key)
    response = browser.post("/profilo/attivita/chiudi/", {"session": bobs_row.pk})
    assert response.status_code == 404
    assert is_logged_in(bobs)


def test_ending_the_current_session_there_is_logout(browser):
    own_row = UserSession.objects.get(session_key=browser.session.session_key)
    response = browser.post("/profilo/attivita/chiudi/", {"session": own_row.pk})
    assert response.status_code == 404
    assert is_logged_in(browser)


def test_ending_sessions_is_post_only(browser):
    assert browser.get("/profilo/attivita/chiudi/").status_code == 405
    assert browser.get("/profilo/attivita/chiudi-altre/").status_code == 405


# --- anonymous visitors ----------------------------------------------------------------------

PRIVATE_PAGES = [
    "/profilo/",
    "/profilo/modifica/",
    "/profilo/credenziali/",
    "/profilo/attivita/",
    "/profilo/due-passaggi/",
    "/profilo/elimina/",
    "/profilo/i-miei-dati/",
    "/profilo/i-miei-dati.json",
    "/profilo/i-miei-dati.csv",
    "/benvenuto/",
    "/benvenuto/password/",
]


@pytest.mark.parametrize("path", PRIVATE_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == f"/accedi/?next={path}"


@pytest.mark.parametrize("path", ["/profilo/attivita/chiudi/", "/profilo/attivita/chiudi-altre/"])
def test_anonymous_posts_are_sent_to_login(client, db, path):
    response = client.post(path, {"session": "x"})
    assert response.status_code == 302
    assert response.url.startswith("/accedi/?next=")
