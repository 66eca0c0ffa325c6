""" "Accesso utente": login, the lock-out answer, the second step, logout."""

import re
import time

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from core import policy

from .. import two_factor
from ..backends import cool_off_minutes, is_locked_out, needs_captcha
from ..forms import LoginForm
from ..services.login import warn_of_login_attempts
from .common import safe_next, too_many

User = get_user_model()
PENDING_2FA = "sportello_2fa_pending"
PENDING_2FA_SECONDS = 300


@sensitive_post_parameters("password")
def login(request):
    """ "Accesso utente". Failures are counted per (username, address) by django-axes;
    a per-address ceiling on attempts slows guessing across many usernames. Without a
    `next`, staff land in the back-office and customers on the home page."""
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST":
        if too_many(request, "login-ip", policy.LOGIN_ATTEMPTS_RATE):
            return lockout(request)
        # The per-(username, address) lock of django-axes does not stop a botnet, or IPv6
        # addresses taken one after the other: past a number of failures from anywhere, the
        # profile asks for a CAPTCHA too.
        username = request.POST.get("username", "")
        if is_locked_out(request, username):
            return lockout(request)
        if needs_captcha(username):
            if "refresh_captcha" in request.POST:
                # "Nuova immagine" without JS: the form again, a new image, no attempt.
                form = LoginForm(request, initial={"username": username[:254]}, captcha=True)
                next_url = request.POST.get("next", "")
                return render(request, "accounts/login.html", {"form": form, "next": next_url})
            form = LoginForm(request, data=request.POST, captcha=True)
        if form.is_valid():
            user = form.get_user()
            if two_factor.has_two_factor(user):
                request.session.cycle_key()
                request.session[PENDING_2FA] = {
                    "user": user.pk,
                    "backend": user.backend,
                    "at": time.time(),
                    "next": safe_next(request, user),
                }
                return redirect("accounts:login_verify")
            auth_login(request, user)
            return redirect(safe_next(request, user))
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            warn_of_login_attempts(identifier=username)
    # A failed attempt keeps where the customer was going (the form posts it back).
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def lockout(request, *args, **kwargs):
    """django-axes' answer once a (username, address) pair has failed too often."""
    form = LoginForm(request, initial={"username": request.POST.get("username", "")[:254]})
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "throttled": True,
            "minutes": cool_off_minutes(),
            "next": request.POST.get("next", ""),
        },
        status=429,
    )


def login_verify(request):
    """Second step for profiles with two-step verification: the app's code or a recovery
    code."""
    pending = request.session.get(PENDING_2FA)
    if not pending or time.time() - pending["at"] > PENDING_2FA_SECONDS:
        request.session.pop(PENDING_2FA, None)
        messages.info(request, _("Accedi di nuovo: la verifica è scaduta."))
        return redirect("accounts:login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        raise Http404
    error = None
    if request.method == "POST":
        # Digits of the app or a recovery code: anything else (a NUL byte…) is just wrong.
        token = re.sub(r"[^0-9A-Za-z]", "", request.POST.get("token", ""))[:16]
        if too_many(request, "login-verify", policy.LOGIN_VERIFY_RATE):
            error = _("Troppi tentativi. Attendi qualche minuto e riprova.")
        elif two_factor.is_throttled(user):
            error = two_factor.THROTTLED_MESSAGE
        elif (device := two_factor.match(user, token)) is not None:
            del request.session[PENDING_2FA]
            user.backend = pending["backend"]
            auth_login(request, user)
            otp_login(request, device)
            return redirect(pending["next"])
        else:
            error = _("Il codice non è valido. Controlla l'app e riprova.")
    return render(
        request, "accounts/login_verify.html", {"error": error}, status=400 if error else 200
    )


@require_POST
def logout(request):
    auth_logout(request)
    messages.success(request, _("Sei uscito dall'area riservata."))
    return redirect("home")
