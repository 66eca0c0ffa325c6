"""A ceiling on request bodies, checked on the declared length before anything reads them.

Django parses a multipart body as soon as a view or CsrfViewMiddleware.process_view touches
request.POST, and DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files: without this,
anyone could make any URL (/accedi/ included) spool 100 MB to disk. Every middleware's
__call__ runs before any process_view, so this one refuses first as long as it sits after
django_otp's OTPMiddleware (it needs request.user and user.is_verified()).

Limits (bytes, all settings):
- REQUEST_MAX_BYTES_ANONYMOUS, default 1 MiB: a visitor who is not signed in only sends forms
  (login, registration: a few KiB);
- REQUEST_MAX_BYTES, default 10 MiB: a signed-in user (attachments of later domains);
- a larger body on one URL: the URLs apps register (core.registry.register_large_body: a
  form with several attachments, for any signed-in user) and REQUEST_LARGE_BODY_URLS,
  {url name: (permission, bytes)} for verified staff holding the permission (by default the
  feed upload); a permission of None means any signed-in user.
A body sent chunked, without Content-Length, is refused on POST, PUT and PATCH unless the
request may send a large body (Django would read it as empty anyway).
"""

from django.conf import settings
from django.shortcuts import render
from django.urls import Resolver404, resolve

from .access import is_staff_member
from .registry import registry

MiB = 1024 * 1024
BODY_METHODS = ("POST", "PUT", "PATCH")
# Named, not imported: core imports no other app of ours. 200 MB is the feed upload form's
# own limit (backoffice.forms.FeedUploadForm.MAX_BYTES); 1 MiB more for the multipart
# envelope and the form's other fields.
DEFAULT_LARGE_BODY_URLS = {"backoffice:feeds": ("feeds.add_importjob", 200 * MiB + MiB)}


def _declared_length(meta):
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads an invalid length as no body
    return max(length, 0)


def _url_name(request):
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


class RequestSizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = _declared_length(request.META)
        chunked = (
            request.method in BODY_METHODS
            and not request.META.get("CONTENT_LENGTH")
            and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        )
        limit = self.limit(request)
        if (length > limit or chunked) and not self.may_send_large_body(request, length):
            return render(request, "413.html", {"limit_mb": limit / MiB}, status=413)
        return self.get_response(request)

    def limit(self, request):
        return general_limit(request)

    def may_send_large_body(self, request, length):
        """Only for a request over the general limit: on a URL that takes large bodies, within
        that URL's own limit, is it a signed-in user (a verified staff member with the
        permission, when the URL names one)?"""
        allowed = allowed_body(request, _url_name(request))
        return allowed is not None and length <= allowed


def general_limit(request):
    """The body any URL takes: REQUEST_MAX_BYTES signed in, REQUEST_MAX_BYTES_ANONYMOUS not."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return getattr(settings, "REQUEST_MAX_BYTES", 10 * MiB)
    return getattr(settings, "REQUEST_MAX_BYTES_ANONYMOUS", MiB)


def large_body_rules():
    """{url name: (permission or None, max bytes)}: what apps register, then the setting."""
    return {
        **registry.large_bodies(),
        **getattr(settings, "REQUEST_LARGE_BODY_URLS", DEFAULT_LARGE_BODY_URLS),
    }


def allowed_body(request, url_name):
    """The larger body `request`'s user may send to `url_name`, or None."""
    rule = large_body_rules().get(url_name)
    user = getattr(request, "user", None)
    if rule is None or user is None or not user.is_authenticated:
        return None
    permission, max_bytes = rule
    if permission is not None and not is_staff_member(user, permission):
        return None
    return max_bytes


def max_body_bytes(request, url_name):
    """What a form posting to `url_name` may send in one request, for the page to state."""
    allowed = allowed_body(request, url_name)
    return allowed if allowed is not None else general_limit(request)
