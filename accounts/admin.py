from functools import wraps

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django_otp.admin import OTPAdminSite

from .models import User
from .staff import is_administrator, is_staff_account


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

    def login(self, request, extra_context=None):
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or request.get_full_path())
        if self.has_permission(request):
            return redirect("admin:index")
        raise Http404


@admin.register(User)
class SportelloUserAdmin(UserAdmin):
    """Administrators manage staff accounts here; nobody sets a customer's password: the
    change-password page is refused and the hash is not shown. A customer's e-mail address is
    read-only: only the customer changes it ("Modifica profilo web"), with a confirmation
    link to the new address and a notice to the old one."""

    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("username", "email", "first_name", "last_name", "company_name")
    fieldsets = (
        (None, {"fields": ("username", "email", "first_name", "last_name", "company_name")}),
        ("Permessi", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Date", {"fields": ("last_login", "date_joined", "email_confirmed_at", "blocked_at")}),
    )
    readonly_fields = ("last_login", "date_joined", "email_confirmed_at", "blocked_at")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and not is_staff_account(obj):
            fields += ("email",)
        return fields

    def user_change_password(self, request, id, form_url=""):
        raise PermissionDenied
