from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from core.http import client_ip

from .forms import LoginForm


def _login_key(group, request):
    return f"{client_ip(request)}:{request.POST.get('username', '').strip().lower()}"


class LoginView(auth_views.LoginView):
    """ "Accesso utente". Throttled per (address, username) and per address, so that guessing
    is slow but a stranger elsewhere cannot lock the customer out."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        limited = is_ratelimited(
            request, group="login-pair", key=_login_key, rate="10/15m", increment=True
        ) or is_ratelimited(
            request, group="login-ip", key=lambda g, r: client_ip(r), rate="100/h", increment=True
        )
        if limited:
            form = self.get_form()
            form.errors.clear()
            return render(
                request,
                self.template_name,
                {"form": form, "throttled": True},
                status=429,
            )
        return super().post(request, *args, **kwargs)


@require_POST
def logout(request):
    response = auth_views.LogoutView.as_view(next_page="home")(request)
    messages.success(request, _("Sei uscito dall'area riservata."))
    return response
