"""The back-office of pratiche: the queue, a pratica with its attachments, and the moves.

Every view checks `pratiche.process_pratica` (staff_required) and the services check it
again; every consultation and every move is in the audit log.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit, uploads
from core.access import staff_required
from core.workdays import working_days_left

from . import selectors, services
from .forms import AssignForm, NoteForm, QueueFilterForm
from .models import Attachment, State

PERMISSION = services.PERMISSION

# The buttons of a pratica's page: state -> (label, button class, note required).
ACTIONS = {
    State.IN_PROGRESS: (_("Prendi in carico"), "btn-primary", False),
    State.INTEGRATION_REQUESTED: (_("Chiedi documenti"), "btn-outline-primary", True),
    State.ACCEPTED: (_("Accogli"), "btn-success", False),
    State.REJECTED: (_("Respingi"), "btn-outline-danger", True),
}


def _processors():
    """Staff who may be given pratiche: active, holding the permission (by role or
    directly)."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(groups__permissions__codename="process_pratica")
            | Q(user_permissions__codename="process_pratica")
            | Q(is_superuser=True)
        )
    )
    return list(users.distinct().order_by("last_name", "first_name", "username"))


def _clock(pratica):
    """Working days left to the due date (late: by how many), for open pratiche."""
    is_open = pratica.state in selectors.OPEN_STATES and pratica.due_on is not None
    days = working_days_left(pratica.due_on) if is_open else None
    return {"open": is_open, "days_left": days, "late": -days if days and days < 0 else 0}


@staff_required(PERMISSION)
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.queue(
        kind=filters.get("kind", ""),
        state=filters.get("state", ""),
        assigned_to=request.user if filters.get("mine") else None,
    )
    page_obj = Paginator(rows, 25).get_page(request.GET.get("pagina"))
    items = [{"pratica": p, **_clock(p)} for p in page_obj.object_list]
    return render(
        request,
        "pratiche/staff/queue.html",
        {"form": form, "page_obj": page_obj, "items": items},
    )


def _page(request, pratica, *, forms=None, status=200):
    audit.record(
        actor=request.user, action="pratiche.staff_view", obj=pratica, protocol=pratica.protocol
    )
    forms = forms or {}
    actions = []
    own = pratica.user_id == request.user.pk  # a colleague processes it (services)
    for to in [] if own else services.allowed_moves(pratica.state, services.STAFF):
        label, css, required = ACTIONS[to]
        actions.append(
            {
                "to": to.value,
                "label": label,
                "css": css,
                "form": forms.get(to.value) or NoteForm(prefix=to.value, required=required),
            }
        )
    return render(
        request,
        "pratiche/staff/detail.html",
        {
            "pratica": pratica,
            "attachments": list(pratica.attachments.all()),
            "events": list(pratica.events.all()),
            **_clock(pratica),
            "actions": actions,
            "assign_form": forms.get("assign")
            or AssignForm(
                initial={"assignee": str(pratica.assigned_to.uid) if pratica.assigned_to else ""},
                staff=_processors(),
            ),
        },
        status=status,
    )


@staff_required(PERMISSION)
def detail(request, uid):
    return _page(request, selectors.get_pratica_for_staff(uid))


@staff_required(PERMISSION)
@require_POST
def move(request, uid, to):
    pratica = selectors.get_pratica_for_staff(uid)
    if to not in ACTIONS:
        return redirect("pratiche:staff_detail", uid=uid)
    to = State(to)
    form = NoteForm(request.POST, prefix=to.value, required=ACTIONS[to][2])
    if not form.is_valid():
        return _page(request, pratica, forms={to.value: form}, status=400)
    try:
        moved = services.set_pratica_state(
            pratica=pratica, to=to, actor=request.user, note=form.cleaned_data["note"]
        )
    except services.TransitionError:
        messages.error(
            request, _("La pratica è cambiata nel frattempo: questa azione non è più possibile.")
        )
        return redirect("pratiche:staff_detail", uid=uid)
    except PermissionDenied:
        messages.error(request, _("Una pratica che hai presentato tu la lavora un collega."))
        return redirect("pratiche:staff_detail", uid=uid)
    except ValidationError as exc:
        form.add_error("note", exc)
        return _page(request, pratica, forms={to.value: form}, status=400)
    if moved:
        messages.success(
            request,
            _("Pratica %(protocol)s: %(state)s.")
            % {"protocol": pratica.protocol, "state": State(to).label},
        )
    return redirect("pratiche:staff_detail", uid=uid)


@staff_required(PERMISSION)
@require_POST
def assign(request, uid):
    pratica = selectors.get_pratica_for_staff(uid)
    form = AssignForm(request.POST, staff=_processors())
    if not form.is_valid():
        return _page(request, pratica, forms={"assign": form}, status=400)
    try:
        services.assign_pratica(
            pratica=pratica, actor=request.user, assignee=form.cleaned_data["assignee"]
        )
    except ValidationError as exc:
        form.add_error("assignee", exc)
        return _page(request, pratica, forms={"assign": form}, status=400)
    messages.success(request, _("Assegnazione salvata."))
    return redirect("pratiche:staff_detail", uid=uid)


def _attachment(uid, attachment_uid):
    return get_object_or_404(
        Attachment.objects.select_related("pratica").exclude(pratica__state=State.DRAFT),
        pratica__uid=uid,
        uid=attachment_uid,
    )


@staff_required(PERMISSION)
def attachment_viewer(request, uid, attachment_uid):
    """One attachment in the page: a picture shown, a PDF downloaded (what a customer
    uploaded never opens inline on the portal's origin)."""
    item = _attachment(uid, attachment_uid)
    audit.record(
        actor=request.user,
        action="pratiche.staff_view_attachment",
        obj=item.pratica,
        attachment=str(item.uid),
    )
    siblings = list(item.pratica.attachments.all())
    index = next(i for i, a in enumerate(siblings) if a.pk == item.pk)
    return render(
        request,
        "pratiche/staff/attachment.html",
        {
            "pratica": item.pratica,
            "item": item,
            "previous": siblings[index - 1] if index > 0 else None,
            "next": siblings[index + 1] if index + 1 < len(siblings) else None,
        },
    )


@staff_required(PERMISSION)
def attachment_file(request, uid, attachment_uid):
    item = _attachment(uid, attachment_uid)
    return uploads.serve(
        item.file,
        filename=f"allegato-{item.uid.hex[:8]}.{uploads.EXTENSIONS[item.file_kind]}",
        content_type=uploads.CONTENT_TYPES[item.file_kind],
    )  # a download: a picture still shows in the viewer's <img>, a PDF opens outside


@staff_required(PERMISSION)
def receipt(request, uid):
    pratica = selectors.get_pratica_for_staff(uid)
    return uploads.serve(
        pratica.receipt,
        filename=f"ricevuta-{pratica.protocol}.pdf",
        content_type="application/pdf",
    )
