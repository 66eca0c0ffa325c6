from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The permissions this app gives staff roles (the data migration 0003 grants a frozen copy).
ROLE_PERMISSIONS = {
    "Operatore servizio clienti": [
        "tickets.handle_water",
        "tickets.handle_waste",
        "tickets.handle_energy",
        "tickets.view_statistics",
    ],
    "Amministratore": [
        "tickets.handle_water",
        "tickets.handle_waste",
        "tickets.handle_energy",
        "tickets.view_statistics",
        "tickets.view_ticket",
        "tickets.add_responsestandard",
        "tickets.change_responsestandard",
        "tickets.view_responsestandard",
        "tickets.add_standardanswer",
        "tickets.change_standardanswer",
        "tickets.delete_standardanswer",
        "tickets.view_standardanswer",
    ],
}


def _handles_tickets(user):
    from .selectors import handles_any_area

    return handles_any_area(user)


def _open_tickets(user):
    from core import sql

    from .models import Ticket

    return sql.Count(Ticket, {"user": user}, exclude={"status": Ticket.Status.CLOSED})


def _home_card(request, open_count):
    from django.utils.translation import ngettext

    from core.registry import registry

    card = {
        "title": _("Richieste e reclami"),
        "url": registry.url("tickets:list"),
        "action_label": _("Nuova richiesta"),
        "action_url": registry.url("tickets:new"),
    }
    if open_count:
        card["text"] = ngettext("%(n)d richiesta aperta", "%(n)d richieste aperte", open_count) % {
            "n": open_count
        }
    else:
        card["text"] = _(
            "Scrivi al Servizio Clienti: richieste di informazioni, segnalazioni, reclami."
        )
    return card


def _contract_section(request, link):
    from django.urls import reverse

    from .models import Ticket

    return {
        "tickets": list(
            Ticket.objects.filter(user=request.user, contract=link.contract).order_by(
                "-received_at"
            )[:5]
        ),
        "new_url": f"{reverse('tickets:new')}?utenza={link.uid}",
    }


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Richieste e reclami")
    default_auto_field = "django.db.models.BigAutoField"
    # Customer pages under richieste/, staff pages under backoffice/richieste/ (urls.py).
    url_prefix = ""

    def ready(self):
        from core.registry import registry

        from . import exports, services

        registry.register_menu(_("Richieste e reclami"), "tickets:list", order=30)
        registry.register_home_card(order=30, context=_home_card, count=_open_tickets)
        registry.register_public_feature(
            order=30,
            title=_("Richieste e reclami"),
            text=_(
                "Invia al Servizio Clienti richieste di informazioni, segnalazioni, note di "
                "merito e reclami per l'acqua, l'ambiente e l'energia: ricevi subito un numero "
                "di protocollo e la data entro cui avrai risposta."
            ),
        )
        registry.register_contract_section(
            order=30, template="tickets/section.html", context=_contract_section
        )
        registry.register_export("richieste_e_reclami", exports.my_requests, order=60)
        registry.register_deletion(services.forget_customer)
        registry.register_export_file("requests.csv", exports.requests_since)
        registry.register_backoffice_entry(
            _("Richieste e reclami"), "tickets:staff_queue", permission=_handles_tickets, order=25
        )
        registry.register_backoffice_entry(
            _("Statistiche delle richieste"),
            "tickets:staff_statistics",
            permission="tickets.view_statistics",
            order=26,
        )
        # A message may carry max_attachments() files of 10 MB: more than REQUEST_MAX_BYTES.
        from . import conf

        max_body = conf.max_attachments() * 10 * 1024 * 1024 + 1024 * 1024
        for url_name in ("tickets:new", "tickets:detail", "tickets:staff_answer"):
            registry.register_large_body(url_name, max_bytes=max_body)
        for role, perms in ROLE_PERMISSIONS.items():
            registry.register_role_permissions(role, perms)
