from django.contrib import admin

from .models import PraticaType


@admin.register(PraticaType)
class PraticaTypeAdmin(admin.ModelAdmin):
    """The clock of each kind of pratica (RQSII defaults) and whether customers may file it."""

    list_display = ("kind", "working_days", "enabled")
    list_editable = ("working_days", "enabled")
    readonly_fields = ("kind",)

    def has_add_permission(self, request):
        return False  # one row per kind, written by the migration

    def has_delete_permission(self, request, obj=None):
        return False
