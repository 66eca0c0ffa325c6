import csv
import html
import io
import json
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountEvent, Consent, EmailToken, UserSession
from accounts.services.profile import set_news_consent
from accounts.services.recovery import request_password_reset
from core.models import AuditEvent

from .helpers import CF_ALICE, is_logged_in, logged_in_client, the_mail

User = get_user_model()
ALICE_PASSWORD = "Alice-demo-2026!"


def text_of(response):
    return html.unescape(response.content.decode())


def error_next_to(response, field):
    found = re.search(rf'id="id_{field}_error">(.*?)</div>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


@pytest.fixture
def alice(alice):
    """Alice as registration leaves her: identity data, consents, a confirmed address."""
    alice.codice_fiscale = CF_ALICE
    alice.phone_mobile = "+393471234567"
    alice.email_confirmed_at = timezone.now()
    alice.save()
    Consent.objects.create(
        user=alice,
        subject=alice.uid,
        kind=Consent.Kind.PRIVACY,
        granted=True,
        notice_version=settings.PRIVACY_NOTICE_VERSION,
    )
    set_news_consent(user=alice, granted=True)
    return alice


@pytest.fixture
def browser(alice):
    return logged_in_client(alice, ALICE_PASSWORD)


# --- Elimina profilo -------------------------------------------------------------------------


def test_deletion_asks_for_the_password(browser, alice):
    response = browser.post("/profilo/elimina/", {"password": "sbagliata", "confirm": "on"})
    assert response.status_code == 200
    assert "La password non è corretta." in error_next_to(response, "password")
    assert User.objects.filter(pk=alice.pk).exists()


def test_guessing_the_password_at_deletion_is_throttled_like_the_login(browser, alice):
    for _ in range(9):
        response = browser.post("/profilo/elimina/", {"password": "sbagliata", "confirm": "on"})
        assert response.status_code == 200
    response = browser.post("/profilo/elimina/", {"password": "sbagliata", "confirm": "on"})
    assert response.status_code == 429

    response = browser.post("/profilo/elimina/", {"password": ALICE_PASSWORD, "confirm": "on"})
    assert response.status_code == 429
    assert "Troppi tentativi" in error_next_to(response, "password")
    assert "riprova tra 15 minuti" in error_next_to(response, "password")
    assert re.search(r'<input[^>]*name="confirm"[^>]*checked', response.content.decode()), (
        "the ticked box stays ticked"
    )
    assert User.objects.filter(pk=alice.pk).exists()
    assert is_logged_in(browser), "the owner is not logged out"


def test_deletion_asks_for_a_clear_confirmation(browser, alice):
    page = text_of(browser.get("/profilo/elimina/"))
    assert "non potrò recuperarli" in page
    response = browser.post("/profilo/elimina/", {"password": ALICE_PASSWORD})
    assert "Spunta la casella" in error_next_to(response, "confirm")
    assert User.objects.filter(pk=alice.pk).exists()
    assert is_logged_in(browser)


def test_deletion_removes_the_profile_and_keeps_what_the_law_asks(browser, alice):
    phone = logged_in_client(alice, ALICE_PASSWORD)
    keys = list(UserSession.objects.filter(user=alice).values_list("session_key", flat=True))
    TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    request_password_reset(identifier="alice")
    pk, uid, email = alice.pk, alice.uid, alice.email

    response = browser.post(
        "/profilo/elimina/", {"password": ALICE_PASSWORD, "confirm": "on"}, follow=True
    )

    assert response.redirect_chain == [("/profilo/eliminato/", 302)]
    assert "Il tuo profilo web è stato eliminato." in text_of(response)
    assert not User.objects.filter(pk=pk).exists()
    # every session ended, on the server too
    assert not is_logged_in(browser)
    assert not is_logged_in(phone)
    assert not Session.objects.filter(session_key__in=keys).exists()
    # personal data that hangs from the profile is gone
    for model in (UserSession, AccountEvent, EmailToken, TOTPDevice):
        assert not model.objects.filter(user_id=pk).exists(), model.__name__
    # consent records stay, detached, with their opaque subject
    kept = Consent.objects.filter(subject=uid)
    assert kept.count() == 2
    assert set(kept.values_list("user", flat=True)) == {None}
    assert set(kept.values_list("kind", flat=True)) == {Consent.Kind.PRIVACY, Consent.Kind.NEWS}
    # the goodbye, and the audit trail
    goodbye = the_mail("goodbye", to=email)
    assert "eliminato" in goodbye.subject
    assert AuditEvent.objects.filter(action="accounts.profile_deleted", object_id=str(pk)).exists()


def test_after_deletion_the_old_credentials_open_nothing(browser, alice, client):
    browser.post("/profilo/elimina/", {"password": ALICE_PASSWORD, "confirm": "on"})
    response = client.post("/accedi/", {"username": "alice", "password": ALICE_PASSWORD})
    assert response.status_code == 200
    assert "Nome utente o password non corretti" in text_of(response)


def test_deletion_leaves_other_customers_alone(browser, alice, bob):
    bobs = logged_in_client(bob, "Roberto-demo-2026!")
    browser.post("/profilo/elimina/", {"password": ALICE_PASSWORD, "confirm": "on"})
    assert is_logged_in(bobs)
    assert User.objects.filter(pk=bob.pk).exists()


# --- Scarica i miei dati ---------------------------------------------------------------------


def test_the_data_page_offers_json_and_csv(browser):
    page = text_of(browser.get("/profilo/i-miei-dati/"))
    assert "Scarica i miei dati" in page
    assert 'href="/profilo/i-miei-dati.json"' in page
    assert 'href="/profilo/i-miei-dati.csv"' in page


def test_the_json_export_holds_the_profile_consents_and_activity(browser, alice, bob):
    response = browser.get("/profilo/i-miei-dati.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)

    profile = data["profilo"][0]
    assert profile["nome_utente"] == "alice"
    assert profile["email"] == alice.email
    assert profile["codice_fiscale"] == CF_ALICE
    assert profile["cellulare"] == "+393471234567"
    consents = {(c["consenso"], c["dato"]) for c in data["consensi"]}
    assert consents == {
        ("Presa visione dell'informativa sui servizi online", True),
        ("Notizie e avvisi via e-mail", True),
    }
    assert {c["versione_informativa"] for c in data["consensi"]} == {
        settings.PRIVACY_NOTICE_VERSION
    }
    assert "Accesso" in {e["evento"] for e in data["attivita"]}
    assert "Dati scaricati" not in {e["evento"] for e in data["attivita"]}, "logged after"
    assert len(data["sessioni"]) == 1
    assert bob.email not in response.content.decode()
    assert "password" not in json.dumps(data["profilo"]).lower()


def test_the_csv_export_holds_the_same_data(browser, alice, bob):
    response = browser.get("/profilo/i-miei-dati.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["sezione", "numero", "campo", "valore"]
    assert ["profilo", "1", "codice_fiscale", CF_ALICE] in rows
    assert ["profilo", "1", "email", alice.email] in rows
    consent_rows = [r for r in rows if r[0] == "consensi" and r[2] == "versione_informativa"]
    assert len(consent_rows) == 2
    assert bob.email not in response.content.decode()


def test_each_customer_downloads_only_their_own_data(client, alice, bob):
    client.force_login(bob)
    data = client.get("/profilo/i-miei-dati.json").json()
    assert data["profilo"][0]["nome_utente"] == "bob"
    assert data["consensi"] == []
    content = client.get("/profilo/i-miei-dati.csv").content.decode()
    assert CF_ALICE not in content and alice.email not in content


def test_staff_cannot_delete_their_own_profile(client, diana):
    """Administrators deactivate staff accounts instead: deleting one, the last
    administrator's included, would bypass the last-administrator rule and the audit log."""
    from django.contrib.auth import get_user_model

    from conftest import login_verified

    login_verified(client, diana)
    assert "/profilo/elimina/" not in client.get("/profilo/").content.decode()
    response = client.post("/profilo/elimina/", {"password": "x", "confirm": "on"})
    assert response.status_code == 404
    assert get_user_model().objects.filter(username="diana").exists()
