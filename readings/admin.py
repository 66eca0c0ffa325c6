"""The list of reasons staff choose from when they reject a self-reading: the utility edits
it in Amministrazione (administrators)."""

from django.contrib import admin

from .models import RejectionReason


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ("text", "active", "position")
    list_editable = ("active", "position")
    search_fields = ("text",)
