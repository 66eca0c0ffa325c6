import contextlib
from functools import cache

from django.conf import settings
from django.urls import NoReverseMatch, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from . import policy

# The personal area's four sections, in the guide's order. Each appears in the navigation
# as soon as the app that serves it is installed and routed.
PERSONAL_SECTIONS = [
    (_("I miei servizi"), "customers:services"),
    (_("Il mio profilo"), "accounts:profile"),
    (_("Richieste e reclami"), "tickets:list"),
    (_("Le mie pratiche"), "pratiche:list"),
]
PUBLIC_ENTRIES = [("login", "accounts:login"), ("register", "accounts:register")]


@cache
def _routes(urlconf):
    routes = {}
    for _label, name in PERSONAL_SECTIONS + PUBLIC_ENTRIES:
        with contextlib.suppress(NoReverseMatch):
            routes[name] = reverse(name, urlconf=urlconf)
    return routes


def portal(request):
    routes = _routes(get_urlconf())
    return {
        "utility": settings.UTILITY,
        "policy": policy.words,
        "personal_sections": [
            {"label": label, "url": routes[name], "active": request.path.startswith(routes[name])}
            for label, name in PERSONAL_SECTIONS
            if name in routes
        ],
        "login_url": routes.get("accounts:login"),
        "register_url": routes.get("accounts:register"),
    }
