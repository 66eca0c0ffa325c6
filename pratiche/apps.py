from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PraticheConfig(AppConfig):
    name = "pratiche"
    verbose_name = _("Pratiche online")
