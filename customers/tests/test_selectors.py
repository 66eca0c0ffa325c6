from django.contrib.auth import get_user_model

from customers import selectors
from customers.models import Contract

from .factories import CompanyFactory, ContractFactory, HolderFactory, LinkFactory


def _links(user, *holders):
    for i, holder in enumerate(holders * 4):
        service = Contract.Service.WASTE if i % 3 else Contract.Service.WATER
        LinkFactory(user=user, contract=ContractFactory(holder=holder, service=service))


def test_linked_service_rows_are_the_orm_rows_in_the_same_order(alice):
    """The plain statement of the unfiltered page and the ORM query of the filtered one give
    the same tuples, in the same order, page by page."""
    _links(alice, HolderFactory(address=""), CompanyFactory(), HolderFactory())
    stranger = get_user_model().objects.create_user("stranger", "s@example.it", "x")
    _links(stranger, HolderFactory())
    expected = list(selectors.service_rows_for_user(alice))
    rows = selectors.LinkedServiceRows(alice)
    assert rows.count() == len(rows) == len(expected) == 12
    assert rows[0:12] == expected
    assert rows[5:9] == expected[5:9]
    assert rows[12:20] == []
    assert selectors.linked_contract_count(alice) == 12


def test_services_page_uses_two_queries_for_its_rows_whatever_their_number(
    client, alice, django_assert_max_num_queries
):
    _links(alice, *(HolderFactory() for _ in range(10)))
    client.force_login(alice)
    client.get("/servizi/")
    # session, user, count, rows
    with django_assert_max_num_queries(4):
        response = client.get("/servizi/")
    assert response.status_code == 200
    assert response.content.decode().count("sp-status-active") == 25


def test_linked_contract_count_counts_only_the_users_links(alice):
    stranger = get_user_model().objects.create_user("stranger", "s@example.it", "x")
    LinkFactory(user=alice)
    LinkFactory(user=stranger)
    assert selectors.linked_contract_count(alice) == 1
    assert selectors.linked_contract_count(stranger) == 1
