from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Sportello"
    url_prefix = ""  # sportello/urls.py: home, pages, healthz, posta/

    def ready(self):
        from . import checks, checks_cache, exports, signals  # noqa: F401
        from .registry import registry

        registry.register_export("posta_inviata", exports.sent_mail, order=90)
        registry.register_backoffice_entry(
            _("Posta inviata dal portale"),
            "mailbox",
            permission="core.view_outboxmessage",
            order=40,
        )
