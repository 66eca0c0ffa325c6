from django.conf import settings

from . import policy
from .registry import registry


def portal(request):
    """What every page's layout needs. The menus come from the registry (core.registry):
    only installed apps' entries; the back-office menu is computed only when a template asks
    for it (a callable, which the template engine calls)."""
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "utility": settings.UTILITY,
        "policy": policy.words,
        "personal_sections": registry.menu(request) if authenticated else [],
        "backoffice_menu": lambda: registry.backoffice_entries(request) if authenticated else [],
        "profile_menu": lambda: registry.profile_menu(request) if authenticated else [],
        "login_url": registry.url(settings.LOGIN_URL),
        "register_url": registry.url(settings.REGISTRATION_URL),
    }
