""" "Attività recenti": what the customer did, not only the logins."""

import pytest
from django.urls import reverse

from accounts.models import AccountEvent
from customers.services import link_contract, unlink_contract
from customers.tests.factories import ContractFactory, LinkFactory


def kinds(user):
    return [e.kind for e in AccountEvent.objects.filter(user=user).order_by("at", "pk")]


@pytest.fixture
def contract(db):
    return ContractFactory()


def link(user, contract, **overrides):
    values = {
        "customer_code": contract.holder.customer_code,
        "service_code": contract.service_code,
        "codice_fiscale": contract.holder.codice_fiscale,
        "partita_iva": "",
        "ip": "192.0.2.7",
        **overrides,
    }
    return link_contract(user=user, **values)


def test_a_link_made_and_refused_are_recorded_with_the_service_and_address(alice, contract):
    link(alice, contract, codice_fiscale="RSSMRA85T10A562S")
    link(alice, contract)
    failed, linked = AccountEvent.objects.filter(user=alice).order_by("at", "pk")
    assert failed.kind == AccountEvent.Kind.CONTRACT_LINK_FAILED
    assert failed.detail == "", "a failed attempt names no service: it may not be theirs"
    assert failed.ip == "192.0.2.7"
    assert linked.kind == AccountEvent.Kind.CONTRACT_LINKED
    assert linked.detail_display == f"servizio {contract.service_code}"


def test_unlinking_is_recorded_for_the_customer_and_for_staff(alice, charlie, contract):
    unlink_contract(link=LinkFactory(user=alice, contract=contract), actor=alice)
    charlie.user_permissions.add(*_permission("delete_contractlink"))
    charlie = type(charlie).objects.get(pk=charlie.pk)
    unlink_contract(link=LinkFactory(user=alice), actor=charlie, reason="richiesta")
    assert kinds(alice) == [
        AccountEvent.Kind.CONTRACT_UNLINKED,
        AccountEvent.Kind.CONTRACT_UNLINKED_BY_STAFF,
    ]


def _permission(codename):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename=codename)


def test_downloading_the_data_is_recorded(client, alice):
    client.force_login(alice)
    client.get(reverse("accounts:my_data_json"))
    client.get(reverse("accounts:my_data_csv"))
    events = AccountEvent.objects.filter(user=alice, kind=AccountEvent.Kind.DATA_EXPORTED)
    assert sorted(events.values_list("detail", flat=True)) == ["CSV", "JSON"]


def test_the_activity_page_shows_what_was_done_in_stacked_rows(client, alice, contract):
    link(alice, contract)
    AccountEvent.objects.create(
        user=alice, kind=AccountEvent.Kind.PROFILE_CHANGED, detail="last_name,phone_mobile"
    )
    client.force_login(alice)
    html = client.get(reverse("accounts:activity")).content.decode()
    assert "Servizio collegato" in html
    assert f"servizio {contract.service_code}" in html
    assert "Profilo web modificato" in html
    assert "cognome, cellulare" in html
    assert html.count('class="table sp-stack"') == 2
    assert 'data-label="Dettaglio"' in html
