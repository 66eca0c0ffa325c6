"""Small pieces the accounts' views share: the per-address rate limit, where to go after
login, the token pages' one answer for a link that cannot be used."""

from datetime import timedelta

from django.contrib.auth import update_session_auth_hash
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_ratelimit.core import _split_rate, is_ratelimited

from core import policy
from core.http import client_key

from ..forms import ResendConfirmationForm
from ..models import EmailToken
from ..passwords import user_inputs
from ..services.sessions import follow_session


def _ip_key(group, request):
    return client_key(request)


def too_many(request, group, rate):
    """Count this request against the client address's `rate`; True once it is over."""
    return is_ratelimited(request, group=group, key=_ip_key, rate=rate, increment=True)


def rate_period_words(rate):
    """The period of a "count/period" rate in words ("un'ora"), for the page that says how
    long to wait."""
    return policy.duration(timedelta(seconds=_split_rate(rate)[1]))


def landing(user):
    """Where a login leads when it names no `next`: staff to the back-office, customers to
    the home page."""
    if user is not None and user.is_staff:
        return reverse("backoffice:home")
    return reverse("home")


def safe_next(request, user=None):
    """The `next` the form or the query string carries, if it stays on this site; else the
    landing page of `user` (the request's user when not given)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    if user is None and request.user.is_authenticated:
        user = request.user
    return landing(user)


def keep_session_after_password_change(request, user):
    """Stay logged in after a new password; the session's new key keeps its UserSession."""
    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    follow_session(old_key=old_key, new_key=request.session.session_key)


def meter_words(user):
    """The profile's words the browser's strength meter should treat as guessable, as the
    server does (accounts.passwords). Not the tax codes: pages never show them whole."""
    hidden = {user.codice_fiscale, user.partita_iva} - {""}
    return "|".join(w for w in user_inputs(user) if w not in hidden)


def unusable_link(request, error, *, purpose):
    """The one answer of the three token pages (registration confirmation, new password,
    new e-mail address) for a link that cannot be used, on GET and POST alike: 404 for a
    token nobody issued, 410 for one expired or already used. An expired or used
    confirmation link offers a new one."""
    context = {"reason": error.reason, "purpose": purpose}
    if purpose == EmailToken.Purpose.CONFIRM:
        context["form"] = ResendConfirmationForm()
    status = 404 if error.reason == "invalid" else 410
    return render(request, "accounts/link_invalid.html", context, status=status)
