"""Administrators manage staff: create (with a link to choose the password), give and take
roles, deactivate and reactivate; all audited, never a password shown or set."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.staff import ROLE_ADMIN, ROLE_CUSTOMER_SERVICE, ROLE_PRATICHE, role_groups
from accounts.tests.factories import staff_member
from accounts.tests.helpers import STRONG_PASSWORD, link_in, the_mail
from core.models import AuditEvent

User = get_user_model()


def role_ids(*names):
    return [g.pk for g in role_groups().filter(name__in=names)]


@pytest.fixture
def new_member_data(db):
    return {
        "username": "giulia.neri",
        "first_name": "Giulia",
        "last_name": "Neri",
        "email": "giulia.neri@example.com",
        "roles": role_ids(ROLE_CUSTOMER_SERVICE),
    }


def test_administrator_creates_a_staff_member_who_sets_the_password_then_2fa(
    admin_client, diana, new_member_data
):
    response = admin_client.post(reverse("backoffice:staff_create"), new_member_data)
    member = User.objects.get(username="giulia.neri")
    assert response["Location"] == reverse("backoffice:staff_member", args=[member.uid])
    assert member.is_staff and not member.is_superuser
    assert not member.has_usable_password()
    assert list(member.groups.values_list("name", flat=True)) == [ROLE_CUSTOMER_SERVICE]
    event = AuditEvent.objects.get(action="accounts.staff_create")
    assert event.actor == diana and event.detail == {"roles": [ROLE_CUSTOMER_SERVICE]}

    page = admin_client.get(response["Location"]).content.decode()
    assert "in attesa della password" in page
    assert 'type="password"' not in page and "argon2" not in page  # never shown nor set

    # The invitation carries a single-use link to the password page.
    invitation = the_mail("staff_invitation", to="giulia.neri@example.com")
    assert "giulia.neri" in invitation.body_text
    link = link_in(invitation)
    assert link.startswith("/password/nuova/")

    browser = Client()
    assert browser.get(link).status_code == 200
    response = browser.post(link, {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(STRONG_PASSWORD)
    assert member.is_confirmed
    assert browser.get(link).status_code == 410  # used once

    # First login: the authenticator must be set up before anything else.
    browser.post("/accedi/", {"username": "giulia.neri", "password": STRONG_PASSWORD})
    response = browser.get(reverse("backoffice:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor")


def test_creation_refuses_a_taken_username_or_address(admin_client, charlie, new_member_data):
    data = {**new_member_data, "username": "CHARLIE", "email": charlie.email.upper()}
    response = admin_client.post(reverse("backoffice:staff_create"), data)
    assert response.status_code == 400
    assert "già in uso" in response.content.decode()
    assert not AuditEvent.objects.filter(action="accounts.staff_create").exists()


def test_creation_needs_a_role(admin_client, new_member_data):
    response = admin_client.post(
        reverse("backoffice:staff_create"), {**new_member_data, "roles": []}
    )
    assert response.status_code == 400
    assert "Scegli almeno un ruolo" in response.content.decode()


def test_the_invitation_link_lasts_a_day_and_can_be_sent_again(admin_client, new_member_data):
    from datetime import timedelta

    from accounts.models import EmailToken

    admin_client.post(reverse("backoffice:staff_create"), new_member_data)
    member = User.objects.get(username="giulia.neri")
    token = EmailToken.objects.get(user=member)
    assert timedelta(hours=23) < token.expires_at - token.created_at <= timedelta(hours=24)
    admin_client.post(reverse("backoffice:staff_resend", args=[member.uid]))
    assert EmailToken.objects.filter(user=member).count() == 2
    token.refresh_from_db()
    assert not token.is_usable  # the earlier link stops working
    assert AuditEvent.objects.filter(action="accounts.staff_invitation").exists()


def test_give_and_take_roles_is_audited(admin_client, charlie):
    url = reverse("backoffice:staff_roles", args=[charlie.uid])
    admin_client.post(url, {"roles": role_ids(ROLE_PRATICHE)})
    assert list(charlie.groups.values_list("name", flat=True)) == [ROLE_PRATICHE]
    event = AuditEvent.objects.get(action="accounts.staff_roles")
    assert event.detail == {"added": [ROLE_PRATICHE], "removed": [ROLE_CUSTOMER_SERVICE]}
    assert event.object_id == str(charlie.pk)
    # Her rights follow at once.
    operator = Client()
    from conftest import login_verified

    login_verified(operator, charlie)
    assert operator.get(reverse("backoffice:users")).status_code == 404


def test_an_administrator_cannot_take_their_own_administrator_role(admin_client, diana):
    url = reverse("backoffice:staff_roles", args=[diana.uid])
    response = admin_client.post(url, {"roles": role_ids(ROLE_CUSTOMER_SERVICE)})
    assert response.status_code == 400
    assert "Non puoi togliere a te stesso il ruolo Amministratore" in response.content.decode()
    assert diana.groups.filter(name=ROLE_ADMIN).exists()
    assert not AuditEvent.objects.filter(action="accounts.staff_roles").exists()


def test_the_last_active_administrator_keeps_the_role(diana):
    from django.contrib.auth.models import Group, Permission
    from django.core.exceptions import ValidationError

    from accounts import staff

    # Someone who manages staff without being an administrator (a group made in the admin).
    head = Group.objects.create(name="Capo del personale")
    head.permissions.add(Permission.objects.get(codename="manage_staff"))
    actor = staff_member(None, username="capo")
    actor.groups.add(head)
    with pytest.raises(ValidationError):
        staff.set_roles(
            actor=actor, member=diana, roles=list(role_groups().exclude(name=ROLE_ADMIN))
        )
    with pytest.raises(ValidationError):
        staff.deactivate_staff(actor=actor, member=diana, reason="Prova")
    diana.refresh_from_db()
    assert diana.is_active and diana.groups.filter(name=ROLE_ADMIN).exists()

    other = staff_member(ROLE_ADMIN, username="secondo.admin")
    assert staff.deactivate_staff(actor=actor, member=diana, reason="Trasferita")
    with pytest.raises(ValidationError):
        staff.deactivate_staff(actor=actor, member=other, reason="Prova")


def test_deactivate_needs_a_reason_ends_sessions_and_reactivate(admin_client, charlie):
    from accounts.models import UserSession

    UserSession.objects.create(user=charlie, session_key="s" * 40)
    url = reverse("backoffice:staff_deactivate", args=[charlie.uid])
    assert admin_client.post(url, {"reason": ""}).status_code == 400
    admin_client.post(url, {"reason": "Fine del contratto"})
    charlie.refresh_from_db()
    assert not charlie.is_active
    assert charlie.blocked_reason == "Fine del contratto"
    assert not UserSession.objects.filter(user=charlie).exists()
    assert AuditEvent.objects.filter(action="accounts.staff_deactivate").exists()

    admin_client.post(
        reverse("backoffice:staff_reactivate", args=[charlie.uid]), {"reason": "Rientrata"}
    )
    charlie.refresh_from_db()
    assert charlie.is_active
    assert AuditEvent.objects.filter(action="accounts.staff_reactivate").exists()


def test_an_administrator_cannot_deactivate_themselves(admin_client, diana):
    response = admin_client.post(
        reverse("backoffice:staff_deactivate", args=[diana.uid]), {"reason": "Prova"}
    )
    assert response.status_code == 400
    diana.refresh_from_db()
    assert diana.is_active


def test_staff_pages_are_not_for_customers(admin_client, alice):
    for name in ("staff_member", "staff_roles", "staff_deactivate"):
        response = admin_client.post(reverse(f"backoffice:{name}", args=[alice.uid]))
        assert response.status_code == 404


def test_staff_list_shows_roles_and_state(admin_client, charlie, diana):
    html = admin_client.get(reverse("backoffice:staff")).content.decode()
    assert "charlie" in html and ROLE_CUSTOMER_SERVICE in html
    assert "diana" in html and ROLE_ADMIN in html
    assert "sp-stack" in html


def test_staff_list_query_count_does_not_grow(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse("backoffice:staff")).status_code == 200
        return len(captured)

    count()
    one = count()
    for i in range(10):
        staff_member(ROLE_PRATICHE, username=f"pratiche{i}")
    assert count() == one


def test_the_service_checks_the_permission(charlie, customer):
    from django.core.exceptions import PermissionDenied

    from accounts import staff

    with pytest.raises(PermissionDenied):
        staff.create_staff(
            actor=charlie,
            username="x",
            email="x@example.com",
            first_name="X",
            last_name="Y",
            roles=list(role_groups()),
        )
    with pytest.raises(PermissionDenied):
        staff.deactivate_staff(actor=charlie, member=charlie, reason="x")


def test_administrator_resets_a_lost_authenticator(admin_client, diana):
    """A staff member lost the phone: the administrator removes the authenticator and its
    codes, with a reason; the member's sessions end, they are told, and the next login asks
    to set up a new one."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from conftest import login_verified

    member = staff_member(ROLE_CUSTOMER_SERVICE, username="gino")
    browser = Client()
    login_verified(browser, member)
    StaticDevice.objects.create(user=member, name="recovery", confirmed=True)
    assert browser.get(reverse("backoffice:users")).status_code == 200
    url = reverse("backoffice:staff_reset_two_factor", args=[member.uid])

    page = admin_client.get(reverse("backoffice:staff_member", args=[member.uid]))
    assert "Azzera l'app di autenticazione" in page.content.decode()
    response = admin_client.post(url, {"otp-reason": ""})
    assert response.status_code == 400
    assert "Scrivi il motivo" in response.content.decode()
    assert TOTPDevice.objects.filter(user=member).exists()

    response = admin_client.post(url, {"otp-reason": "Telefono smarrito, verificato al telefono"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not StaticDevice.objects.filter(user=member).exists()
    event = AuditEvent.objects.get(action="accounts.reset_two_factor")
    assert event.actor == diana
    assert event.detail["reason"] == "Telefono smarrito, verificato al telefono"
    assert "azzerata" in the_mail("two_factor_reset", to=member.email).subject
    # The old session is gone; a new login must set up the authenticator first.
    assert browser.get(reverse("backoffice:users"))["Location"].startswith(
        reverse("accounts:login")
    )
    browser.force_login(member)
    assert browser.get(reverse("backoffice:users"))["Location"] == reverse("accounts:two_factor")
    # Nothing more to reset.
    admin_client.post(url, {"otp-reason": "di nuovo"})
    assert AuditEvent.objects.filter(action="accounts.reset_two_factor").count() == 1


def test_an_administrator_cannot_reset_their_own_authenticator(admin_client, diana):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    url = reverse("backoffice:staff_reset_two_factor", args=[diana.uid])
    response = admin_client.post(url, {"otp-reason": "prova"})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=diana).exists()


def test_a_look_alike_username_is_the_same_username(admin_client, charlie):
    """ "ｃharlie" (full-width c) logs in as charlie: it cannot be a second staff member."""
    response = admin_client.post(
        reverse("backoffice:staff_create"),
        {
            "username": "\uff43harlie",
            "first_name": "Finta",
            "last_name": "Carla",
            "email": "finta@example.com",
            "roles": role_ids(ROLE_CUSTOMER_SERVICE),
        },
    )
    assert response.status_code == 400
    assert "già in uso" in response.content.decode()
    assert not User.objects.filter(email="finta@example.com").exists()


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "abc", "1\x00"])
def test_a_forged_role_id_is_a_form_error_not_a_500(admin_client, new_member_data, value):
    response = admin_client.post(
        reverse("backoffice:staff_create"), {**new_member_data, "roles": [value]}
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="giulia.neri").exists()
