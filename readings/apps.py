from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ROLE_PERMISSIONS = {
    "Operatore servizio clienti": ("readings.view_reading", "readings.validate_reading"),
    "Amministratore": (
        "readings.view_reading",
        "readings.validate_reading",
        "readings.view_rejectionreason",
        "readings.add_rejectionreason",
        "readings.change_rejectionreason",
    ),
}


def _visible(contract):
    from .selectors import is_water

    return is_water(contract)


def _section(request, link):
    from .selectors import contract_section

    return contract_section(request, link)


def prune_held_photos(sender, **kwargs):
    """Daily: the photos held for a confirmation that never came (their token expired)."""
    from .forms import PHOTO_TOKEN_MAX_AGE
    from .services import prune_held_photos as prune

    return prune(PHOTO_TOKEN_MAX_AGE)


class ReadingsConfig(AppConfig):
    name = "readings"
    verbose_name = _("Letture contatore")
    url_prefix = "letture/"

    def ready(self):
        from core.registry import registry
        from core.signals import housekeeping

        from . import exports, feed, services

        registry.register_feed_file(feed.METER_SPEC)
        registry.register_feed_file(feed.READING_SPEC)
        registry.register_export_file("readings.csv", exports.readings_since)
        registry.register_export("letture", exports.my_readings, order=60)
        registry.register_deletion(services.forget_readings)
        # The photo may be 10 MB: the form around it needs a little more than
        # REQUEST_MAX_BYTES, so the field, not the door, says when a photo is too large.
        registry.register_large_body("readings:new", max_bytes=11 * 1024 * 1024)
        registry.register_contract_section(
            order=10, template="readings/section.html", context=_section, visible=_visible
        )
        registry.register_backoffice_entry(
            _("Letture"), "readings:staff_queue", permission=services.PERMISSION, order=30
        )
        registry.register_public_feature(
            order=15,
            title=_("Letture contatore"),
            text=_(
                "Comunica la lettura del contatore dell'acqua quando vuoi: ricevi subito la "
                "ricevuta, vedi lo stato di ogni lettura e i tuoi consumi."
            ),
        )
        for role, perms in ROLE_PERMISSIONS.items():
            registry.register_role_permissions(role, perms)
        housekeeping.connect(services.on_housekeeping, dispatch_uid="readings.notify_verdicts")
        housekeeping.connect(prune_held_photos, dispatch_uid="readings.prune_held_photos")
