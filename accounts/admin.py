from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from .models import User


@admin.register(User)
class SportelloUserAdmin(UserAdmin):
    """Administrators manage staff accounts here; nobody sets a customer's password: the
    change-password page is refused and the hash is not shown."""

    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("username", "email", "first_name", "last_name", "company_name")
    fieldsets = (
        (None, {"fields": ("username", "email", "first_name", "last_name", "company_name")}),
        ("Permessi", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Date", {"fields": ("last_login", "date_joined", "email_confirmed_at", "blocked_at")}),
    )
    readonly_fields = ("last_login", "date_joined", "email_confirmed_at", "blocked_at")

    def user_change_password(self, request, id, form_url=""):
        raise PermissionDenied
