import pytest
from django.urls import reverse

from accounts.models import AccountEvent
from accounts.tests.factories import UserFactory
from conftest import login_verified
from core.models import AuditEvent, OutboxMessage


@pytest.fixture
def staff_client(client, charlie):
    login_verified(client, charlie)
    return client


@pytest.fixture
def customer(db):
    return UserFactory(
        username="mario.rossi",
        first_name="Mario",
        last_name="Rossi",
        codice_fiscale="RSSMRA85T10A562S",
        email="mario.rossi@example.com",
    )


def test_customers_and_anonymous_visitors_cannot_reach_the_back_office(client, alice, customer):
    url = reverse("backoffice:user", args=[customer.uid])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(alice)
    for path in (reverse("backoffice:home"), reverse("backoffice:users"), url):
        assert client.get(path).status_code == 404


def test_staff_without_a_second_factor_are_sent_to_set_it_up(client, charlie):
    client.force_login(charlie)
    response = client.get(reverse("backoffice:users"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor")


@pytest.mark.parametrize(
    "term", ["mario.rossi", "MARIO.ROSSI@example.com", "Rossi", "rssmra85t10a562s"]
)
def test_staff_find_a_user_and_the_search_is_audited(staff_client, customer, term):
    html = staff_client.get(reverse("backoffice:users"), {"q": term}).content.decode()
    assert "mario.rossi" in html
    event = AuditEvent.objects.get(action="backoffice.search_users")
    assert event.detail["shown"] == [str(customer.uid)]


def test_detail_shows_status_consents_activity_and_is_audited(staff_client, charlie, customer):
    AccountEvent.objects.create(user=customer, kind=AccountEvent.Kind.LOGIN, ip="93.45.12.1")
    html = staff_client.get(reverse("backoffice:user", args=[customer.uid])).content.decode()
    assert "Mario Rossi" in html
    assert "Accesso" in html
    assert "password" not in html.lower().replace("nuova password", "")
    event = AuditEvent.objects.get(action="backoffice.view_user")
    assert event.actor == charlie
    assert event.object_id == str(customer.pk)


def test_block_needs_a_reason_then_ends_sessions_and_unblock(staff_client, client, customer):
    url = reverse("backoffice:block", args=[customer.uid])
    response = staff_client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Scrivi il motivo" in response.content.decode()

    staff_client.post(url, {"reason": "Segnalazione di uso improprio"})
    customer.refresh_from_db()
    assert not customer.is_active
    assert customer.blocked_reason == "Segnalazione di uso improprio"
    assert AuditEvent.objects.filter(action="accounts.block").exists()

    staff_client.post(reverse("backoffice:unblock", args=[customer.uid]), {"reason": "Chiarito"})
    customer.refresh_from_db()
    assert customer.is_active
    assert AuditEvent.objects.filter(action="accounts.unblock").exists()


def test_resend_confirmation_only_for_unconfirmed_profiles(staff_client, customer):
    url = reverse("backoffice:resend", args=[customer.uid])
    staff_client.post(url)
    assert OutboxMessage.objects.filter(kind="welcome", to=customer.email).count() == 1
    customer.email_confirmed_at = customer.date_joined
    customer.save()
    staff_client.post(url)
    assert OutboxMessage.objects.filter(kind="welcome").count() == 1


def test_search_results_page_query_count_does_not_grow(staff_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as captured:
            staff_client.get(reverse("backoffice:users"), {"q": "rossi"})
        return len(captured)

    UserFactory(last_name="Rossi")
    count()
    one = count()
    for _ in range(20):
        UserFactory(last_name="Rossi")
    assert count() == one
