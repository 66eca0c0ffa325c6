import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountEvent
from conftest import login_verified

from .helpers import is_logged_in, logged_in_client

ALICE_PASSWORD = "Alice-demo-2026!"
CHARLIE_PASSWORD = "Carla-demo-2026!"


def text_of(response):
    return html.unescape(response.content.decode())


def code(device, *, ahead=0):
    """What the authenticator app shows now (or `ahead` steps later: a code already used
    for this step is refused, as it should be)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=ahead)
    return f"{value:0{device.digits}d}"


def wait_after_failures(user):
    """django-otp makes each device wait 1, 2, 4 ... seconds after a wrong code (a right
    code is refused meanwhile): let that time pass."""
    an_hour_ago = timezone.now() - timedelta(hours=1)
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user, throttling_failure_count__gt=0).update(
            throttling_failure_timestamp=an_hour_ago
        )


def recovery_codes(response):
    block = re.search(r'id="recovery-codes">(.*?)</ul>', response.content.decode(), re.S).group(1)
    return re.findall(r"<li>(.*?)</li>", block)


def enable(browser, user):
    browser.get("/profilo/due-passaggi/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = browser.post("/profilo/due-passaggi/", {"token": code(device)})
    assert response.status_code == 200
    return TOTPDevice.objects.get(pk=device.pk), recovery_codes(response)


def login(browser, username, password, next_=""):
    return browser.post("/accedi/", {"username": username, "password": password, "next": next_})


@pytest.fixture
def browser(alice):
    browser = Client()
    assert login(browser, "alice", ALICE_PASSWORD).status_code == 302
    return browser


@pytest.fixture
def alice_with_two_factor(browser, alice):
    device, codes = enable(browser, alice)
    browser.post("/esci/")
    return device, codes


# --- turning it on ---------------------------------------------------------------------------


def test_the_setup_page_shows_a_qr_code_and_the_key(browser, alice):
    page = text_of(browser.get("/profilo/due-passaggi/"))
    device = TOTPDevice.objects.get(user=alice)
    assert not device.confirmed
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'id="totp-secret">(.*?)</code>', page).group(1)
    assert len(secret.replace(" ", "")) == 32
    assert "non attiva" in text_of(browser.get("/profilo/"))


def test_a_wrong_code_does_not_turn_it_on(browser, alice):
    browser.get("/profilo/due-passaggi/")
    response = browser.post("/profilo/due-passaggi/", {"token": "000000"})
    assert response.status_code == 400
    assert "Il codice non è valido" in text_of(response)
    assert not TOTPDevice.objects.filter(user=alice, confirmed=True).exists()


def test_a_right_code_turns_it_on_and_shows_ten_recovery_codes(browser, alice):
    device, codes = enable(browser, alice)
    assert device.confirmed
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=alice).count() == 10
    assert AccountEvent.objects.filter(user=alice, kind=AccountEvent.Kind.OTP_ENABLED).exists()
    assert "attiva" in text_of(browser.get("/profilo/"))
    assert "Ti restano 10 codici di recupero." in text_of(browser.get("/profilo/due-passaggi/"))


# --- logging in with it ----------------------------------------------------------------------


def test_login_then_asks_for_the_code(alice_with_two_factor):
    device, _ = alice_with_two_factor
    browser = Client()
    response = login(browser, "alice", ALICE_PASSWORD, next_="/profilo/attivita/")
    assert response.url == "/accedi/verifica/"
    assert not is_logged_in(browser), "the password alone is not enough"
    assert "Verifica in due passaggi" in text_of(browser.get("/accedi/verifica/"))

    response = browser.post("/accedi/verifica/", {"token": "123456"})
    assert response.status_code == 400
    assert "Il codice non è valido" in text_of(response)
    assert not is_logged_in(browser)

    wait_after_failures(device.user)
    response = browser.post("/accedi/verifica/", {"token": code(device, ahead=1)})
    assert response.url == "/profilo/attivita/"
    assert is_logged_in(browser)


def test_a_recovery_code_works_once(alice_with_two_factor, alice):
    _, codes = alice_with_two_factor
    browser = Client()
    login(browser, "alice", ALICE_PASSWORD)
    assert browser.post("/accedi/verifica/", {"token": codes[3]}).status_code == 302
    assert is_logged_in(browser)
    assert StaticToken.objects.filter(device__user=alice).count() == 9
    browser.post("/esci/")

    login(browser, "alice", ALICE_PASSWORD)
    response = browser.post("/accedi/verifica/", {"token": codes[3]})
    assert response.status_code == 400
    assert not is_logged_in(browser)
    wait_after_failures(alice)
    assert browser.post("/accedi/verifica/", {"token": codes[4]}).status_code == 302


def test_the_verification_step_expires_after_five_minutes(alice_with_two_factor):
    device, _ = alice_with_two_factor
    browser = Client()
    login(browser, "alice", ALICE_PASSWORD)
    session = browser.session
    session["sportello_2fa_pending"]["at"] -= 301
    session.save()

    response = browser.post("/accedi/verifica/", {"token": code(device, ahead=1)}, follow=True)
    assert response.redirect_chain[-1][0] == "/accedi/"
    assert "la verifica è scaduta" in text_of(response)
    assert not is_logged_in(browser)


def test_the_verification_step_needs_a_password_first(client, db):
    assert client.get("/accedi/verifica/").url == "/accedi/"


def test_guessing_codes_is_throttled(alice_with_two_factor):
    device, _ = alice_with_two_factor
    browser = Client()
    login(browser, "alice", ALICE_PASSWORD)
    for _ in range(10):
        browser.post("/accedi/verifica/", {"token": "000000"})
    response = browser.post("/accedi/verifica/", {"token": code(device, ahead=1)})
    assert "Troppi tentativi" in text_of(response)
    assert not is_logged_in(browser)


def test_a_customer_may_turn_it_off_with_the_password(browser, alice):
    enable(browser, alice)
    response = browser.post("/profilo/due-passaggi/", {"action": "disable", "password": "no"})
    assert response.status_code == 400
    assert "La password non è corretta" in text_of(response)
    assert TOTPDevice.objects.filter(user=alice, confirmed=True).exists()
    browser.post("/profilo/due-passaggi/", {"action": "disable", "password": ALICE_PASSWORD})
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert AccountEvent.objects.filter(user=alice, kind=AccountEvent.Kind.OTP_DISABLED).exists()
    browser.post("/esci/")
    assert login(browser, "alice", ALICE_PASSWORD).url == "/"


def new_codes(browser, password):
    return browser.post("/profilo/due-passaggi/", {"action": "codes", "password": password})


def test_new_recovery_codes_replace_the_old_ones(browser, alice):
    _, old = enable(browser, alice)
    new = recovery_codes(new_codes(browser, ALICE_PASSWORD))
    assert len(new) == 10
    assert not set(old) & set(new)
    assert StaticToken.objects.filter(device__user=alice, token__in=old).count() == 0


def test_new_recovery_codes_need_the_password_or_a_current_code(browser, alice):
    device, old = enable(browser, alice)
    for proof in ("", "sbagliata", "000000" if code(device, ahead=1) != "000000" else "111111"):
        response = new_codes(browser, proof)
        assert response.status_code == 400
        assert 'id="recovery-codes"' not in response.content.decode()
        wait_after_failures(alice)
    assert "La password o il codice non sono corretti." in text_of(new_codes(browser, "x"))
    assert set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True)) == (
        set(old)
    )

    by_code = recovery_codes(new_codes(browser, code(device, ahead=1)))
    assert len(by_code) == 10
    assert set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True)) == (
        set(by_code)
    )


def test_recovery_codes_exist_only_with_an_authenticator(browser, alice):
    """The hole: "Genera nuovi codici" posted without an authenticator gave codes that then
    passed for two-step verification."""
    response = new_codes(browser, ALICE_PASSWORD)
    assert response.status_code == 404
    assert not StaticDevice.objects.filter(user=alice).exists()


def test_leftover_codes_without_an_authenticator_are_not_a_second_step(browser, alice):
    """Codes made through the old hole (a static device, no authenticator) neither turn
    two-step verification on nor pass for it."""
    StaticDevice.objects.create(user=alice, name="recovery").token_set.create(token="abcd1234")
    browser.post("/esci/")
    assert "non attiva" in text_of(logged_in_client(alice, ALICE_PASSWORD).get("/profilo/"))
    assert login(Client(), "alice", ALICE_PASSWORD).url == "/", "no verification step asked"


def test_recovery_codes_go_with_the_authenticator(browser, alice):
    enable(browser, alice)
    TOTPDevice.objects.filter(user=alice).delete()  # as the admin would
    assert not StaticDevice.objects.filter(user=alice).exists()
    assert not StaticToken.objects.filter(device__user=alice).exists()


def test_an_unverified_session_gets_codes_only_with_the_apps_code(alice):
    """A session opened before the authenticator was set up elsewhere is not verified: the
    password alone must not buy recovery codes there."""
    before = logged_in_client(alice, ALICE_PASSWORD)
    device, old = enable(logged_in_client(alice, ALICE_PASSWORD), alice)
    response = new_codes(before, ALICE_PASSWORD)
    assert response.status_code == 400
    assert "codice di 6 cifre che l'app mostra" in text_of(response)
    assert set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True)) == (
        set(old)
    )
    assert len(recovery_codes(new_codes(before, code(device, ahead=1)))) == 10


def test_turning_it_off_is_throttled_like_the_login(browser, alice):
    enable(browser, alice)
    for _ in range(9):
        response = browser.post("/profilo/due-passaggi/", {"action": "disable", "password": "no"})
        assert response.status_code == 400
    response = browser.post("/profilo/due-passaggi/", {"action": "disable", "password": "no"})
    assert response.status_code == 429
    response = browser.post(
        "/profilo/due-passaggi/", {"action": "disable", "password": ALICE_PASSWORD}
    )
    assert response.status_code == 429
    assert "Troppi tentativi" in text_of(response)
    assert "riprova tra 15 minuti" in text_of(response)
    assert TOTPDevice.objects.filter(user=alice, confirmed=True).exists()
    assert is_logged_in(browser), "the owner is not logged out"


def test_new_codes_by_password_are_throttled_like_the_login(browser, alice):
    _, old = enable(browser, alice)
    for _ in range(10):
        new_codes(browser, "sbagliata")
    response = new_codes(browser, ALICE_PASSWORD)
    assert response.status_code == 429
    assert "riprova tra 15 minuti" in text_of(response)
    assert StaticToken.objects.filter(device__user=alice, token__in=old).count() == 10


# --- mandatory for staff ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/posta/", "/profilo/", "/backoffice/", "/"])
def test_staff_must_set_it_up_before_anything_else(client, charlie, path):
    TOTPDevice.objects.filter(user=charlie).delete()
    assert login(client, "charlie", CHARLIE_PASSWORD).status_code == 302
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == "/profilo/due-passaggi/"


def test_staff_set_up_then_go_on(client, charlie):
    TOTPDevice.objects.filter(user=charlie).delete()
    login(client, "charlie", CHARLIE_PASSWORD)
    page = text_of(client.get("/profilo/due-passaggi/"))
    assert "Per il personale la verifica in due passaggi è obbligatoria" in page

    enable(client, charlie)

    assert client.get("/posta/").status_code == 200


def test_staff_with_a_device_verify_at_login(client, charlie):
    TOTPDevice.objects.filter(user=charlie).delete()
    device = login_verified(Client(), charlie)  # gives charlie a confirmed device
    response = login(client, "charlie", CHARLIE_PASSWORD, next_="/posta/")
    assert response.url == "/accedi/verifica/"
    response = client.post("/accedi/verifica/", {"token": code(device, ahead=1)})
    assert response.url == "/posta/"
    assert client.get("/posta/").status_code == 200


def staff_without_an_authenticator(client, charlie):
    TOTPDevice.objects.filter(user=charlie).delete()
    assert login(client, "charlie", CHARLIE_PASSWORD).url == "/backoffice/"


STAFF_PAGES = ["/backoffice/", "/posta/", "/gestione/"]


def test_staff_cannot_skip_the_authenticator_with_recovery_codes(client, charlie):
    """The reported hole: staff without an authenticator posted action=codes, got ten codes
    and logged in with one into the back-office, the mailbox and the admin."""
    staff_without_an_authenticator(client, charlie)
    response = client.post("/profilo/due-passaggi/", {"action": "codes"})
    assert response.status_code == 404
    response = client.post(
        "/profilo/due-passaggi/", {"action": "codes", "password": CHARLIE_PASSWORD}
    )
    assert response.status_code == 404
    assert not StaticToken.objects.filter(device__user=charlie).exists()
    for path in STAFF_PAGES:
        assert client.get(path).url == "/profilo/due-passaggi/"


def test_staff_in_the_set_up_page_can_only_set_up(client, charlie):
    staff_without_an_authenticator(client, charlie)
    response = client.post(
        "/profilo/due-passaggi/", {"action": "disable", "password": CHARLIE_PASSWORD}
    )
    assert response.status_code == 404
    page = text_of(client.get("/profilo/due-passaggi/"))
    assert "Genera nuovi codici" not in page
    assert "Disattiva" not in page
    assert 'id="totp-secret"' in page


def test_a_session_verified_with_a_recovery_code_alone_does_not_count(client, charlie):
    """Codes without an authenticator (made through the old hole, or left after it was
    deleted) do not make a staff session verified."""
    TOTPDevice.objects.filter(user=charlie).delete()
    device = StaticDevice.objects.create(user=charlie, name="recovery")
    client.force_login(charlie)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    for path in STAFF_PAGES:
        assert client.get(path).url == "/profilo/due-passaggi/"


def test_staff_log_in_with_a_recovery_code_while_the_authenticator_exists(client, charlie):
    TOTPDevice.objects.filter(user=charlie).delete()
    device, codes = enable(logged_in_client(charlie, CHARLIE_PASSWORD), charlie)
    login(client, "charlie", CHARLIE_PASSWORD)
    assert client.post("/accedi/verifica/", {"token": codes[0]}).url == "/backoffice/"
    assert client.get("/posta/").status_code == 200

    device.delete()  # the authenticator goes (the admin, say): its codes stop counting
    assert client.get("/posta/").url == "/profilo/due-passaggi/"
    assert not StaticDevice.objects.filter(user=charlie).exists()


def test_staff_cannot_turn_it_off(client, charlie):
    login_verified(client, charlie)
    response = client.post("/profilo/due-passaggi/", {"action": "disable"})
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=charlie, confirmed=True).exists()
