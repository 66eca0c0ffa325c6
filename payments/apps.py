from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Pagamenti")
    url_prefix = "pagamenti/"

    def ready(self):
        from core.registry import registry

        from . import checks, exports, services  # noqa: F401 - checks registers itself

        registry.register_export("pagamenti", exports.payments_of_user, order=70)
        registry.register_deletion(services.forget_user)
        registry.register_export_file("payments.csv", exports.payments_since)
        registry.register_backoffice_entry(
            _("Pagamenti"), "payments:staff_list", permission="payments.view_payment", order=40
        )
        for role, perms in ROLE_PERMISSIONS.items():
            registry.register_role_permissions(role, perms)


# Kept in step with migration 0002_role_permissions (a frozen copy there).
ROLE_PERMISSIONS = {
    "Operatore servizio clienti": ["payments.view_payment"],
    "Amministratore": ["payments.view_payment", "payments.refund_payment"],
}
