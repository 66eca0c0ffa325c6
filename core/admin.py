from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox
from .models import AuditEvent, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to", "state", "attempts", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("to", "subject")
    # Never the text: it may hold a live link (a password reset) staff must not use.
    exclude = ("body_text", "body_html")
    readonly_fields = [
        f.name for f in OutboxMessage._meta.fields if f.name not in ("body_text", "body_html")
    ]
    actions = ["requeue"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Rimetti in coda i messaggi non recapitabili"))
    def requeue(self, request, queryset):
        count = sum(
            outbox.requeue(message=m, actor=request.user)
            for m in queryset.filter(state=OutboxMessage.State.DEAD)
        )
        self.message_user(
            request,
            ngettext("%d messaggio rimesso in coda.", "%d messaggi rimessi in coda.", count)
            % count,
            messages.SUCCESS,
        )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("actor_label", "object_id")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
