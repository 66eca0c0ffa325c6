import pytest
from django.test import override_settings
from django.urls import reverse

from conftest import free_port
from core.identifiers import mask_codice_fiscale
from core.models import AuditEvent, OutboxMessage
from core.tests.servers import unreachable_redis_caches
from customers.models import Contract, ContractLink

from .factories import CompanyFactory, ContractFactory, HolderFactory, LinkFactory

GENERIC = "I dati inseriti non corrispondono a un servizio"


@pytest.fixture
def domestic(db):
    return ContractFactory(holder=HolderFactory(email="titolare@example.com"))


@pytest.fixture
def business(db):
    return ContractFactory(
        holder=CompanyFactory(), use=Contract.Use.NON_DOMESTIC, service=Contract.Service.WASTE
    )


def post(client, contract, remote_addr="127.0.0.1", **overrides):
    data = {
        "customer_code": contract.holder.customer_code,
        "service_code": contract.service_code,
        "codice_fiscale": contract.holder.codice_fiscale,
        "partita_iva": "",
        "declaration": "on",
        **overrides,
    }
    return client.post(reverse("customers:link"), data, REMOTE_ADDR=remote_addr)


def test_link_page_has_the_guides_labels(client, alice):
    client.force_login(alice)
    html = client.get(reverse("customers:link")).content.decode()
    for label in (
        "Aggancio servizi",
        "Codice cliente",
        "Codice servizio",
        "Codice fiscale",
        "Partita IVA",
        "Valida e inserisci",
        "d.p.r. 445/2000",
    ):
        assert label in html
    assert "bolletta-esempio.svg" in html


def test_domestic_contract_links_with_the_holders_codice_fiscale(client, alice, domestic):
    client.force_login(alice)
    response = post(client, domestic, codice_fiscale=domestic.holder.codice_fiscale.lower())
    assert response.status_code == 302
    link = ContractLink.objects.get(user=alice, contract=domestic)
    assert link.declaration_version == "2026-11"
    assert link.ip == "127.0.0.1"
    assert AuditEvent.objects.filter(action="customers.link", actor=alice).exists()
    # the holder's address from the feed is told
    notice = OutboxMessage.objects.get(kind="contract_linked")
    assert notice.to == "titolare@example.com"
    assert alice.username in notice.body_text


def test_non_domestic_contract_links_with_partita_iva_and_empty_cf(client, alice, business):
    client.force_login(alice)
    response = post(client, business, codice_fiscale="", partita_iva=business.holder.partita_iva)
    assert response.status_code == 302
    assert ContractLink.objects.filter(user=alice, contract=business).exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"customer_code": "999999"},
        {"service_code": "999999"},
        {"codice_fiscale": "BNCRRT78H10C743G"},
    ],
)
def test_any_wrong_value_gives_one_generic_message(client, alice, domestic, overrides):
    client.force_login(alice)
    response = post(client, domestic, **overrides)
    html = response.content.decode()
    assert response.status_code == 200
    assert GENERIC in html
    assert not ContractLink.objects.exists()
    assert AuditEvent.objects.filter(action="customers.link_failed").count() == 1
    # what was typed is kept
    assert (
        f'value="{domestic.service_code if "service_code" not in overrides else "999999"}"' in html
    )


def test_non_domestic_refuses_a_filled_codice_fiscale(client, alice, business):
    client.force_login(alice)
    response = post(
        client,
        business,
        codice_fiscale="RSSMRA85T10A562S",
        partita_iva=business.holder.partita_iva,
    )
    assert GENERIC in response.content.decode()


def test_domestic_cannot_be_linked_with_partita_iva_only(client, alice, business):
    contract = ContractFactory(holder=business.holder, use=Contract.Use.DOMESTIC)
    client.force_login(alice)
    response = post(client, contract, codice_fiscale="", partita_iva=business.holder.partita_iva)
    assert GENERIC in response.content.decode()


def test_declaration_is_required(client, alice, domestic):
    client.force_login(alice)
    response = post(client, domestic, declaration="")
    assert "devi spuntare la dichiarazione" in response.content.decode()


def test_already_linked_says_so(client, alice, domestic):
    client.force_login(alice)
    post(client, domestic)
    response = post(client, domestic)
    assert response.status_code == 302
    assert "già collegato" in client.get(response["Location"]).content.decode()
    assert ContractLink.objects.count() == 1


def test_a_contract_may_be_linked_by_two_web_users(client, alice, bob, domestic):
    client.force_login(alice)
    post(client, domestic)
    client.force_login(bob)
    post(client, domestic)
    assert ContractLink.objects.filter(contract=domestic).count() == 2


def test_failed_attempts_are_limited_per_user_and_per_address(client, alice, bob, domestic):
    client.force_login(alice)
    for _ in range(5):
        assert GENERIC in post(client, domestic, customer_code="0").content.decode()
    response = post(client, domestic)  # even the right codes are refused now
    assert response.status_code == 429
    assert "Troppi tentativi" in response.content.decode()
    assert not ContractLink.objects.exists()
    # another user on another address is not affected
    client.force_login(bob)
    response = post(client, domestic, remote_addr="198.51.100.9")
    assert response.status_code == 302


def test_services_list_shows_the_guides_columns_and_terminated_contracts(client, alice):
    holder = HolderFactory(first_name="Alice", last_name="Rossi")
    water = LinkFactory(user=alice, contract=ContractFactory(holder=holder))
    LinkFactory(
        user=alice,
        contract=ContractFactory(
            holder=holder, service=Contract.Service.WASTE, status=Contract.Status.TERMINATED
        ),
    )
    client.force_login(alice)
    html = client.get(reverse("customers:services")).content.decode()
    for text in (
        "Alice Rossi",
        mask_codice_fiscale(holder.codice_fiscale),
        holder.customer_code,
        "ACQUA",
        "RIFIUTI",
        "UTENZA Domestica",
        "VIA ROMA 1 - VILLA DEL CONTE",
        "Attivo",
        "Cessato",
        "Apri",
    ):
        assert text in html
    assert holder.codice_fiscale not in html  # masked, as everywhere a customer sees it
    assert reverse("customers:contract", args=[water.uid]) in html


def test_contract_page_and_unlink(client, alice):
    link = LinkFactory(user=alice)
    client.force_login(alice)
    html = client.get(reverse("customers:contract", args=[link.uid])).content.decode()
    assert "Informazioni servizio" in html
    # The tariff is labelled as the guide's screen labels it.
    assert "CONCESSIONI</dt>" in html
    assert "Concessioni Domestiche Residenti" in html
    client.post(reverse("customers:unlink", args=[link.uid]))
    assert not ContractLink.objects.exists()
    assert AuditEvent.objects.filter(action="customers.unlink").exists()


def test_a_stranger_gets_404_on_every_contract_url(client, alice, bob):
    link = LinkFactory(user=alice)
    client.force_login(bob)
    assert client.get(reverse("customers:contract", args=[link.uid])).status_code == 404
    assert client.post(reverse("customers:unlink", args=[link.uid])).status_code == 404
    assert ContractLink.objects.filter(pk=link.pk).exists()
    assert (
        link.contract.service_code not in client.get(reverse("customers:services")).content.decode()
    )


def test_anonymous_visitors_go_to_login(client, db):
    for name in ("customers:services", "customers:link"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_services_list_queries_do_not_grow_with_contracts(client, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    LinkFactory(user=alice)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("customers:services")).status_code == 200
        return len(captured)

    count()
    one = count()
    for _ in range(24):
        LinkFactory(user=alice, contract=ContractFactory(holder=HolderFactory()))
    assert count() == one


def test_two_hundred_contracts_are_searchable_filterable_and_paged(client, alice):
    holder = HolderFactory()
    for i in range(200):
        LinkFactory(
            user=alice,
            contract=ContractFactory(
                holder=holder,
                service=Contract.Service.WASTE if i % 2 else Contract.Service.WATER,
                municipality="Padova" if i % 10 == 0 else "Cittadella",
            ),
        )
    client.force_login(alice)
    url = reverse("customers:services")
    html = client.get(url).content.decode()
    assert html.count(">Apri<") == 25
    assert "Pagina 1 di 8" in html
    html = client.get(url, {"q": "padova"}).content.decode()
    assert html.count(">Apri<") == 20
    html = client.get(url, {"service": "waste", "pagina": 4}).content.decode()
    assert "Pagina 4 di 4" in html


def test_partita_iva_may_be_typed_with_the_it_prefix(client, alice, business):
    client.force_login(alice)
    response = post(
        client, business, codice_fiscale="", partita_iva=f"IT {business.holder.partita_iva}"
    )
    assert response.status_code == 302
    assert ContractLink.objects.filter(user=alice, contract=business).exists()


def test_the_failure_limit_is_counted_before_the_codes_are_tried(client, alice, domestic):
    """Each attempt is counted first: the sixth is refused without being tried (an audit
    event per tried attempt, none for the refused ones)."""
    client.force_login(alice)
    for _ in range(5):
        assert post(client, domestic, customer_code="0").status_code == 200
    for _ in range(3):
        assert post(client, domestic, customer_code="0").status_code == 429
    assert AuditEvent.objects.filter(action="customers.link_failed").count() == 5


def test_successful_links_do_not_count_as_failures(client, alice, domestic):
    client.force_login(alice)
    others = ContractFactory.create_batch(2)
    assert post(client, others[0]).status_code == 302
    assert post(client, others[0]).status_code == 302  # already linked: not a failure either
    for _ in range(5):
        assert GENERIC in post(client, domestic, customer_code="0").content.decode()
    assert post(client, others[1]).status_code == 429


def test_a_form_with_errors_is_not_an_attempt(client, alice, domestic):
    client.force_login(alice)
    for _ in range(8):
        assert (
            "devi spuntare la dichiarazione"
            in post(client, domestic, declaration="").content.decode()
        )
    assert post(client, domestic).status_code == 302


def test_addresses_of_one_ipv6_64_share_the_address_limit(client, alice, bob, domestic):
    client.force_login(alice)
    for i in range(1, 6):
        post(client, domestic, remote_addr=f"2001:db8:1:2::{i}", customer_code="0")
    client.force_login(bob)
    response = post(client, domestic, remote_addr="2001:db8:1:2:ffff::9")
    assert response.status_code == 429
    # another /64 is another address
    assert post(client, domestic, remote_addr="2001:db8:1:3::1").status_code == 302


def test_with_the_cache_down_linking_is_refused_but_pages_still_work(client, alice, domestic):
    """The codes on a bill are guessable: no count, no attempt. The general limits stay
    open (RATELIMIT_FAIL_OPEN), so the rest of the portal works."""
    client.force_login(alice)
    with override_settings(CACHES=unreachable_redis_caches(free_port())):
        assert client.get(reverse("customers:link")).status_code == 200
        response = post(client, domestic)
        assert response.status_code == 429
        assert "Troppi tentativi" in response.content.decode()
        assert not ContractLink.objects.exists()
        assert client.get(reverse("customers:services")).status_code == 200
