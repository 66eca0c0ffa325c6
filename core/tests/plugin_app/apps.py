"""A pretend domain ("letture di prova") that plugs in the way a real one does: everything
it contributes is registered here, nothing outside this folder knows it
(core/tests/test_plugin_app.py installs it)."""

from django.apps import AppConfig

DELETED = []  # users whose data the deletion rule was asked to remove


def _card(request):
    return {"who": request.user.get_username()}


def _section(request, link):
    return {"code": link.contract.service_code}


def _forget(user):
    DELETED.append(user.pk)


class PluginAppConfig(AppConfig):
    name = "core.tests.plugin_app"
    label = "plugin_app"
    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = "prova/"

    def ready(self):
        from core.registry import registry

        from . import exports, feed

        registry.register_menu("Letture di prova", "plugin_app:list", order=15)
        registry.register_home_card(order=15, template="plugin_app/card.html", context=_card)
        registry.register_public_feature(
            order=15, title="Letture di prova", text="Comunica le letture di prova."
        )
        registry.register_export("letture_di_prova", exports.readings)
        registry.register_deletion(_forget)
        registry.register_feed_file(feed.SPEC)
        registry.register_export_file("test_readings.csv", exports.readings_since)
        registry.register_backoffice_entry(
            "Letture di prova", "plugin_app:list", permission="plugin_app.view_pluginreading",
            order=35,
        )  # fmt: skip
        registry.register_mail_with_link("plugin_hello")
        registry.register_contract_section(
            order=15, template="plugin_app/section.html", context=_section,
            visible=lambda contract: contract.service == "water",
        )  # fmt: skip
        registry.register_role_permissions("Operatore pratiche", ["plugin_app.view_pluginreading"])
