""" "Registrazione utente" (guide steps 1-10): the form, the welcome link's page, a new
link, the first password."""

from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from core import policy

from ..forms import InitialPasswordForm, RegistrationForm, ResendConfirmationForm
from ..models import EmailToken
from ..services import registration as services
from ..services.tokens import TokenError, inspect_token
from .common import (
    keep_session_after_password_change,
    meter_words,
    rate_period_words,
    too_many,
    unusable_link,
)


def _register_page(request, form, status=200):
    return render(request, "accounts/register.html", {"form": form}, status=status)


def register(request):
    """ "Registrazione utente" (guide steps 1-7)."""
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST" and "refresh_captcha" in request.POST:
        # "Nuova immagine" without JS: the page again, with what was typed and a new image.
        return _register_page(request, RegistrationForm(initial=_typed(request.POST)))
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Only complete submissions count; when over the limit the form stays filled in.
        if not too_many(request, "register", policy.REGISTRATION_RATE):
            services.register(data=form.cleaned_data, request=request)
            return redirect("accounts:register_done")
        form.add_error(
            None,
            _("Troppe registrazioni da questo indirizzo. Attendi %(wait)s e invia di nuovo.")
            % {"wait": rate_period_words(policy.REGISTRATION_RATE)},
        )
        return _register_page(request, form, status=429)
    return _register_page(request, form)


def _typed(data):
    """What the person typed, to fill the form in again (never the CAPTCHA's answer)."""
    fields = RegistrationForm.base_fields
    return {name: data.get(name) for name in fields if name != "captcha" and name in data}


def register_done(request):
    return render(request, "accounts/register_done.html")


def confirm(request, token):
    """The welcome link (guide step 9): a page with "Accedi". Only the POST uses the link,
    so a mail scanner opening it does not spend it."""
    try:
        row = inspect_token(token=token, purpose=EmailToken.Purpose.CONFIRM)
        if request.method == "POST":
            user = services.confirm_registration(token=token, request=request)
            if request.user.is_authenticated:
                auth_logout(request)
            auth_login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
            return redirect("accounts:set_password")
    except TokenError as error:
        return unusable_link(request, error, purpose=EmailToken.Purpose.CONFIRM)
    return render(request, "accounts/confirm.html", {"username": row.user.username})


def resend_confirmation(request):
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not too_many(request, "resend", policy.CONFIRMATION_RESEND_RATE):
            services.resend_confirmation(email=form.cleaned_data["email"])
        return render(request, "accounts/resend_done.html")
    return render(request, "accounts/resend.html", {"form": form})


@login_required
@sensitive_post_parameters("password1", "password2")
def set_password(request):
    """Guide step 10: choose the password and "Salva"."""
    user = request.user
    if user.has_usable_password():
        return redirect("accounts:profile")
    form = InitialPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.set_initial_password(
            user=user, password=form.cleaned_data["password1"], request=request
        )
        keep_session_after_password_change(request, user)
        return redirect("accounts:welcome")
    return render(
        request, "accounts/set_password.html", {"form": form, "user_inputs": meter_words(user)}
    )


@login_required
def welcome(request):
    return render(request, "accounts/welcome.html")
