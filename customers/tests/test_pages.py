"""The customer pages of issue 8: "Aggancio servizi" on a phone (help and sample before the
button), the limits stated from core.policy, "I miei servizi" rendered from escaped rows."""

from django.urls import reverse

from core import policy

from .factories import ContractFactory, HolderFactory, LinkFactory


def test_link_page_puts_the_help_and_a_phone_sized_sample_before_the_button(client, alice):
    client.force_login(alice)
    html = client.get(reverse("customers:link")).content.decode()
    help_at = html.index("Aiuto: dove trovo i codici?")
    assert help_at < html.index("bolletta-esempio-mobile.svg") < html.index("Valida e inserisci")
    # the wide drawing only where the help spans the page; elsewhere the narrow one, whose
    # text stays large in a phone or in the side column
    wide = "/static/img/bolletta-esempio.svg"
    assert f'media="(min-width: 576px) and (max-width: 991.98px)" srcset="{wide}"' in html


def test_link_page_states_the_limit_from_the_policy(client, alice, monkeypatch):
    monkeypatch.setattr(policy, "LINK_FAILURES", 7)
    client.force_login(alice)
    html = client.get(reverse("customers:link")).content.decode()
    assert "Dopo 7 tentativi non riusciti in un&#x27;ora" in html


def test_services_rows_are_escaped(client, alice):
    contract = ContractFactory(supply_address="<script>x</script>", holder=HolderFactory())
    LinkFactory(user=alice, contract=contract)
    client.force_login(alice)
    html = client.get(reverse("customers:services")).content.decode()
    assert "<script>x" not in html
    assert "&lt;SCRIPT&gt;X&lt;/SCRIPT&gt; - VILLA DEL CONTE" in html


def test_company_holders_show_their_partita_iva_unmasked(client, alice):
    from .factories import CompanyFactory

    holder = CompanyFactory()
    LinkFactory(user=alice, contract=ContractFactory(holder=holder))
    client.force_login(alice)
    assert holder.partita_iva in client.get(reverse("customers:services")).content.decode()


def test_customer_pages_do_not_ask_for_staff_permissions(client, alice, django_assert_num_queries):
    """The header's back-office link is checked only for staff: a customer's page does not
    load the permission tables."""
    LinkFactory(user=alice)
    client.force_login(alice)
    client.get(reverse("customers:services"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("customers:services"))
    assert not any("auth_permission" in q["sql"] for q in captured.captured_queries)


def test_water_comes_before_waste_within_a_holder(client, alice):
    from customers.models import Contract

    holder = HolderFactory()
    waste = ContractFactory(holder=holder, service=Contract.Service.WASTE, service_code="1")
    water = ContractFactory(holder=holder, service=Contract.Service.WATER, service_code="2")
    for contract in (waste, water):
        LinkFactory(user=alice, contract=contract)
    client.force_login(alice)
    html = client.get(reverse("customers:services")).content.decode()
    assert html.index("ACQUA <span") < html.index("RIFIUTI <span")


def test_the_kept_shape_of_the_services_list_follows_rows_pages_and_person(client, alice, bob):
    """ "I miei servizi" is drawn once per rows, page and query (core.shapes): a new link shows
    at once, the pager's links follow the query, and nobody sees another's name."""
    holder = HolderFactory()
    for n in range(26):
        LinkFactory(user=alice, contract=ContractFactory(holder=holder, service_code=f"S{n:03d}"))
    client.force_login(alice)
    url = reverse("customers:services")
    first = client.get(url).content.decode()
    second_page = client.get(url, {"pagina": "2"}).content.decode()
    assert first != second_page and "pagina=2" in first
    LinkFactory(user=alice, contract=ContractFactory(holder=holder, service_code="S999"))
    assert "27 servizi" in client.get(url, {"pagina": "2"}).content.decode().replace("\u00a0", " ")
    assert alice.display_name in first and "\x00" not in first
    client.force_login(bob)
    assert alice.display_name not in client.get(url).content.decode()


def test_the_services_list_through_its_shape_is_the_list_rendered_as_usual(
    client, alice, monkeypatch
):
    from core.tests.shapes import both_ways

    holder = HolderFactory()
    for n in range(3):
        LinkFactory(user=alice, contract=ContractFactory(holder=holder, service_code=f"S{n:03d}"))
    client.force_login(alice)
    kept, usual = both_ways(client, reverse("customers:services"), monkeypatch)
    assert kept == usual
    assert "S002" in kept and alice.display_name in kept
