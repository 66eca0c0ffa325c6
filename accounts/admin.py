from functools import wraps

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User
from .staff import is_administrator


class SportelloAdminSite(OTPAdminSite):
    """The /gestione/ administration: superusers and the Amministratore role only, with a
    verified second factor (django-otp). Staff log in through the portal's own login page;
    anyone else who is logged in gets the portal's 404 instead of a login loop."""

    def has_permission(self, request):
        return super().has_permission(request) and is_administrator(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def wrapper(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404
            return inner(request, *args, **kwargs)

        return wrapper

    def password_change(self, request, extra_context=None):
        """The portal's own page: throttled like the login (django-axes), it ends the other
        sessions and tells the owner by e-mail. Django's admin form does none of that."""
        return redirect("accounts:password_change")

    def login(self, request, extra_context=None):
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or request.get_full_path())
        if self.has_permission(request):
            return redirect("admin:index")
        raise Http404


@admin.register(User)
class SportelloUserAdmin(UserAdmin):
    """Web profiles, read-only. Customers change their own data ("Modifica profilo web": a new
    e-mail address only through a link sent to it, the old one told); staff accounts, their
    roles and their activation are managed in the back-office ("Personale e ruoli"), which
    keeps the last-administrator rule and the audit log. Editing here would bypass all that
    (ticking "staff" made a customer's e-mail editable), and nobody sets a password."""

    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("username", "email", "first_name", "last_name", "company_name")
    fieldsets = (
        (None, {"fields": ("username", "email", "first_name", "last_name", "company_name")}),
        ("Permessi", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Date", {"fields": ("last_login", "date_joined", "email_confirmed_at", "blocked_at")}),
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def user_change_password(self, request, id, form_url=""):
        raise PermissionDenied


# Two-step devices are not edited by hand: in the admin a superuser could mint recovery codes
# for anyone or read an authenticator's secret. Administrators reset a lost authenticator in
# the back-office (audited, the owner told).
for _model in (StaticDevice, TOTPDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
