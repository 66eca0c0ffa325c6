""" "Modifica credenziali di accesso", "Verifica in due passaggi", "Attività e sessioni"."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from .. import selectors, two_factor
from ..backends import verify_password
from ..forms import ChangePasswordForm, locked_out_message
from ..passwords import MAX_LENGTH as MAX_PASSWORD_LENGTH
from ..services import sessions
from ..services.recovery import change_password
from .common import keep_session_after_password_change, meter_words


@login_required
@sensitive_post_parameters("current_password", "password1", "password2")
def password_change(request):
    """ "Modifica credenziali di accesso"."""
    form = ChangePasswordForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        change_password(user=request.user, password=form.cleaned_data["password1"], request=request)
        keep_session_after_password_change(request, request.user)
        messages.success(
            request,
            _("La password è stata modificata. Le altre sessioni aperte sono state chiuse."),
        )
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "user_inputs": meter_words(request.user)},
        status=429 if form.locked_out else 200,
    )


# --- activity and sessions -----------------------------------------------------------------


@login_required
def activity(request):
    user = request.user
    return render(
        request,
        "accounts/activity.html",
        {
            "events": selectors.recent_events(user),
            "sessions": selectors.sessions_of(user),
            "current_key": request.session.session_key,
        },
    )


@login_required
@require_POST
def end_session(request):
    # The page posts the row's id, never a session key: a key is as good as a login cookie.
    session_id = request.POST.get("session", "")
    if not session_id.isdigit() or not sessions.end_session(
        user=request.user,
        session_id=int(session_id),
        current_key=request.session.session_key,
        request=request,
    ):
        raise Http404
    messages.success(request, _("La sessione è stata chiusa."))
    return redirect("accounts:activity")


@login_required
@require_POST
def end_other_sessions(request):
    count = sessions.end_all_sessions(user=request.user, keep=request.session.session_key)
    messages.success(request, _("Sessioni chiuse: %(count)d.") % {"count": count})
    return redirect("accounts:activity")


# --- two-step verification -------------------------------------------------------------------


def _password_again_error(outcome):
    return locked_out_message() if outcome == "locked" else _("La password non è corretta.")


def _codes_page(request, codes):
    """The recovery codes, once; then staff go on to the back-office, customers to their
    profile."""
    after = reverse("backoffice:home" if request.user.is_staff else "accounts:profile")
    return render(request, "accounts/two_factor_codes.html", {"codes": codes, "after": after})


@login_required
@sensitive_post_parameters("password", "token")
def two_factor_setup(request):
    """Set up the authenticator; once it is on: new recovery codes, or (customers only)
    turn it off. Staff who have not verified an authenticator in this session can only
    set one up here (core.middleware.StaffTwoFactorMiddleware sends them here)."""
    user = request.user
    active = two_factor.has_two_factor(user)
    verified = two_factor.session_is_verified(user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    errors = {}
    status = 200
    if action == "disable":
        if user.is_staff or not active:
            raise Http404  # mandatory for staff; nothing to turn off otherwise
        outcome = verify_password(request=request, user=user, password=_password_in(request))
        if outcome == "ok":
            two_factor.disable_two_factor(user=user, request=request)
            messages.success(request, _("La verifica in due passaggi è stata disattivata."))
            return redirect("accounts:profile")
        errors["disable"] = _password_again_error(outcome)
        status = 429 if outcome == "locked" else 400
    elif action == "codes":
        if not active:
            raise Http404  # recovery codes exist only with an authenticator
        codes, errors["codes"], status = _new_recovery_codes(request, verified=verified)
        if codes is not None:
            return _codes_page(request, codes)
    elif request.method == "POST":
        if active:
            raise Http404  # replacing the authenticator means turning it off first
        token = request.POST.get("token", "").replace(" ", "")[:16]
        if not two_factor.pending_totp_device(user).verify_is_allowed()[0]:
            errors["token"] = two_factor.THROTTLED_MESSAGE
        else:
            codes = two_factor.confirm_totp(user=user, token=token, request=request)
            if codes is not None:
                otp_login(request, user.totpdevice_set.get(confirmed=True))
                return _codes_page(request, codes)
            errors["token"] = _("Il codice non è valido: controlla l'ora del telefono e riprova.")
        status = 400
    context = {
        "active": active,
        "verified": verified,
        "error": errors.get("token"),
        "disable_error": errors.get("disable"),
        "codes_error": errors.get("codes"),
    }
    if not active:
        device = two_factor.pending_totp_device(user)
        context.update(
            qr=two_factor.qr_data_uri(device),
            secret=two_factor.secret_for_manual_entry(device),
        )
    else:
        context["remaining"] = two_factor.remaining_recovery_codes(user)
    return render(request, "accounts/two_factor.html", context, status=status)


def _password_in(request):
    return request.POST.get("password", "")[:MAX_PASSWORD_LENGTH]


def _new_recovery_codes(request, *, verified):
    """New recovery codes once the person proves it again: the code the app shows now, or
    (in a session verified with the authenticator) the password. Returns (codes, error,
    status)."""
    user = request.user
    value = _password_in(request)
    token = re.sub(r"\s", "", value)
    if token.isdigit() and len(token) in (6, 8):
        if two_factor.is_throttled(user):
            return None, two_factor.THROTTLED_MESSAGE, 400
        device = two_factor.matches_authenticator(user, token)
        if device is not None:
            otp_login(request, device)
            return two_factor.regenerate_recovery_codes(user=user), None, 200
    if not verified:
        return None, _("Scrivi il codice di 6 cifre che l'app mostra in questo momento."), 400
    outcome = verify_password(request=request, user=user, password=value)
    if outcome == "ok":
        return two_factor.regenerate_recovery_codes(user=user), None, 200
    if outcome == "locked":
        return None, _password_again_error(outcome), 429
    return None, _("La password o il codice non sono corretti."), 400
