from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _contract_section(request, link):
    from .views import contract_section

    return contract_section(request, link)


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Bollette")
    url_prefix = "bollette/"

    def ready(self):
        from core.registry import registry

        from . import exports, feed

        registry.register_feed_file(feed.BILL_SPEC)
        registry.register_feed_file(feed.PAYMENT_SPEC)
        registry.register_contract_section(
            order=20, template="billing/section.html", context=_contract_section
        )
        registry.register_export("bollette", exports.bills_of_user, order=60)
        registry.register_public_feature(
            order=20,
            title=_("Bollette online"),
            text=_(
                "Consulta le bollette dei due anni precedenti, scarica il PDF e paga online "
                "gli importi in sospeso."
            ),
        )
