from django.contrib import admin
from django.urls import include, path

from accounts.admin import SportelloAdminSite

# The administration needs a verified second factor (django-otp's documented switch) and the
# Amministratore role; staff log in through the portal's own login page, with its throttling
# and its 2FA step (SportelloAdminSite.login sends them there; others get a 404).
admin.site.__class__ = SportelloAdminSite
admin.site.site_header = "Amministrazione"
admin.site.site_title = "Sportello"

urlpatterns = [
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("servizi/", include("customers.urls")),
    path("captcha/", include("captcha.urls")),
    path("backoffice/", include("backoffice.urls")),
    path("gestione/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
