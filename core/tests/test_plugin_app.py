"""A new domain plugs in without editing anything outside its folder and INSTALLED_APPS:
core/tests/plugin_app registers a menu entry, a home card, a public feature, a mail, a data
export section, a deletion rule, a feed file in and out and a back-office entry; each shows
up while the app is installed, and disappears with it."""

import io
import json
import types

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import path

from core.models import OutboxMessage
from core.registry import registry
from core.views import show_message_body

PLUGIN = "core.tests.plugin_app"


def _urlconf():
    """The root URLconf as sportello/urls.py builds it for the apps installed now."""
    from sportello import urls

    module = types.ModuleType("plugin_test_urls")
    module.urlpatterns = [*urls.app_urlpatterns(), path("gestione/", urls.admin.site.urls)]
    for name in ("handler400", "handler403", "handler404", "handler500"):
        setattr(module, name, getattr(urls, name))
    return module


@pytest.fixture
def plugin(db):
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, PLUGIN]):
        from core.tests.plugin_app.models import PluginReading

        # The app's table, in the test's transaction (the schema editor refuses to run
        # inside one on SQLite; its CREATE TABLE statement does not).
        sql, params = connection.SchemaEditorClass(connection).table_sql(PluginReading)
        with connection.cursor() as cursor:
            cursor.execute(sql, params or None)
        with override_settings(ROOT_URLCONF=_urlconf()):
            yield PluginReading


def test_menu_and_home_card_on_a_logged_in_page(plugin, client, alice):
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert 'href="/prova/"' in html
    assert "Letture di prova" in html
    assert "Scheda di prova per alice" in html
    assert client.get("/prova/").content == b"letture di prova"


def test_public_feature_on_the_home_and_contacts_pages(plugin, client):
    for url in ("/", "/contatti/"):
        assert "Comunica le letture di prova." in client.get(url).content.decode()


def test_data_export_section_and_deletion_rule(plugin, client, alice):
    from core.tests.plugin_app.apps import DELETED

    client.force_login(alice)
    data = json.loads(client.get("/profilo/i-miei-dati.json").content)
    assert data["letture_di_prova"] == [{"matricola": "M1", "lettura": 42, "utente": "alice"}]
    assert "profilo" in data  # the other apps' sections are still there
    registry.delete_personal_data(user=alice)
    assert alice.pk in DELETED


def test_mail_on_its_own_templates_hidden_in_the_mailbox_unless_debug(plugin, settings):
    from core.tests.plugin_app.mail import send_hello

    message = send_hello(to="a@example.com", link="https://example.com/token")
    assert message.subject == "Ciao dalla prova"
    assert "https://example.com/token" in message.body_text
    settings.EMAIL_URL = ""
    settings.DEBUG = False
    assert not show_message_body(OutboxMessage.objects.get(pk=message.pk))


def test_feed_file_in_and_out(plugin, tmp_path):
    feed = tmp_path / "in"
    feed.mkdir()
    (feed / "test_readings.csv").write_text("serial,value\nM1,42\nM2,tanti\n")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_feed", str(feed), stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 1  # one row rejected
    assert err.getvalue().splitlines()[0] == "test_readings.csv:3: value: non è un numero (tanti)"
    assert list(plugin.objects.values_list("serial", "value")) == [("M1", 42)]

    out = tmp_path / "out"
    call_command("export_feed", str(out), stdout=io.StringIO())
    assert (out / "test_readings.csv").read_text().splitlines()[1].endswith(",M1,42")


def test_help_of_the_feed_commands_names_the_new_files(plugin, capsys):
    for command in ("import_feed", "export_feed"):
        with pytest.raises(SystemExit):
            call_command(command, "--help")
        assert "test_readings.csv" in capsys.readouterr().out


def test_back_office_entry_for_staff_holding_the_permission(plugin, rf, alice):
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    request = rf.get("/backoffice/")
    request.user = alice
    assert not any(e["label"] == "Letture di prova" for e in registry.backoffice_entries(request))
    # What migrate's post_migrate signal creates for an installed app's model.
    permission = Permission.objects.create(
        codename="view_pluginreading",
        name="Can view plugin reading",
        content_type=ContentType.objects.get_for_model(plugin),
    )
    alice.user_permissions.add(permission)
    request.user = type(alice).objects.get(pk=alice.pk)  # a fresh permission cache
    entries = registry.backoffice_entries(request)
    assert {"label": "Letture di prova", "url": "/prova/", "active": False} in entries


def test_section_on_the_contract_page_of_water_contracts_only(plugin, client, alice):
    from customers.tests.factories import ContractFactory, LinkFactory

    client.force_login(alice)
    water = LinkFactory(user=alice, contract=ContractFactory(service="water"))
    waste = LinkFactory(user=alice, contract=ContractFactory(service="waste"))
    html = client.get(f"/servizi/{water.uid}/").content.decode()
    assert f"Contatore del servizio {water.contract.service_code}" in html
    html = client.get(f"/servizi/{waste.uid}/").content.decode()
    assert "Contatore del servizio" not in html


def test_role_permissions_join_the_role(plugin):
    from accounts.staff import role_permissions

    assert "plugin_app.view_pluginreading" in role_permissions()["Operatore pratiche"]


def test_nothing_of_it_shows_once_the_app_is_gone(client, alice):
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "Letture di prova" not in html
    assert "test_readings.csv" not in {spec.name for spec in registry.feed_files()}
    granted = registry.role_permissions().get("Operatore pratiche", set())
    assert "plugin_app.view_pluginreading" not in granted
