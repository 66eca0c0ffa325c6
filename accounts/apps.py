from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _profile_card(request):
    from django.urls import reverse

    return {
        "title": _("Il mio profilo"),
        "url": reverse("accounts:profile"),
        "text": _("I tuoi dati, le credenziali di accesso, le attività recenti e i tuoi dati."),
    }


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Profili web")
    url_prefix = ""  # sportello/urls.py: accedi/, registrati/, profilo/ ...

    def ready(self):
        from core.registry import registry

        from . import exports, mail, signals, two_factor  # noqa: F401

        registry.register_menu(_("Il mio profilo"), "accounts:profile", order=20)
        registry.register_home_card(order=20, context=_profile_card)
        registry.register_public_feature(
            order=20,
            title=_("Il mio profilo"),
            text=_(
                "Consulta e modifica i tuoi dati anagrafici e le credenziali di accesso, "
                "controlla le attività recenti e scarica i tuoi dati."
            ),
        )
        for name, function, order in exports.SECTIONS:
            registry.register_export(name, function, order=order)
        # Mails whose body holds a live single-use link (the mailbox hides them unless DEBUG).
        for kind in mail.WITH_LINK:
            registry.register_mail_with_link(kind)
