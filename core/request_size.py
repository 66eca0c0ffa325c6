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
- REQUEST_LARGE_BODY_URLS: {url name: (permission, bytes)}, a larger body on one URL for
  verified staff holding the permission; by default the feed upload.
A body sent chunked, without Content-Length, is refused on POST, PUT and PATCH unless the
request may send a large body (Django would read it as empty anyway).
"""

from django.conf import settings
from django.shortcuts import render
from django.urls import Resolver404, resolve

from .access import is_staff_member

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
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return getattr(settings, "REQUEST_MAX_BYTES", 10 * MiB)
        return getattr(settings, "REQUEST_MAX_BYTES_ANONYMOUS", MiB)

    def may_send_large_body(self, request, length):
        """Only for a request over the general limit: is it a verified staff member with the
        permission, on the URL that takes large bodies, within that URL's own limit?"""
        large = getattr(settings, "REQUEST_LARGE_BODY_URLS", DEFAULT_LARGE_BODY_URLS)
        rule = large.get(_url_name(request))
        if rule is None:
            return False
        permission, max_bytes = rule
        user = getattr(request, "user", None)
        return length <= max_bytes and user is not None and is_staff_member(user, permission)
