"""The root URLconf. Each app of ours whose AppConfig declares `url_prefix` has its `urls`
module included there, in INSTALLED_APPS order (core.registry's docstring): a new domain
does not edit this file."""

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from accounts.admin import SportelloAdminSite

# The administration needs a verified second factor (django-otp's documented switch) and the
# Amministratore role; staff log in through the portal's own login page, with its throttling
# and its 2FA step (SportelloAdminSite.login sends them there; others get a 404).
admin.site.__class__ = SportelloAdminSite
admin.site.site_header = "Amministrazione"
admin.site.site_title = "Sportello"


def app_urlpatterns():
    """One include() per installed app with a `url_prefix`."""
    return [
        path(app.url_prefix, include(f"{app.name}.urls"))
        for app in apps.get_app_configs()
        if getattr(app, "url_prefix", None) is not None
    ]


urlpatterns = [
    *app_urlpatterns(),
    path("captcha/", include("captcha.urls")),
    path("gestione/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
