"""The customer's pages of "Richieste e reclami". Every request and attachment is fetched
scoped to its owner: anyone else's is a 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import limits, uploads

from . import conf, selectors, services
from .forms import MessageForm, TicketForm, meter_cost_words
from .models import Area, Kind, Ticket


def draft_key(user):
    """The key of the browser-side draft (localStorage): per user, opaque, so two people on
    one browser never see each other's draft and no personal data names it."""
    return "tickets-draft-" + salted_hmac("tickets.draft", str(user.pk)).hexdigest()[:20]


@login_required
def ticket_list(request):
    """ "Richieste e reclami": the customer's requests, newest first."""
    page_obj = Paginator(selectors.tickets_for_user(request.user), 25).get_page(
        request.GET.get("pagina")
    )
    return render(request, "tickets/list.html", {"page_obj": page_obj})


@login_required
def ticket_new(request):
    """ "Nuova richiesta"."""
    form = TicketForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        link_uid=request.GET.get("utenza"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _over_limit(request.user, data["idempotency_key"]):
            form.add_error(
                None,
                _(
                    "Hai inviato molte richieste oggi: riprova domani o chiama il numero verde "
                    "%(phone)s. Quello che hai scritto è ancora qui."
                )
                % {"phone": settings.UTILITY["phone"]},
            )
            return _new_page(request, form, status=429)
        ticket, created = services.submit_ticket(
            user=request.user,
            idempotency_key=data["idempotency_key"],
            area=data["area"],
            kind=data["kind"],
            contract=data["contract"],
            subject=data["subject"],
            text=data["text"],
            files=data["files"],
            details=form.details(),
        )
        if created:
            messages.success(
                request,
                _(
                    "Richiesta inviata con protocollo %(protocol)s. Ti abbiamo inviato una "
                    "conferma per e-mail."
                )
                % {"protocol": ticket.protocol},
            )
        else:
            messages.info(
                request,
                _("La richiesta era già stata inviata con protocollo %(protocol)s.")
                % {"protocol": ticket.protocol},
            )
        return redirect(reverse("tickets:detail", args=[ticket.uid]) + "?inviata=1")
    return _new_page(request, form, status=200)


def _over_limit(user, idempotency_key):
    """A new request over TICKETS_SUBMIT_LIMIT a day (a resent form does not count; when the
    counter is unreachable the request goes through: nothing a customer writes is lost)."""
    if Ticket.objects.filter(user=user, idempotency_key=idempotency_key).exists():
        return False
    return limits.consume(
        group="tickets-submit",
        key=str(user.pk),
        limit=conf.submit_limit(),
        period=86400,
        fail_closed=False,
    )


def _new_page(request, form, *, status):
    return render(
        request,
        "tickets/new.html",
        {
            "form": form,
            "draft_key": draft_key(request.user),
            "water": Area.WATER,
            "complaint": Kind.COMPLAINT,
            "meter_cost": meter_cost_words(),
        },
        status=status,
    )


def _detail(request, ticket, form, status=200):
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "files": selectors.ticket_files(ticket),
            "conversation": selectors.customer_conversation(ticket),
            "form": form,
            "can_write": services.can_customer_write(ticket),
            "reopen_deadline": services.reopen_deadline(ticket),
            "reopen_days": conf.reopen_days(),
            "just_filed": request.GET.get("inviata") == "1",
            "draft_key": draft_key(request.user),
        },
        status=status,
    )


@login_required
def ticket_detail(request, uid):
    """The request and its conversation; the customer adds a message here."""
    ticket = selectors.get_ticket_for_user(request.user, uid)
    if request.method != "POST":
        return _detail(request, ticket, MessageForm(ticket=ticket))
    form = MessageForm(request.POST, request.FILES, ticket=ticket)
    if not form.is_valid():
        return _detail(request, ticket, form, status=400)
    try:
        services.add_customer_message(
            ticket=ticket,
            user=request.user,
            text=form.cleaned_data["text"],
            files=form.cleaned_data["files"],
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _detail(request, ticket, form, status=400)
    messages.success(request, _("Messaggio inviato."))
    return redirect("tickets:detail", uid=ticket.uid)


@login_required
@require_GET
def attachment(request, uid):
    item = selectors.get_attachment_for_user(request.user, uid)
    return uploads.serve(
        item.file, filename=item.download_name, content_type=uploads.CONTENT_TYPES[item.kind]
    )
