import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import LazyObject, empty
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from .access import verified_by_authenticator
from .http import ratelimit_ip_key

LOGIN_AT_KEY = "sportello_login_at"
UNLIMITED_PATHS = ("/healthz", "/static/")


class RequestRateLimitMiddleware:
    """A ceiling on requests per client address, counted in the shared cache, so it holds
    across every app server. Finer limits (login, linking) sit on their own views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rate = settings.RATE_LIMIT_PER_IP
        if (
            rate
            and rate != "0"
            and not request.path.startswith(UNLIMITED_PATHS)
            and is_ratelimited(
                request, group="global", key=ratelimit_ip_key, rate=rate, increment=True
            )
        ):
            response = render(request, "429.html", status=429)
            response["Retry-After"] = "60"
            return response
        return self.get_response(request)


class ResolvedUserMiddleware:
    """`request.user` as the user itself from here on. Django's authentication and
    django-otp each wrap it in a lazy proxy (one inside the other), so every later read of
    one of its attributes, by the middleware below, the views and the templates, went through
    both: about a hundred reads per signed-in page, a tenth of its time (docs/performance.md).
    Every request reads the user in the middleware below anyway, so reading it here costs
    nothing more; login() and logout() still replace request.user as before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        while isinstance(user, LazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        if user is not None:
            request.user = user
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """Absolute session lifetime (NIST AAL2: 24 h), on top of the 30-minute idle timeout that
    SESSION_COOKIE_AGE with SessionRefreshMiddleware gives."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            login_at = request.session.get(LOGIN_AT_KEY)
            now = time.time()
            if login_at is None:
                request.session[LOGIN_AT_KEY] = now
            elif now - login_at > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("La sessione è scaduta: accedi di nuovo."))
        return self.get_response(request)


class PrivateCacheMiddleware:
    """No cache, anywhere, keeps a copy of a page shown to a logged-in person: the headers
    add_never_cache_headers() and patch_cache_control(private=True) give, written at once
    when the view set neither (every signed-in page; parsing and merging them cost a twentieth
    of the logged-in home, docs/performance.md), merged by Django's functions otherwise."""

    CACHE_CONTROL = "max-age=0, no-cache, no-store, must-revalidate, private"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            headers = response.headers
            if "Cache-Control" in headers or "Expires" in headers:
                add_never_cache_headers(response)
                patch_cache_control(response, private=True)
            else:
                headers["Expires"] = http_date()
                headers["Cache-Control"] = self.CACHE_CONTROL
        return response


class StaffTwoFactorMiddleware:
    """Two-step verification is mandatory for staff: until a staff member has verified a
    code of the authenticator in this session (or one of its recovery codes), every page
    but the set-up, the verification and logout redirects there. Customers who turned it
    on verify at login (accounts.views.login)."""

    ALLOWED = ("/profilo/due-passaggi/", "/accedi/", "/esci/", "/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and not request.path.startswith(self.ALLOWED)
            and not verified_by_authenticator(user)
        ):
            return redirect("accounts:two_factor")
        return self.get_response(request)


class SessionRefreshMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE, 30 minutes) without a database write on every
    request: an existing session is saved again, with a new expiry and cookie, only when it
    was last refreshed more than EVERY seconds ago (SESSION_SAVE_EVERY_REQUEST is off). So a
    session ends between 29 and 30 minutes after its last request: 30 minutes, less at most
    one. Sessions that do not exist yet are left alone (no session for an anonymous visit)."""

    EVERY = 60
    KEY = "sportello_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key is not None and not session.is_empty():
            now = time.time()
            if now - session.get(self.KEY, 0) > self.EVERY:
                session[self.KEY] = now  # modified: SessionMiddleware saves it, cookie too
        return response
