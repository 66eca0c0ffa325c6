"""The page header ({% portal_header %}): its shape is rendered once per language and menu, the
person's name and the CSRF token go in on every request, and nothing of one person reaches
another's page."""

import re
from dataclasses import replace

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory, persona
from conftest import login_verified
from core.templatetags import sportello

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


def header(response):
    html = response.content.decode()
    return html[html.index("<header") : html.index("</header>")]


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_each_person_sees_their_own_name_from_the_same_cached_shape():
    from core import shapes

    sportello.forget_fragments()
    shapes.forget()  # a kept home page would not draw its header again
    alice, bob = persona("alice"), persona("bob")
    first = header(signed_in(alice).get("/"))
    headers = list(sportello._headers)
    assert len(headers) == 1
    second = header(signed_in(bob).get("/"))
    assert list(sportello._headers) == headers  # no new shape
    assert alice.display_name in first and bob.display_name not in first
    assert bob.display_name in second and alice.display_name not in second
    assert "Esci" in second and 'aria-current="page"' not in second


def test_the_name_is_escaped():
    user = UserFactory(first_name='<script>alert("x")</script>', last_name="Rossi")
    html = header(signed_in(user).get("/"))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_every_page_gets_a_fresh_token_that_logs_out():
    client = signed_in(persona("alice"))
    tokens = [TOKEN.search(header(client.get("/"))).group(1) for _ in range(2)]
    assert tokens[0] != tokens[1]  # masked anew on each response, as {% csrf_token %} does
    client = Client(enforce_csrf_checks=True)
    client.force_login(persona("bob"))
    token = TOKEN.search(header(client.get("/"))).group(1)
    response = client.post("/esci/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_menu_marks_the_current_page_and_anonymous_pages_offer_login():
    client = signed_in(persona("alice"))
    html = header(client.get("/servizi/"))
    assert re.search(r'href="/servizi/" aria-current="page"', html)
    anonymous = header(Client().get("/"))
    assert "Accedi" in anonymous and "Registrati" in anonymous and "Esci" not in anonymous


def test_staff_with_the_back_office_see_its_link():
    client = Client()
    login_verified(client, persona("charlie"))
    html = header(client.get("/"))
    assert "Back-office" in html
    assert "Back-office" not in header(signed_in(persona("alice")).get("/"))


# --- the logged-in home's own shape (core.views.home) ----------------------------------------


def test_the_home_shape_is_shared_by_people_with_the_same_cards_and_filled_per_person():
    from core import shapes

    shapes.forget()
    alice, bob = persona("alice"), persona("bob")
    first = signed_in(alice).get("/").content.decode()
    assert len(shapes._shapes) == 1
    second = signed_in(bob).get("/").content.decode()
    assert len(shapes._shapes) == 1  # same cards, same menu: the same shape
    assert f"Benvenuto, {alice.display_name}" in first and bob.display_name not in first
    assert f"Benvenuto, {bob.display_name}" in second and alice.display_name not in second
    assert "\x00" not in first + second
    assert TOKEN.search(second)


def test_the_home_shape_escapes_the_name_in_the_greeting():
    user = UserFactory(first_name="<b>Eva</b>", last_name="Rossi")
    html = signed_in(user).get("/").content.decode()
    assert "<b>Eva</b>" not in html and "&lt;b&gt;Eva&lt;/b&gt;" in html


def test_a_page_with_messages_is_never_cached():
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse
    from django.test import RequestFactory

    from core import shapes

    shapes.forget()
    client = signed_in(persona("alice"))
    client.get("/")
    before = len(shapes._shapes)
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.INFO, "Profilo aggiornato.")
    response = HttpResponse()
    storage.update(response)
    client.cookies.update(response.cookies)
    html = client.get("/").content.decode()
    assert "Profilo aggiornato." in html
    assert len(shapes._shapes) == before
    assert "Profilo aggiornato." not in client.get("/").content.decode()  # shown once


def test_a_standard_card_is_drawn_once_per_number_and_language(monkeypatch):
    """The home page keeps each standard card's HTML per (card, language, number): its
    context is asked once for each, and another number is drawn anew."""
    from django.utils import translation

    from core import views
    from core.registry import registry

    entry = next(e for e in registry.entries("home_card") if e.key[0] == "customers.apps")
    calls = []

    def counting(request, number):
        calls.append(number)
        return entry.context(request, number)

    views._standard.clear()
    monkeypatch.setattr(
        registry, "home_card_counts", lambda request: [(replace(entry, context=counting), 2)]
    )
    client = signed_in(persona("alice"))
    assert "2 servizi collegati" in client.get("/").content.decode()
    assert "2 servizi collegati" in client.get("/").content.decode()
    assert calls == [2]
    monkeypatch.setattr(
        registry, "home_card_counts", lambda request: [(replace(entry, context=counting), 3)]
    )
    assert "3 servizi collegati" in client.get("/").content.decode()
    assert calls == [2, 3]
    from django.conf import settings

    with translation.override("en"):
        key = (entry.key, "en", settings.ROOT_URLCONF, 3)
        views.standard_card(replace(entry, context=counting), None, 3)
    assert calls == [2, 3, 3] and key in views._standard


def test_the_home_through_its_shape_is_the_home_rendered_as_usual(monkeypatch):
    from customers.tests.factories import LinkFactory

    from .shapes import both_ways

    alice = persona("alice")
    LinkFactory(user=alice)
    kept, usual = both_ways(signed_in(alice), "/", monkeypatch)
    assert kept == usual
    assert "1 servizio collegato" in kept and alice.display_name in kept
