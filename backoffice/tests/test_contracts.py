import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from customers.models import ContractLink
from customers.tests.factories import CompanyFactory, ContractFactory, LinkFactory


@pytest.mark.parametrize("field", ["customer_code", "codice_fiscale", "service_code", "name"])
def test_find_holders_by_code_tax_code_or_name(staff_client, field):
    contract = ContractFactory()
    holder = contract.holder
    term = {
        "customer_code": holder.customer_code,
        "codice_fiscale": holder.codice_fiscale.lower(),
        "service_code": contract.service_code,
        "name": "rossi",
    }[field]
    html = staff_client.get(reverse("backoffice:holders"), {"q": term}).content.decode()
    assert holder.customer_code in html
    assert contract.service_code in html
    assert AuditEvent.objects.filter(action="backoffice.search_holders").exists()


def test_find_company_by_partita_iva(staff_client):
    company = CompanyFactory()
    html = staff_client.get(
        reverse("backoffice:holders"), {"q": company.partita_iva}
    ).content.decode()
    assert "Trattoria Al Ponte" in html


def test_contract_shows_linked_users_and_unlink_needs_a_reason(staff_client, alice):
    link = LinkFactory(user=alice)
    url = reverse("backoffice:contract", args=[link.contract.service_code])
    html = staff_client.get(url).content.decode()
    assert "alice" in html
    assert AuditEvent.objects.filter(action="backoffice.view_contract").exists()

    unlink = reverse("backoffice:contract_unlink", args=[link.contract.service_code, link.uid])
    response = staff_client.post(unlink, {"reason": ""})
    assert response.status_code == 400
    assert ContractLink.objects.exists()
    staff_client.post(unlink, {"reason": "Richiesta dell'intestatario"})
    assert not ContractLink.objects.exists()
    event = AuditEvent.objects.get(action="customers.staff_unlink")
    assert event.detail["reason"] == "Richiesta dell'intestatario"


def test_customers_cannot_reach_contract_back_office(client, alice):
    link = LinkFactory(user=alice)
    client.force_login(alice)
    url = reverse("backoffice:contract", args=[link.contract.service_code])
    assert client.get(url).status_code == 404


def test_a_service_code_with_a_slash_does_not_break_the_pages(staff_client):
    contract = ContractFactory(service_code="AB/123")
    html = staff_client.get(reverse("backoffice:holders"), {"q": "AB/123"}).content.decode()
    url = reverse("backoffice:contract", args=["AB/123"])
    assert url in html
    assert staff_client.get(url).status_code == 200
    assert contract.service_code in staff_client.get(url).content.decode()


def test_an_operator_neither_sees_nor_removes_a_staff_members_link(client, charlie, diana):
    """A staff member may link a contract like anyone; for an operator that link does not
    exist (operators never see or act on a staff account). Administrators see it."""
    from conftest import login_verified
    from customers.models import ContractLink
    from customers.tests.factories import LinkFactory

    link = LinkFactory(user=diana, ip="203.0.113.5")
    code = link.contract.service_code
    login_verified(client, charlie)
    page = client.get(reverse("backoffice:contract", args=[code])).content.decode()
    assert "diana" not in page and "203.0.113.5" not in page
    url = reverse("backoffice:contract_unlink", args=[code, link.uid])
    assert client.post(url, {"reason": "prova"}).status_code == 404
    assert ContractLink.objects.filter(pk=link.pk).exists()

    admin = Client()
    login_verified(admin, diana)
    assert "diana" in admin.get(reverse("backoffice:contract", args=[code])).content.decode()
