import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import staff_member
from core import audit


@pytest.fixture
def events(charlie, diana, customer):
    audit.record(actor=charlie, action="accounts.block", obj=customer, reason="Prima")
    audit.record(actor=diana, action="accounts.staff_roles", obj=charlie, added=["X"])
    audit.record(actor=charlie, action="backoffice.view_user", obj=customer)


def test_newest_first(admin_client, events):
    page = admin_client.get(reverse("backoffice:audit")).content.decode()
    assert "sp-stack" in page
    html = page.split("<tbody>")[1]
    assert html.index("backoffice.view_user") < html.index("accounts.staff_roles")
    assert html.index("accounts.staff_roles") < html.index("accounts.block")


def test_filter_by_action_and_actor(admin_client, events):
    html = admin_client.get(reverse("backoffice:audit"), {"action": "accounts."}).content.decode()
    html = html.split("<tbody>")[1]
    assert "accounts.block" in html and "backoffice.view_user" not in html
    html = admin_client.get(
        reverse("backoffice:audit"), {"action": "accounts.", "actor": "CHARLIE"}
    ).content.decode()
    html = html.split("<tbody>")[1]
    assert "accounts.block" in html and "accounts.staff_roles" not in html


def test_query_count_does_not_grow_with_rows(admin_client, customer):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse("backoffice:audit")).status_code == 200
        return len(captured)

    audit.record(actor=None, action="accounts.block", obj=customer, reason="sistema")
    count()
    one = count()
    for i in range(20):
        actor = staff_member(None, username=f"attore{i}")
        audit.record(actor=actor, action="accounts.block", obj=customer, reason=str(i))
    assert count() == one
