""" "Il mio profilo": view, edit (with the new address's link), delete."""

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from .. import two_factor
from ..forms import DeleteProfileForm, ProfileForm
from ..models import EmailToken
from ..services import profile as services
from ..services.tokens import TokenError, inspect_token
from .common import unusable_link


@login_required
def profile(request):
    """ "Visualizza profilo"."""
    return render(
        request,
        "accounts/profile.html",
        {
            "profile": request.user,
            "news_consent": services.news_consent(request.user),
            "two_factor": two_factor.has_two_factor(request.user),
        },
    )


@login_required
def profile_edit(request):
    """ "Modifica profilo web"."""
    user = request.user
    initial = {"news_consent": services.news_consent(user)}
    form = ProfileForm(request.POST or None, instance=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        email_pending = services.update_profile(user=user, data=data, request=request)
        services.set_news_consent(user=user, granted=data["news_consent"], request=request)
        messages.success(request, _("Il profilo web è stato aggiornato."))
        if email_pending:
            messages.info(
                request,
                _(
                    "Ti abbiamo inviato un link al nuovo indirizzo e-mail: il cambio vale dopo "
                    "che lo avrai aperto. Fino ad allora resta valido l'indirizzo attuale."
                ),
            )
        return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


def email_change_confirm(request, token):
    """The link sent to the new address: a page with "Conferma"; only the POST uses it."""
    try:
        inspect_token(token=token, purpose=EmailToken.Purpose.EMAIL_CHANGE)
        if request.method == "POST":
            services.confirm_email_change(token=token, request=request)
            messages.success(request, _("Il nuovo indirizzo e-mail è confermato."))
            return redirect(
                "accounts:profile" if request.user.is_authenticated else "accounts:login"
            )
    except TokenError as error:
        return unusable_link(request, error, purpose=EmailToken.Purpose.EMAIL_CHANGE)
    return render(request, "accounts/email_confirm.html")


@login_required
@sensitive_post_parameters("password")
def delete_profile(request):
    """ "Elimina profilo" (customers only: an administrator deactivates staff accounts)."""
    if request.user.is_staff or request.user.is_superuser:
        raise Http404
    form = DeleteProfileForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        user = request.user
        auth_logout(request)
        services.delete_profile(user=user)
        return redirect("accounts:deleted")
    return render(
        request, "accounts/delete.html", {"form": form}, status=429 if form.locked_out else 200
    )


def deleted(request):
    return render(request, "accounts/deleted.html")
