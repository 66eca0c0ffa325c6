from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Profili web")

    def ready(self):
        from . import signals, two_factor  # noqa: F401
