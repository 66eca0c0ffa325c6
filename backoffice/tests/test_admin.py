"""The Django admin at /gestione/: administrators only; a customer's e-mail is read-only."""

import pytest
from django.urls import reverse

from conftest import login_verified


def test_a_logged_in_customer_gets_the_portals_404_not_a_login_loop(client, alice):
    client.force_login(alice)
    for path in ("/gestione/", "/gestione/login/", "/gestione/accounts/user/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Pagina non trovata" in response.content.decode()


def test_anonymous_visitors_go_to_the_portal_login(client, db):
    response = client.get("/gestione/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_an_operator_gets_a_404(client, charlie):
    login_verified(client, charlie)
    assert client.get("/gestione/").status_code == 404


def test_an_administrator_enters(client, diana):
    login_verified(client, diana)
    response = client.get("/gestione/")
    assert response.status_code == 200
    assert "Amministrazione" in response.content.decode()
    assert client.get("/gestione/login/")["Location"] == "/gestione/"


@pytest.fixture
def superuser_client(client, db):
    from accounts.tests.factories import UserFactory

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    login_verified(client, root)
    return client


def test_staff_cannot_change_a_customers_email_in_the_admin(superuser_client, alice):
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    html = superuser_client.get(url).content.decode()
    assert 'name="email"' not in html
    assert alice.email in html
    data = {
        "username": "alice",
        "email": "attacker@example.com",
        "first_name": "Alice",
        "last_name": "Rossi",
        "is_active": "on",
        "date_joined_0": "01/01/2026",
        "date_joined_1": "10:00:00",
    }
    superuser_client.post(url, data)
    alice.refresh_from_db()
    assert alice.email == "alice.rossi@example.com"


def test_profiles_are_read_only_in_the_admin(superuser_client, charlie, alice):
    """Ticking "staff" to make a customer's e-mail editable, or giving roles and activation
    here, would bypass the back-office's rules: nothing about a profile is edited here."""
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    superuser_client.post(url, {"username": "alice", "email": "x@example.com", "is_staff": "on"})
    alice.refresh_from_db()
    assert (alice.email, alice.is_staff) == ("alice.rossi@example.com", False)
    html = superuser_client.get(reverse("admin:accounts_user_change", args=[charlie.pk]))
    assert 'name="email"' not in html.content.decode()
    assert superuser_client.get(reverse("admin:accounts_user_add")).status_code == 403


def test_the_admins_password_change_is_the_portals(superuser_client):
    response = superuser_client.get(reverse("admin:password_change"))
    assert response["Location"] == reverse("accounts:password_change")


def test_two_step_devices_are_not_in_the_admin(superuser_client):
    html = superuser_client.get("/gestione/").content.decode()
    assert "otp_totp" not in html and "otp_static" not in html
    assert superuser_client.get("/gestione/otp_static/staticdevice/").status_code == 404
