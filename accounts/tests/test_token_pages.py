"""The three token pages (registration confirmation, new password, new e-mail address)
answer alike: 404 for a link nobody issued, 410 for one expired or used, on GET and POST."""

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import EmailToken
from accounts.services.tokens import issue_token

PAGES = {
    EmailToken.Purpose.CONFIRM: "/registrati/conferma/{}/",
    EmailToken.Purpose.RESET: "/password/nuova/{}/",
    EmailToken.Purpose.EMAIL_CHANGE: "/profilo/email/{}/",
}


def token_for(user, purpose):
    return issue_token(
        user=user, purpose=purpose, validity=timedelta(hours=1), email="nuovo@example.com"
    )


@pytest.mark.parametrize("purpose", list(PAGES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_link_is_not_found(client, db, purpose, method):
    response = getattr(client, method)(PAGES[purpose].format("non-esiste"))
    assert response.status_code == 404
    assert "Link non più valido" in response.content.decode()


@pytest.mark.parametrize("purpose", list(PAGES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_is_gone(client, alice, purpose, method):
    token = token_for(alice, purpose)
    EmailToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = getattr(client, method)(PAGES[purpose].format(token))
    assert response.status_code == 410
    assert "è scaduto: vale" in response.content.decode()


@pytest.mark.parametrize("purpose", list(PAGES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_used_link_is_gone(client, alice, purpose, method):
    token = token_for(alice, purpose)
    EmailToken.objects.update(used_at=timezone.now())
    response = getattr(client, method)(PAGES[purpose].format(token))
    assert response.status_code == 410
    assert "già stato usato" in response.content.decode()


def test_the_expired_confirmation_offers_a_new_link_with_its_lifetime(client, alice):
    token = token_for(alice, EmailToken.Purpose.CONFIRM)
    EmailToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page = html.unescape(
        client.get(PAGES[EmailToken.Purpose.CONFIRM].format(token)).content.decode()
    )
    assert "Il link di conferma è scaduto: vale 24 ore." in page
    assert 'action="/registrati/nuovo-link/"' in page


def test_the_expired_reset_link_states_its_lifetime_and_offers_a_new_one(client, alice):
    token = token_for(alice, EmailToken.Purpose.RESET)
    EmailToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page = html.unescape(client.get(PAGES[EmailToken.Purpose.RESET].format(token)).content.decode())
    assert "Il link per la nuova password è scaduto: vale un'ora." in page
    assert 'href="/password/recupero/"' in page
    assert "nuovo-link" not in page
