from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _is_administrator(user):
    from accounts.staff import is_administrator

    return is_administrator(user)


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = _("Back-office")
    url_prefix = "backoffice/"

    def ready(self):
        from core.registry import registry

        # The back-office's own pages over the apps' services (backoffice/views/). A domain
        # with staff pages of its own registers them from its own ready().
        for label, url_name, permission, order in (
            (_("Profili web"), "backoffice:users", "accounts.view_user", 10),
            (_("Intestatari e utenze"), "backoffice:holders", "customers.view_holder", 20),
            (
                _("Flussi del sistema di fatturazione"),
                "backoffice:feeds",
                "feeds.view_importjob",
                30,
            ),
            (_("Personale e ruoli"), "backoffice:staff", "accounts.manage_staff", 50),
            (_("Registro di audit"), "backoffice:audit", "core.view_auditevent", 60),
            (_("Amministrazione"), "admin:index", _is_administrator, 90),
        ):
            registry.register_backoffice_entry(label, url_name, permission=permission, order=order)
