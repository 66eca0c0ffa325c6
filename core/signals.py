import time

from django.contrib.auth.signals import user_logged_in
from django.core.signals import setting_changed
from django.dispatch import Signal, receiver

from .middleware import LOGIN_AT_KEY

# Sent once a day by `manage.py housekeeping`, after the core's own pruning. An app connects
# a receiver for its daily work (accounts: drop the rows of sessions that no longer exist).
# Receivers take **kwargs and return how many rows they removed (or None). Arguments:
# verbosity (int).
housekeeping = Signal()


@receiver(user_logged_in)
def remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = time.time()


# Settings the layout's fixed fragments (base.html, {% fixed %}) are made of.
LAYOUT_SETTINGS = {"UTILITY", "STATIC_URL", "STORAGES", "LANGUAGES", "ROOT_URLCONF"}


@receiver(setting_changed)
def forget_layout(sender, setting, **kwargs):
    """A test that overrides a setting the layout shows gets the layout rendered anew."""
    if setting in LAYOUT_SETTINGS:
        from . import shapes, views
        from .templatetags.sportello import forget_fragments

        forget_fragments()
        shapes.forget()
        views.forget_cards()
