from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Sportello"

    def ready(self):
        from . import checks, checks_cache, signals  # noqa: F401
