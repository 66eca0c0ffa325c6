"""The portal's URLs plus the benchmark's floor."""

from django.http import HttpResponse
from django.urls import include, path

from sportello.urls import handler400, handler403, handler404, handler500  # noqa: F401


def floor(request):
    """Hello world through the full middleware stack: the floor any page is measured against."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("_floor/", floor, name="bench_floor"),
    path("", include("sportello.urls")),
]
