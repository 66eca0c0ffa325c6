"""The audit log, newest first, for holders of core.view_auditevent (administrators)."""

from django.core.paginator import Paginator
from django.shortcuts import render

from core.access import staff_required
from core.models import AuditEvent

from ..forms import AuditFilterForm


@staff_required("core.view_auditevent")
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
    if form.is_valid():
        if action := form.cleaned_data["action"].strip():
            events = events.filter(action__startswith=action)
        if actor := form.cleaned_data["actor"].strip():
            events = events.filter(actor_label__iexact=actor)
    page_obj = Paginator(events, 50).get_page(request.GET.get("pagina"))
    return render(request, "backoffice/audit_log.html", {"form": form, "page_obj": page_obj})
