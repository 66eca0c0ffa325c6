from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


def _linked(user):
    from core import sql

    from .models import ContractLink

    return sql.Count(ContractLink, {"user": user})


def _home_card(request, count):
    from core.registry import registry

    card = {"title": _("I miei servizi"), "url": registry.url("customers:services")}
    if count:
        card["text"] = ngettext("%(n)d servizio collegato", "%(n)d servizi collegati", count) % {
            "n": count
        }
    else:
        card["text"] = _("Nessun servizio collegato al tuo profilo.")
        card["action_label"] = _("Aggancio servizi")
        card["action_url"] = registry.url("customers:link")
    return card


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Intestatari e utenze")
    url_prefix = "servizi/"

    def ready(self):
        from core.registry import registry

        from . import exports, feed

        registry.register_menu(_("I miei servizi"), "customers:services", order=10)
        registry.register_home_card(order=10, context=_home_card, count=_linked)
        registry.register_public_feature(
            order=10,
            title=_("I miei servizi"),
            text=_(
                "Visualizza i servizi già collegati al tuo profilo e collega altri contratti "
                "con la funzione Aggancio servizi: ti servono Codice cliente e Codice "
                "servizio, che trovi nell'intestazione della bolletta, e il Codice fiscale o "
                "la Partita IVA dell'intestatario."
            ),
        )
        registry.register_export("servizi_collegati", exports.linked_services, order=50)
        registry.register_feed_file(feed.CUSTOMER_SPEC)
        registry.register_feed_file(feed.CONTRACT_SPEC)
        registry.register_export_file("contract_links.csv", exports.contract_links)
