"""Every back-office URL (and the mailbox) x every kind of visitor: allowed for the roles
with its permission, 404 for every other logged-in user, the login page for anonymous ones."""

import pytest
from django.urls import reverse

from accounts.tests.factories import staff_member
from core import mail
from customers.tests.factories import LinkFactory
from feeds.models import ImportJob

CS, PRATICHE, ADMIN = "cs", "pratiche", "admin"


@pytest.fixture
def objects(db, customer):
    link = LinkFactory(user=customer)
    return {
        "customer": customer,
        "link": link,
        "job": ImportJob.objects.create(source=ImportJob.Source.UPLOAD),
        "member": staff_member("Operatore pratiche", username="gino"),
        "message": mail.send_test_message(to="mario.rossi@example.com"),
    }


def _contract_url(name, o):
    args = [o["link"].contract.service_code]
    if name == "backoffice:contract_unlink":
        args.append(o["link"].uid)
    return reverse(name, args=args)


# (method, url(objects), roles allowed)
ENDPOINTS = {
    "home": ("get", lambda o: reverse("backoffice:home"), {CS, PRATICHE, ADMIN}),
    "users": ("get", lambda o: reverse("backoffice:users") + "?q=rossi", {CS, ADMIN}),
    "user": ("get", lambda o: reverse("backoffice:user", args=[o["customer"].uid]), {CS, ADMIN}),
    "resend": (
        "post",
        lambda o: reverse("backoffice:resend", args=[o["customer"].uid]),
        {CS, ADMIN},
    ),
    "block": ("post", lambda o: reverse("backoffice:block", args=[o["customer"].uid]), {CS, ADMIN}),
    "unblock": (
        "post",
        lambda o: reverse("backoffice:unblock", args=[o["customer"].uid]),
        {CS, ADMIN},
    ),
    "user_reset_two_factor": (
        "post",
        lambda o: reverse("backoffice:user_reset_two_factor", args=[o["customer"].uid]),
        {CS, ADMIN},
    ),
    "holders": ("get", lambda o: reverse("backoffice:holders") + "?q=rossi", {CS, ADMIN}),
    "contract": ("get", lambda o: _contract_url("backoffice:contract", o), {CS, ADMIN}),
    "contract_unlink": (
        "post",
        lambda o: _contract_url("backoffice:contract_unlink", o),
        {CS, ADMIN},
    ),
    "feeds": ("get", lambda o: reverse("backoffice:feeds"), {ADMIN}),
    "feeds_upload": ("post", lambda o: reverse("backoffice:feeds"), {ADMIN}),
    "feed": ("get", lambda o: reverse("backoffice:feed", args=[o["job"].uid]), {ADMIN}),
    "staff": ("get", lambda o: reverse("backoffice:staff"), {ADMIN}),
    "staff_create_form": ("get", lambda o: reverse("backoffice:staff_create"), {ADMIN}),
    "staff_create": ("post", lambda o: reverse("backoffice:staff_create"), {ADMIN}),
    "staff_member": (
        "get",
        lambda o: reverse("backoffice:staff_member", args=[o["member"].uid]),
        {ADMIN},
    ),
    "staff_roles": (
        "post",
        lambda o: reverse("backoffice:staff_roles", args=[o["member"].uid]),
        {ADMIN},
    ),
    "staff_deactivate": (
        "post",
        lambda o: reverse("backoffice:staff_deactivate", args=[o["member"].uid]),
        {ADMIN},
    ),
    "staff_reactivate": (
        "post",
        lambda o: reverse("backoffice:staff_reactivate", args=[o["member"].uid]),
        {ADMIN},
    ),
    "staff_resend": (
        "post",
        lambda o: reverse("backoffice:staff_resend", args=[o["member"].uid]),
        {ADMIN},
    ),
    "staff_reset_two_factor": (
        "post",
        lambda o: reverse("backoffice:staff_reset_two_factor", args=[o["member"].uid]),
        {ADMIN},
    ),
    "audit": ("get", lambda o: reverse("backoffice:audit"), {ADMIN}),
    "mailbox": ("get", lambda o: reverse("mailbox"), {CS, ADMIN}),
    "mailbox_message": (
        "get",
        lambda o: reverse("mailbox_message", args=[o["message"].pk]),
        {CS, ADMIN},
    ),
}

VISITORS = ["anonymous", "customer", "no_role", CS, PRATICHE, ADMIN]


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_who_may_open_each_back_office_url(client_as, objects, endpoint, visitor):
    method, url_of, allowed = ENDPOINTS[endpoint]
    url = url_of(objects)
    # Empty POSTs: an allowed visitor reaches the form (400 or a redirect), nothing changes.
    response = getattr(client_as(visitor), method)(url)
    if visitor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    elif visitor in allowed:
        assert response.status_code in (200, 302, 400), response.status_code
        assert not response.get("Location", "").startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 404
        assert "Pagina non trovata" in response.content.decode()


@pytest.mark.parametrize("visitor", ["customer", CS, PRATICHE])
def test_nothing_changes_when_a_post_is_refused(client_as, objects, visitor):
    member = objects["member"]
    client = client_as(visitor)
    client.post(reverse("backoffice:staff_deactivate", args=[member.uid]), {"reason": "x"})
    client.post(
        reverse("backoffice:staff_create"),
        {
            "username": "intruso",
            "first_name": "In",
            "last_name": "Truso",
            "email": "intruso@example.com",
            "roles": [],
        },
    )
    member.refresh_from_db()
    assert member.is_active
    assert not type(member).objects.filter(username="intruso").exists()


def test_staff_without_a_second_factor_are_sent_to_set_it_up(client, charlie):
    client.force_login(charlie)
    response = client.get(reverse("backoffice:users"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor")
