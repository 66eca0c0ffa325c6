"""Pages speak Italian and say so, whatever the browser prefers, until another language's
catalogue is translated (WCAG 3.1.1: lang must name the language the page is written in)."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.template import engines
from django.utils import translation

PAGES = ["/", "/accedi/", "/registrati/", "/pagina-che-non-esiste/"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("accept", ["en-GB,en;q=0.9", "en", "de-DE,de;q=0.8,en;q=0.5", "fr"])
def test_a_browser_preferring_another_language_gets_italian_said_as_italian(
    client, db, path, accept
):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=accept)
    html = response.content.decode()
    assert '<html lang="it">' in html
    assert "Vai al contenuto principale" in html  # the skip link of every page
    assert "Skip to" not in html
    assert response["Content-Language"] == "it"


def test_the_login_page_uses_the_guides_italian_words_for_an_english_browser(client, db):
    html = client.get("/accedi/", HTTP_ACCEPT_LANGUAGE="en-GB,en").content.decode()
    for words in ("Accedi", "Nome utente", "Password", "Richiedi nuova password"):
        assert words in html


def test_only_languages_with_a_translated_catalogue_are_offered():
    """Adding ("en", …) to LANGUAGES is right only once locale/en is translated: then a
    string every page shows comes out in that language."""
    for code, _name in settings.LANGUAGES:
        if code == settings.LANGUAGE_CODE:
            continue
        with translation.override(code):
            assert translation.gettext("Vai al contenuto principale") != (
                "Vai al contenuto principale"
            ), f"{code} is offered but its catalogue is not translated"


def template_files():
    directories = list(engines["django"].engine.dirs)
    directories += [
        Path(app.path) / "templates"
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(settings.BASE_DIR)
    ]
    for directory in directories:
        yield from Path(directory).rglob("*.html")
        yield from Path(directory).rglob("*.txt")


def test_no_template_offers_a_language_switch():
    switch = re.compile(r"set_language|i18n/setlang|hreflang|lang=\"(?!it\b)[a-z]{2}", re.I)
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in template_files()
        if switch.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
