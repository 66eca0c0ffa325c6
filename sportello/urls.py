from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Sportello - back-office"
admin.site.site_title = "Sportello"

urlpatterns = [
    path("", include("core.urls")),
    path("", include("accounts.urls")),
    path("captcha/", include("captcha.urls")),
    path("gestione/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
