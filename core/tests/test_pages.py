import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

PUBLIC_PAGES = ["home", "contacts", "privacy", "cookies", "accessibility"]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_render_in_italian(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="it">' in html
    assert "Acque e Ambiente del Brenta" in html
    # footer links on every page
    for url in ("/contatti/", "/privacy/", "/cookie/", "/accessibilita/"):
        assert f'href="{url}"' in html


def test_home_explains_the_online_services_in_the_guides_words(client, db):
    html = client.get("/").content.decode()
    assert "Crea il tuo account per accedere alla sezione Servizi online" in html
    for area in ("I miei servizi", "Il mio profilo"):
        assert area in html
    assert ">Accedi<" in html


def test_the_pages_promise_only_the_areas_of_installed_apps(client, db):
    """The home page and Contatti list what installed apps registered, nothing else."""
    from django.conf import settings
    from django.test import override_settings

    for url in ("/", "/contatti/"):
        assert "Richieste e reclami" in client.get(url).content.decode()
    without = [app for app in settings.INSTALLED_APPS if app not in ("tickets", "pratiche")]
    with override_settings(INSTALLED_APPS=without):
        for url in ("/", "/contatti/"):
            html = client.get(url).content.decode()
            assert "Aggancio servizi" in html
            assert "Richieste e reclami" not in html
            assert "Le mie pratiche" not in html


def test_the_logged_in_home_shows_the_customers_state(client, alice):
    from customers.tests.factories import LinkFactory

    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "Nessun servizio collegato" in html
    assert 'href="/servizi/aggancio/"' in html
    LinkFactory(user=alice)
    LinkFactory(user=alice)
    html = client.get("/").content.decode()
    assert "2 servizi collegati" in html
    assert 'href="/profilo/"' in html


def test_the_menu_follows_the_guides_order(client, alice):
    client.force_login(alice)
    html = client.get("/servizi/").content.decode()
    assert html.index(">I miei servizi<") < html.index(">Il mio profilo<")


def test_logged_in_header_has_logout_and_name(client, alice):
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "Alice Rossi" in html
    assert 'action="/esci/"' in html
    assert ">Accedi<" not in html


def test_branding_comes_from_settings(client, db, settings):
    settings.UTILITY = {
        **settings.UTILITY,
        "name": "Acquedotto di Prova",
        "primary_color": "#123456",
    }
    assert "Acquedotto di Prova" in client.get("/").content.decode()
    css = client.get("/brand.css")
    assert css["Content-Type"].startswith("text/css")
    assert b"--sp-primary:#123456" in css.content


def test_brand_css_refuses_anything_but_a_colour(client, db, settings):
    settings.UTILITY = {**settings.UTILITY, "primary_color": "red;}</style><script>"}
    assert b"script" not in client.get("/brand.css").content


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_503_when_the_database_does_not_answer(client, db, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("server closed the connection")

    monkeypatch.setattr("core.views.connection", Unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_404_page_is_italian(client, db):
    response = client.get("/non-esiste/")
    assert response.status_code == 404
    assert "Pagina non trovata" in response.content.decode()


@pytest.mark.urls("core.tests.urls")
def test_500_page_is_italian_without_details(db):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Servizio momentaneamente non disponibile" in html
    assert "Traceback" not in html
    assert "secret detail" not in html


@pytest.mark.urls("core.tests.urls")
def test_400_and_403_pages_are_italian(client, db):
    assert "Richiesta non valida" in client.get("/bad/").content.decode()
    assert "Accesso negato" in client.get("/denied/").content.decode()


def test_csrf_failure_page_is_italian(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accedi/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Modulo scaduto" in response.content.decode()


def test_apps_add_entries_to_the_profiles_menu(client, alice):
    from django.conf import settings
    from django.test import override_settings

    client.force_login(alice)
    label = "Modifica le Impostazioni invio documenti e autorizzazioni"
    html = client.get("/profilo/").content.decode()
    assert label in html and 'href="/pratiche/invio-documenti/"' in html
    without = [app for app in settings.INSTALLED_APPS if app != "pratiche"]
    with override_settings(INSTALLED_APPS=without):
        assert label not in client.get("/profilo/").content.decode()


def test_the_standard_home_card_escapes_what_apps_give_it():
    from core.views import card_html

    html = card_html({"title": "<b>T</b>", "url": "/x/?a=1&b=2", "text": "<i>t</i>"})
    assert "&lt;b&gt;T&lt;/b&gt;" in html and "&lt;i&gt;t&lt;/i&gt;" in html
    assert 'href="/x/?a=1&amp;b=2"' in html and "btn" not in html
    html = card_html({"title": "T", "url": "/", "action_url": "/n/", "action_label": "Nuova"})
    assert 'href="/n/">Nuova</a>' in html and "card-text" not in html
