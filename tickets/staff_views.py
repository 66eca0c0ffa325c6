"""The back-office of "Richieste e reclami": the queue, a request with the customer's
contracts beside it, assignment, internal notes, the answer, closing, the statistics.

Each view checks that the staff member handles at least one area (`staff_required` with a
callable-free check below) and fetches the request within the areas they handle: any other
is a 404. The services check the area's permission again. Every view of a request and every
action is audited.
"""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import audit, uploads
from core.access import staff_required
from customers import selectors as customer_selectors

from . import selectors, services
from .forms import AnswerForm, AssignForm, NoteForm, QueueFilterForm, StatisticsForm
from .models import Ticket


def _handles_tickets(view):
    """staff_required, then: at least one area's permission (else 404)."""

    @staff_required
    def wrapper(request, *args, **kwargs):
        if not selectors.handles_any_area(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_handles_tickets
@require_GET
def queue(request):
    """The queue: open requests first, the overdue on top."""
    areas = selectors.areas_for(request.user)
    form = QueueFilterForm(request.GET or None, areas=areas)
    filters = form.cleaned_data if form.is_valid() else {}
    tickets = selectors.queue(request.user, **{k: v for k, v in filters.items() if v})
    page_obj = Paginator(tickets, 25).get_page(request.GET.get("pagina"))
    today = timezone.localdate()
    overdue = selectors.queue(request.user, due="overdue", today=today).count()
    return render(
        request,
        "tickets/staff/queue.html",
        {"form": form, "page_obj": page_obj, "today": today, "overdue": overdue},
    )


def _page(request, ticket, *, status=200, **forms):
    operators = list(selectors.operators_for(ticket.area))
    template_id = request.GET.get("modello", "")
    answers = list(selectors.standard_answers(ticket.area))
    answer_form = forms.get("answer_form")
    if answer_form is None:
        initial = {}
        chosen = next((a for a in answers if str(a.pk) == template_id), None)
        if chosen is not None:
            initial["answer"] = chosen.text
        answer_form = AnswerForm(ticket=ticket, initial=initial)
    audit.record(actor=request.user, action="tickets.staff_view", obj=ticket)
    return render(
        request,
        "tickets/staff/detail.html",
        {
            "ticket": ticket,
            "files": selectors.ticket_files(ticket),
            "conversation": selectors.staff_conversation(ticket),
            "links": list(customer_selectors.links_of_user(ticket.user)) if ticket.user else [],
            "assign_form": forms.get("assign_form")
            or AssignForm(
                operators=operators,
                initial={"assignee": ticket.assigned_to_id},
            ),
            "note_form": forms.get("note_form") or NoteForm(),
            "answer_form": answer_form,
            "standard_answers": answers,
            "Status": Ticket.Status,
        },
        status=status,
    )


@_handles_tickets
@require_GET
def detail(request, uid):
    ticket = selectors.get_ticket_for_staff(request.user, uid)
    return _page(request, ticket)


@_handles_tickets
@require_POST
def assign(request, uid):
    ticket = selectors.get_ticket_for_staff(request.user, uid)
    form = AssignForm(request.POST, operators=list(selectors.operators_for(ticket.area)))
    if not form.is_valid():
        return _page(request, ticket, status=400, assign_form=form)
    assignee = form.operators.get(form.cleaned_data["assignee"])
    services.assign(ticket=ticket, actor=request.user, assignee=assignee)
    messages.success(
        request,
        _("Richiesta assegnata a %(name)s.") % {"name": assignee.username}
        if assignee
        else _("Richiesta non più assegnata."),
    )
    return redirect("tickets:staff_detail", uid=ticket.uid)


@_handles_tickets
@require_POST
def take(request, uid):
    """ "Prendi in carico": assign the request to oneself."""
    ticket = selectors.get_ticket_for_staff(request.user, uid)
    services.assign(ticket=ticket, actor=request.user, assignee=request.user)
    messages.success(request, _("Richiesta presa in carico."))
    return redirect("tickets:staff_detail", uid=ticket.uid)


@_handles_tickets
@require_POST
def note(request, uid):
    ticket = selectors.get_ticket_for_staff(request.user, uid)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _page(request, ticket, status=400, note_form=form)
    services.add_note(
        ticket=ticket,
        actor=request.user,
        text=form.cleaned_data["note"],
        idempotency_key=form.cleaned_data["idempotency_key"],
    )
    messages.success(request, _("Nota interna aggiunta."))
    return redirect("tickets:staff_detail", uid=ticket.uid)


@_handles_tickets
@require_POST
def answer(request, uid):
    ticket = selectors.get_ticket_for_staff(request.user, uid)
    form = AnswerForm(request.POST, request.FILES, ticket=ticket)
    if not form.is_valid():
        return _page(request, ticket, status=400, answer_form=form)
    try:
        services.publish_answer(
            ticket=ticket,
            actor=request.user,
            text=form.cleaned_data["answer"],
            files=form.cleaned_data["files"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, ticket, status=400, answer_form=form)
    messages.success(request, _("Risposta pubblicata: il cliente è stato avvisato per e-mail."))
    return redirect("tickets:staff_detail", uid=ticket.uid)


@_handles_tickets
@require_POST
def close(request, uid):
    ticket = selectors.get_ticket_for_staff(request.user, uid)
    services.close(ticket=ticket, actor=request.user)
    messages.success(request, _("Richiesta chiusa."))
    return redirect("tickets:staff_detail", uid=ticket.uid)


@_handles_tickets
@require_GET
def attachment(request, uid):
    item = selectors.get_attachment_for_staff(request.user, uid)
    audit.record(
        actor=request.user,
        action="tickets.staff_download",
        obj=item.ticket,
        attachment=str(item.uid),
    )
    return uploads.serve(
        item.file, filename=item.download_name, content_type=uploads.CONTENT_TYPES[item.kind]
    )


STATISTICS_HEADER = (
    "area",
    "mese",
    "ricevute",
    "risposte_nei_tempi",
    "risposte_in_ritardo",
    "senza_risposta",
    "giorni_lavorativi_medi",
)


@staff_required("tickets.view_statistics")
@require_GET
def statistics(request):
    """Per area and month: received, answered on time, late, average working days; CSV."""
    areas = selectors.areas_for(request.user)
    years = sorted(
        {d.year for d in Ticket.objects.filter(area__in=areas).dates("received_at", "year")},
        reverse=True,
    )
    form = StatisticsForm(request.GET or None, years=years)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    rows = selectors.statistics(areas, year=year)
    audit.record(actor=request.user, action="tickets.statistics", year=year or "")
    if request.GET.get("formato") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"richieste-statistiche-{year or 'tutti'}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv.writer(response)
        writer.writerow(STATISTICS_HEADER)
        for row in rows:
            writer.writerow(
                (
                    row["area_label"],
                    row["month"],
                    row["received"],
                    row["on_time"],
                    row["late"],
                    row["open"],
                    "" if row["average_days"] is None else str(row["average_days"]),
                )
            )
        return response
    return render(
        request,
        "tickets/staff/statistics.html",
        {"form": form, "rows": rows, "year": year},
    )
