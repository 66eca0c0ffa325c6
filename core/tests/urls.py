from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import include, path


def boom(request):
    raise RuntimeError("secret detail")


def bad(request):
    raise SuspiciousOperation("bad")


def denied(request):
    raise PermissionDenied


urlpatterns = [
    path("boom/", boom),
    path("bad/", bad),
    path("denied/", denied),
    path("", include("sportello.urls")),
]
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
