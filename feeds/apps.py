from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def sweep_on_housekeeping(sender, **kwargs):
    """Daily: running imports whose worker died become interrupted, their files deleted."""
    from .services import sweep_stale_jobs

    return len(sweep_stale_jobs())


class FeedsConfig(AppConfig):
    name = "feeds"
    verbose_name = _("Flussi del sistema di fatturazione")

    def ready(self):
        from core.signals import housekeeping

        housekeeping.connect(sweep_on_housekeeping, dispatch_uid="feeds.sweep_stale_jobs")
