from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ROLES = ("Operatore pratiche", "Amministratore")


def _open_pratiche(user):
    from core import sql

    from .models import Pratica
    from .selectors import OPEN_STATES

    return sql.Count(Pratica, {"user": user, "state": OPEN_STATES})


def _home_card(request, count):
    from django.utils.translation import ngettext

    from core.registry import registry

    card = {"title": _("Le mie pratiche"), "url": registry.url("pratiche:list")}
    if count:
        card["text"] = ngettext("%(n)d pratica in corso", "%(n)d pratiche in corso", count) % {
            "n": count
        }
    else:
        card["text"] = _(
            "Moduli online per i tuoi dati, i contratti, le bollette e la domiciliazione."
        )
    card["action_label"] = _("Nuova pratica")
    card["action_url"] = registry.url("pratiche:catalogue")
    return card


def _contract_section(request, link):
    from . import selectors

    contract = link.contract
    return {
        "link": link,
        "delivery": selectors.current_delivery(contract),
        "pending": selectors.pending_delivery(contract),
        "mandate": selectors.active_mandate(contract),
        "direct_debit": contract.direct_debit,
    }


class PraticheConfig(AppConfig):
    name = "pratiche"
    verbose_name = _("Pratiche online")
    url_prefix = "pratiche/"

    def ready(self):
        from core.registry import registry

        from . import checks, exports, mail, services  # noqa: F401 - checks registers itself

        registry.register_menu(_("Le mie pratiche"), "pratiche:list", order=40)
        # A form carries up to three documents of 10 MB: more than REQUEST_MAX_BYTES.
        for url_name in ("pratiche:new", "pratiche:edit", "pratiche:integrate"):
            registry.register_large_body(url_name, max_bytes=31 * 1024 * 1024)
        registry.register_profile_menu(
            _("Modifica le Impostazioni invio documenti e autorizzazioni"),
            "pratiche:delivery",
            order=40,
        )
        registry.register_home_card(order=40, context=_home_card, count=_open_pratiche)
        registry.register_public_feature(
            order=40,
            title=_("Le mie pratiche"),
            text=_(
                "Compila i moduli online per cambiare i tuoi dati o l'indirizzo di recapito, "
                "attivare un nuovo servizio, fare un subentro, una voltura o una cessazione, "
                "chiedere chiarimenti su una bolletta e attivare la domiciliazione bancaria."
            ),
        )
        registry.register_export("pratiche", exports.my_pratiche, order=70)
        registry.register_export("invio_bollette", exports.my_delivery, order=71)
        registry.register_export("mandati_sepa", exports.my_mandates, order=72)
        registry.register_deletion(services.forget_user)
        registry.register_export_file("pratiche.csv", exports.pratiche_since)
        registry.register_export_file("delivery.csv", exports.delivery_since)
        registry.register_export_file("mandates.csv", exports.mandates_since)
        registry.register_backoffice_entry(
            _("Pratiche"), "pratiche:staff_queue", permission=services.PERMISSION, order=35
        )
        for kind in mail.WITH_LINK:
            registry.register_mail_with_link(kind)
        registry.register_contract_section(
            order=30, template="pratiche/contract_section.html", context=_contract_section
        )
        for role in ROLES:
            registry.register_role_permissions(role, [services.PERMISSION])
