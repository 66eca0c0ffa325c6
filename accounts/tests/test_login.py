import html
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts import staff
from accounts.models import AccountEvent, UserSession

from .factories import UserFactory
from .helpers import CAPTCHA_PASSED, GENERIC_LOGIN_ERROR, is_logged_in, mails, the_mail

ALICE_PASSWORD = "Alice-demo-2026!"
ATTACKER = "203.0.113.66"
ELSEWHERE = "198.51.100.20"


def login(browser, username, password, captcha_0=None, captcha_1=None, **extra):
    data = {"username": username, "password": password}
    if captcha_1 is not None:
        data.update(captcha_0=captcha_0, captcha_1=captcha_1)
    return browser.post("/accedi/", data, **extra)


def errors_of(response):
    """The alert and field messages of the login page, as text."""
    content = response.content.decode()
    blocks = re.findall(r'class="(?:invalid-feedback|alert[^"]*)"[^>]*>(.*?)</(?:div|p)>', content)
    return [html.unescape(re.sub(r"<[^>]+>", "", block)).strip() for block in blocks]


def fail(browser, username, times, **extra):
    for _ in range(times):
        response = login(browser, username, "sbagliata", **extra)
        assert response.status_code in (200, 429)


# --- the page and the way in -----------------------------------------------------------------


def test_login_page_has_the_guides_labels(client, db):
    page = html.unescape(client.get("/accedi/").content.decode())
    for label in ("Accesso utente", "Nome utente", "Password", ">Accedi<", ">Registrati<"):
        assert label in page
    assert "Richiedi nuova password" in page
    assert "oppure il tuo indirizzo e-mail" in page


@pytest.mark.parametrize(
    "username", ["alice", "ALICE", "alice.rossi@example.com", "Alice.Rossi@EXAMPLE.com"]
)
def test_login_by_username_or_email_in_any_case(client, alice, username):
    response = login(client, username, ALICE_PASSWORD)
    assert response.status_code == 302
    assert response.url == "/"
    assert "Alice Rossi" in client.get("/").content.decode()


def test_login_then_logout(client, alice):
    login(client, "alice", ALICE_PASSWORD)
    assert client.get("/esci/").status_code == 405, "logout is a POST, never a link"
    response = client.post("/esci/", follow=True)
    assert "Sei uscito dall'area riservata." in html.unescape(response.content.decode())
    assert "Alice Rossi" not in client.get("/").content.decode()
    assert client.get("/profilo/").status_code == 302


def test_login_goes_back_to_the_page_asked_for_but_never_elsewhere(client, alice):
    response = client.post(
        "/accedi/?next=/profilo/",
        {"username": "alice", "password": ALICE_PASSWORD, "next": "/profilo/attivita/"},
    )
    assert response.url == "/profilo/attivita/"
    client.post("/esci/")
    response = client.post(
        "/accedi/",
        {"username": "alice", "password": ALICE_PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == "/"


def test_a_logged_in_customer_visiting_the_login_page_goes_on(client, alice):
    client.force_login(alice)
    assert client.get("/accedi/?next=/profilo/").url == "/profilo/"


def test_login_records_the_session_and_the_event(client, alice):
    login(client, "alice", ALICE_PASSWORD, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64)")
    session = UserSession.objects.get(user=alice)
    assert session.session_key == client.session.session_key
    assert session.ip == "127.0.0.1"
    event = AccountEvent.objects.get(user=alice, kind=AccountEvent.Kind.LOGIN)
    assert event.ip == "127.0.0.1"


# --- one generic message ---------------------------------------------------------------------


def test_one_generic_message_for_a_wrong_password_and_an_unknown_user(client, alice):
    answers = {}
    for username in ("alice", "nessuno", "nessuno@example.com"):
        response = login(client, username, "sbagliata")
        assert response.status_code == 200
        page = response.content.decode()
        assert f'value="{username}"' in page, "the username is kept"
        assert "sbagliata" not in page, "the password is not"
        answers[username] = errors_of(response)
    assert answers["alice"] == answers["nessuno"] == answers["nessuno@example.com"]
    assert GENERIC_LOGIN_ERROR in answers["alice"]


def test_an_unconfirmed_profile_cannot_log_in(client, db):
    UserFactory(username="nuovo", password=None)  # no usable password until confirmed
    response = login(client, "nuovo", "")
    assert response.status_code == 200
    response = login(client, "nuovo", "qualunque-cosa")
    assert GENERIC_LOGIN_ERROR in errors_of(response)


def test_a_blocked_profile_cannot_log_in_and_is_not_told_why(client, alice, charlie):
    staff.block_user(user=alice, actor=charlie, reason="Segnalazione di furto d'identità")
    response = login(client, "alice", ALICE_PASSWORD)
    assert response.status_code == 200
    assert errors_of(response) == errors_of(login(Client(), "nessuno", "sbagliata"))
    assert "furto" not in response.content.decode()


def test_a_failed_login_is_recorded_for_the_owner(client, alice):
    login(client, "ALICE.ROSSI@example.com", "sbagliata")
    assert AccountEvent.objects.filter(user=alice, kind=AccountEvent.Kind.LOGIN_FAILED).count() == 1


# --- throttling (django-axes) ----------------------------------------------------------------


def test_ten_failures_lock_the_username_and_address_pair(client, alice):
    for _ in range(9):
        assert login(client, "alice", "sbagliata").status_code == 200
    assert login(client, "alice", "sbagliata").status_code == 429, "the tenth locks"

    response = login(client, "alice", ALICE_PASSWORD)
    assert response.status_code == 429
    assert "Troppi tentativi" in response.content.decode()
    assert client.get("/profilo/").status_code == 302


def test_nine_failures_do_not_lock(client, alice):
    fail(client, "alice", 9)
    assert login(client, "alice", ALICE_PASSWORD).status_code == 302


def test_a_strangers_attacks_do_not_lock_the_customer_out(alice, captcha_test_mode):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    fail(attacker, "alice", 12)
    assert login(attacker, "alice", ALICE_PASSWORD).status_code == 429

    customer = Client(REMOTE_ADDR=ELSEWHERE)
    response = login(customer, "alice", ALICE_PASSWORD, **CAPTCHA_PASSED)
    assert response.status_code == 302, "a CAPTCHA at most, never a lock"


def test_a_locked_address_can_still_log_in_to_another_profile(alice, bob):
    browser = Client(REMOTE_ADDR=ATTACKER)
    fail(browser, "alice", 10)
    assert login(browser, "bob", "Roberto-demo-2026!").status_code == 302


def test_alternating_username_and_email_does_not_double_the_attempts(client, alice):
    fail(client, "alice", 5)
    fail(client, "Alice.Rossi@example.com", 5)
    assert login(client, "alice", ALICE_PASSWORD).status_code == 429


def test_the_lock_lasts_fifteen_minutes(client, alice):
    fail(client, "alice", 10)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert login(client, "alice", ALICE_PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert login(client, "alice", ALICE_PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(client, alice):
    fail(client, "alice", 9)
    assert login(client, "alice", ALICE_PASSWORD).status_code == 302
    client.post("/esci/")

    fail(client, "alice", 9)
    assert login(client, "alice", ALICE_PASSWORD).status_code == 302


def test_unknown_usernames_are_throttled_like_real_ones(client, db):
    fail(client, "nessuno", 10)
    response = login(client, "nessuno", "sbagliata")
    assert response.status_code == 429


# --- per-account soft limit: addresses change, the profile does not -------------------------


def addresses(count):
    """Clients from `count` different addresses, as a botnet or rotating IPv6 ones."""
    return [Client(REMOTE_ADDR=f"192.0.2.{n}") for n in range(1, count + 1)]


def captcha_asked(response):
    return 'name="captcha_1"' in response.content.decode()


def test_ten_failures_from_anywhere_ask_the_owner_for_a_captcha_too(alice, captcha_test_mode):
    for browser in addresses(9):
        fail(browser, "alice", 1)
    response = login(Client(REMOTE_ADDR=ELSEWHERE), "alice", "sbagliata")
    assert not captcha_asked(response), "nine failures change nothing"

    customer = Client(REMOTE_ADDR="198.51.100.77")
    response = login(customer, "alice", ALICE_PASSWORD)
    assert response.status_code == 200, "the password alone is no longer enough"
    assert captcha_asked(response)
    assert "molti tentativi di accesso non riusciti" in html.unescape(response.content.decode())
    assert 'value="alice"' in response.content.decode(), "the username is kept"
    assert not is_logged_in(customer)

    response = login(customer, "alice", ALICE_PASSWORD, captcha_0="x", captcha_1="WRONG")
    assert response.status_code == 200
    assert not is_logged_in(customer)

    response = login(customer, "alice", ALICE_PASSWORD, **CAPTCHA_PASSED)
    assert response.status_code == 302
    assert is_logged_in(customer)


def test_without_the_captcha_the_password_is_not_even_tried(alice):
    for browser in addresses(10):
        fail(browser, "alice", 1)
    before = AccountEvent.objects.filter(kind=AccountEvent.Kind.LOGIN_FAILED).count()
    guesser = Client(REMOTE_ADDR="198.51.100.78")
    for _ in range(20):
        assert login(guesser, "alice", "sbagliata").status_code == 200
    assert AccountEvent.objects.filter(kind=AccountEvent.Kind.LOGIN_FAILED).count() == before
    assert login(guesser, "alice", ALICE_PASSWORD).status_code == 200, "never a lock"


def test_unknown_names_ask_for_a_captcha_alike(db):
    for browser in addresses(10):
        fail(browser, "nessuno", 1)
    assert captcha_asked(login(Client(REMOTE_ADDR=ELSEWHERE), "nessuno", "sbagliata"))
    assert mails() == []


def test_the_soft_limit_follows_its_setting(alice, settings):
    settings.LOGIN_ACCOUNT_SOFT_LIMIT = 3
    for browser in addresses(3):
        fail(browser, "alice", 1)
    assert captcha_asked(login(Client(REMOTE_ADDR=ELSEWHERE), "alice", ALICE_PASSWORD))


@pytest.mark.parametrize(
    "look_alike", ["\uff41\uff4c\uff49\uff43\uff45", "ALICE", "alice.rossi\uff20example.com"]
)
def test_a_look_alike_name_is_the_same_profile_for_the_soft_limit(alice, settings, look_alike):
    """Full-width letters or @ are read as "alice" by the login form (NFKC): the CAPTCHA and
    the owner's warning must follow the profile, not the typed characters."""
    settings.LOGIN_ACCOUNT_SOFT_LIMIT = 3
    for browser in addresses(3):
        fail(browser, "alice", 1)
    response = login(Client(REMOTE_ADDR=ELSEWHERE), look_alike, ALICE_PASSWORD)
    assert captcha_asked(response)
    assert mails("login_attempts", to=alice.email)


def test_a_soft_limit_of_zero_turns_it_off(alice, settings):
    settings.LOGIN_ACCOUNT_SOFT_LIMIT = 0
    for browser in addresses(12):
        fail(browser, "alice", 1)
    assert not captcha_asked(login(Client(REMOTE_ADDR=ELSEWHERE), "alice", ALICE_PASSWORD))
    assert mails("login_attempts") == []


def test_the_captcha_is_asked_only_within_the_cool_off(alice):
    for browser in addresses(10):
        fail(browser, "alice", 1)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert login(Client(REMOTE_ADDR=ELSEWHERE), "alice", ALICE_PASSWORD).status_code == 302


def test_the_owner_is_told_once_per_window(alice):
    for browser in addresses(14):
        fail(browser, "alice", 1)
    warning = the_mail("login_attempts", to=alice.email)
    assert "Qualcuno sta provando ad accedere al tuo profilo" in warning.subject
    text = warning.body_text
    assert "qualcuno sta provando ad accedere al tuo profilo alice" in text
    assert "10 tentativi" in text, "counted when the limit was reached"
    assert "/password/recupero/" in text
    assert "/profilo/due-passaggi/" in text
    assert ALICE_PASSWORD not in text

    # A new window, new failures: one more warning.
    past = timezone.now() - timedelta(minutes=16)
    AccessAttempt.objects.update(attempt_time=past)
    type(warning).objects.update(created_at=past)
    for browser in addresses(10):
        fail(browser, "alice", 1)
    assert len(mails("login_attempts", to=alice.email)) == 2


def test_no_warning_below_the_limit(alice):
    for browser in addresses(9):
        fail(browser, "alice", 1)
    assert mails("login_attempts") == []


# --- robustness ------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [255, 50_001])
def test_an_overlong_username_is_refused_before_any_lookup(client, alice, length):
    """SQLite refused a LIKE pattern this long with a 500 ("pattern too complex")."""
    response = login(client, "a" * length, "sbagliata")
    assert response.status_code == 200
    assert "al massimo 254 caratteri" in html.unescape(response.content.decode())
    assert not AccountEvent.objects.filter(kind=AccountEvent.Kind.LOGIN_FAILED).exists()


def test_a_username_of_254_characters_is_an_ordinary_failure(client, db):
    response = login(client, "a" * 254, "sbagliata")
    assert response.status_code == 200
    assert GENERIC_LOGIN_ERROR in errors_of(response)


# --- sessions --------------------------------------------------------------------------------


def test_the_session_key_changes_at_login(client, alice):
    session = client.session
    session["lingua"] = "it"
    session.save()
    before = session.session_key

    login(client, "alice", ALICE_PASSWORD)

    after = client.session.session_key
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.filter(session_key=after).exists()


def test_logout_ends_the_session_on_the_server(client, alice):
    login(client, "alice", ALICE_PASSWORD)
    key = client.session.session_key
    stolen_cookie = client.cookies["sessionid"].value

    client.post("/esci/")

    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    assert AccountEvent.objects.filter(user=alice, kind=AccountEvent.Kind.LOGOUT).exists()
    thief = Client()
    thief.cookies["sessionid"] = stolen_cookie
    assert thief.get("/profilo/").status_code == 302, "the old cookie opens nothing"


def test_a_failed_attempt_keeps_where_the_customer_was_going(client, alice):
    html = client.post(
        "/accedi/", {"username": "alice", "password": "sbagliata", "next": "/profilo/"}
    ).content.decode()
    assert 'name="next" value="/profilo/"' in html
    response = client.post(
        "/accedi/", {"username": "alice", "password": "Alice-demo-2026!", "next": "/profilo/"}
    )
    assert response["Location"] == "/profilo/"


def test_without_next_customers_land_home_with_next_where_they_were_going(alice):
    assert login(Client(), "alice", "Alice-demo-2026!").url == "/"
    data = {"username": "alice", "password": "Alice-demo-2026!", "next": "/profilo/"}
    assert Client().post("/accedi/", data).url == "/profilo/"
    data["next"] = "https://altrove.example/"
    assert Client().post("/accedi/", data).url == "/", "never off the site"


def test_staff_land_in_the_back_office(charlie):
    """(test_two_factor covers the second step and the set-up: /backoffice/ too.)"""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=charlie).delete()
    charlie.set_password("Charlie-prova-2026!")
    charlie.save()
    assert login(Client(), "charlie", "Charlie-prova-2026!").url == "/backoffice/"
