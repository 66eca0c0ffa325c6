"""The administration: the response standards (with the rule's name) and the standard
answers. Requests themselves change only through the back-office (audited), so the admin
shows them read-only."""

from django.contrib import admin

from .models import ResponseStandard, StandardAnswer, Ticket


@admin.register(ResponseStandard)
class ResponseStandardAdmin(admin.ModelAdmin):
    list_display = ("area", "kind", "working_days", "indemnity_base", "rule")
    list_filter = ("area", "kind")
    list_editable = ("working_days", "indemnity_base")


@admin.register(StandardAnswer)
class StandardAnswerAdmin(admin.ModelAdmin):
    list_display = ("title", "area", "active")
    list_filter = ("area", "active")
    search_fields = ("title", "text")


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("protocol", "area", "kind", "status", "received_at", "due_on", "indemnity")
    list_filter = ("area", "kind", "status")
    search_fields = ("protocol",)
    fields = (
        "protocol", "area", "kind", "status", "received_at", "standard_rule", "standard_days",
        "due_on", "answered_at", "working_days_taken", "indemnity", "closed_at",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
