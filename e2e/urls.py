"""The project's URLs plus a view that always fails, so a browser test can see the 500 page.

Used only by tests marked ``@pytest.mark.urls("e2e.urls")``; never routed in the project.
"""

from django.urls import include, path

from sportello.urls import handler400, handler403, handler404, handler500  # noqa: F401


class BoomError(Exception):
    """Raised on purpose by /_boom/."""


def boom(request):
    raise BoomError("e2e: deliberate failure to render the 500 page")


urlpatterns = [
    path("_boom/", boom, name="e2e_boom"),
    path("", include("sportello.urls")),
]
