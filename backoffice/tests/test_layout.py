"""The back-office is a place of its own: its header, menu (by role) and footer; the customer's
menu and footer are not there, and the customer's pages do not show the back-office's."""

import re

import pytest
from django.urls import reverse


def nav(html, label):
    """The <nav> whose aria-label is `label`, or ''."""
    found = re.search(rf'<nav[^>]*aria-label="{label}".*?</nav>', html, re.S)
    return found.group(0) if found else ""


BO_MENU = "Menu del back-office"


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("cs", ["Profili web", "Intestatari e utenze"], ["Personale e ruoli", "Registro di audit"]),
        ("admin", ["Personale e ruoli", "Registro di audit", "Flussi"], []),
        ("pratiche", [], ["Profili web", "Personale e ruoli", "Flussi"]),
    ],
)
def test_staff_pages_have_the_back_offices_own_header_menu_and_footer(
    client_as, who, shown, hidden
):
    html = client_as(who).get(reverse("backoffice:home")).content.decode()
    menu = nav(html, BO_MENU)
    assert menu
    for label in shown:
        assert label in menu
    for label in hidden:
        assert label not in menu
    # the customer's menu and footer are not there
    assert not nav(html, "Area personale")
    assert "I miei servizi" not in html
    assert "Numero verde" not in html
    assert "Back-office, riservato al personale" in html
    assert ">Esci<" in html
    assert html.count('id="main"') == 1 and 'href="#main"' in html


def test_the_current_page_is_marked_in_the_menu(client_as):
    html = client_as("cs").get(reverse("backoffice:users")).content.decode()
    assert re.search(r'href="/backoffice/utenti/"\s+aria-current="page"', nav(html, BO_MENU))


def test_customer_pages_keep_the_customers_menu_and_footer(client_as):
    html = client_as("customer").get(reverse("customers:services")).content.decode()
    assert nav(html, "Area personale")
    assert not nav(html, BO_MENU)
    assert "Numero verde" in html


def test_the_mailbox_is_in_the_back_office(client_as):
    html = client_as("admin").get(reverse("mailbox")).content.decode()
    assert nav(html, BO_MENU)
    assert not nav(html, "Area personale")
