from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django_otp.admin import OTPAdminSite

# The administration needs a verified second factor (django-otp's documented switch), and
# staff log in through the portal's own login page, with its throttling and its 2FA step.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Sportello - back-office"
admin.site.site_title = "Sportello"

urlpatterns = [
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("servizi/", include("customers.urls")),
    path("captcha/", include("captcha.urls")),
    path("backoffice/", include("backoffice.urls")),
    path(
        "gestione/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
    ),
    path("gestione/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
