import pytest
from django.urls import reverse

from accounts.models import AccountEvent
from accounts.tests.factories import UserFactory, staff_member
from core.models import AuditEvent, OutboxMessage


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


# --- staff accounts are out of an operator's reach ---------------------------------------------


@pytest.fixture
def deactivated_admin(db):
    admin = staff_member("Amministratore", username="ex.admin")
    admin.is_active = False
    admin.blocked_reason = "Ha lasciato l'azienda"
    admin.save()
    return admin


def test_operator_cannot_reactivate_a_deactivated_administrator(staff_client, deactivated_admin):
    url = reverse("backoffice:unblock", args=[deactivated_admin.uid])
    response = staff_client.post(url, {"reason": "Per favore"})
    assert response.status_code == 404
    deactivated_admin.refresh_from_db()
    assert not deactivated_admin.is_active
    assert not AuditEvent.objects.filter(action="accounts.unblock").exists()


def test_operator_cannot_see_an_administrators_sessions_and_addresses(staff_client, diana):
    from accounts.models import UserSession

    UserSession.objects.create(user=diana, session_key="k" * 40, ip="151.12.3.4")
    AccountEvent.objects.create(user=diana, kind=AccountEvent.Kind.LOGIN, ip="151.12.3.4")
    response = staff_client.get(reverse("backoffice:user", args=[diana.uid]))
    assert response.status_code == 404
    assert "151.12.3.4" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="backoffice.view_user").exists()


@pytest.mark.parametrize("name", ["block", "unblock", "resend"])
def test_operator_cannot_act_on_any_staff_account(staff_client, diana, name):
    diana.email_confirmed_at = None
    diana.save()
    response = staff_client.post(reverse(f"backoffice:{name}", args=[diana.uid]), {"reason": "x"})
    assert response.status_code == 404
    diana.refresh_from_db()
    assert diana.is_active
    assert not OutboxMessage.objects.filter(to=diana.email).exists()


def test_operator_search_does_not_list_staff(staff_client, diana):
    html = staff_client.get(reverse("backoffice:users"), {"q": "diana"}).content.decode()
    assert "diana.admin@example.com" not in html


def test_administrator_is_sent_to_the_staff_page_of_a_staff_account(admin_client, charlie):
    response = admin_client.get(reverse("backoffice:user", args=[charlie.uid]))
    assert response["Location"] == reverse("backoffice:staff_member", args=[charlie.uid])


def test_the_service_refuses_too(charlie, deactivated_admin, customer):
    from django.core.exceptions import PermissionDenied

    from accounts import staff

    with pytest.raises(PermissionDenied):
        staff.unblock_user(user=deactivated_admin, actor=charlie, reason="x")
    pratiche = staff_member("Operatore pratiche", username="paolo")
    with pytest.raises(PermissionDenied):
        staff.block_user(user=customer, actor=pratiche, reason="x")
    customer.refresh_from_db()
    assert customer.is_active


# --- the contracts a web user linked -----------------------------------------------------------


def test_detail_lists_the_linked_contracts_with_a_link_to_each(staff_client, customer):
    from customers.tests.factories import ContractFactory, LinkFactory

    link = LinkFactory(user=customer, contract=ContractFactory(supply_address="Via Po 3"))
    html = staff_client.get(reverse("backoffice:user", args=[customer.uid])).content.decode()
    contract = link.contract
    assert "Servizi collegati" in html
    for text in (contract.service_code, "ACQUA", "VIA PO 3 - VILLA DEL CONTE", "Attivo"):
        assert text in html
    assert link.created_at.strftime("%d/%m/%Y") in html
    assert reverse("backoffice:contract", args=[contract.service_code]) in html


def test_detail_query_count_does_not_grow_with_contracts_sessions_and_events(
    staff_client, customer
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from customers.tests.factories import ContractFactory, HolderFactory, LinkFactory

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert (
                staff_client.get(reverse("backoffice:user", args=[customer.uid])).status_code == 200
            )
        return len(captured)

    LinkFactory(user=customer)
    AccountEvent.objects.create(user=customer, kind=AccountEvent.Kind.LOGIN)
    count()
    one = count()
    for _ in range(10):
        LinkFactory(user=customer, contract=ContractFactory(holder=HolderFactory()))
        AccountEvent.objects.create(user=customer, kind=AccountEvent.Kind.LOGIN)
    assert count() == one


def test_customer_service_turns_off_a_lost_authenticator(client, charlie, alice):
    """The customer lost the phone with the app and the codes: after checking who they are,
    the operator turns two-step verification off, with a reason. Audited, sessions ended,
    the customer told; they log in with the password alone."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.tests.helpers import the_mail
    from conftest import login_verified
    from core.models import AuditEvent

    TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    StaticDevice.objects.create(user=alice, name="recovery", confirmed=True)
    login_verified(client, charlie)
    page = client.get(reverse("backoffice:user", args=[alice.uid])).content.decode()
    assert "Disattiva la verifica in due passaggi" in page
    url = reverse("backoffice:user_reset_two_factor", args=[alice.uid])
    response = client.post(url, {"otp-reason": ""})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=alice).exists()
    response = client.post(url, {"otp-reason": "Verificata con documento e codice cliente"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    event = AuditEvent.objects.get(action="accounts.reset_two_factor")
    assert event.actor == charlie
    notice = the_mail("two_factor_reset", to=alice.email)
    assert "disattivata" in notice.subject
    assert "Servizio Clienti" in notice.body_text
