""" "Richiedi nuova password": the request, and the link's page that sets the password."""

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from core import policy

from ..forms import PasswordResetRequestForm, ResetPasswordForm
from ..models import EmailToken
from ..services.recovery import reset_password, send_password_reset
from ..services.tokens import TokenError, inspect_token
from .common import meter_words, too_many, unusable_link


def password_reset(request):
    """ "Richiedi nuova password": the same answer whether or not the profile exists."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The lookup, the link and the mail happen in a task: whether the profile exists,
        # this request does the same work and takes the same time.
        if not too_many(request, "password-reset", policy.PASSWORD_RESET_RATE):
            send_password_reset.enqueue(form.cleaned_data["identifier"])
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_done(request):
    return render(request, "accounts/password_reset_done.html")


@sensitive_post_parameters("password1", "password2")
def password_reset_confirm(request, token):
    try:
        row = inspect_token(token=token, purpose=EmailToken.Purpose.RESET)
        form = ResetPasswordForm(request.POST or None, user=row.user)
        if request.method == "POST" and form.is_valid():
            reset_password(token=token, password=form.cleaned_data["password1"], request=request)
            if request.user.is_authenticated:
                auth_logout(request)
            messages.success(
                request, _("La nuova password è stata salvata. Accedi con la nuova password.")
            )
            return redirect("accounts:login")
    except TokenError as error:
        return unusable_link(request, error, purpose=EmailToken.Purpose.RESET)
    return render(
        request,
        "accounts/password_reset_confirm.html",
        {"form": form, "user_inputs": meter_words(row.user)},
    )
